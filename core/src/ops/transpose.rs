//! **transpose**: an int8 operand transposed so that column reads become row openings (CPU
//! reference, element function, sampled check). Kernel: `shaders/transpose.wgsl`.

use super::OpKind;
use super::par_rows;
use super::sampled::{Plan, Rows, Sampled, SampledOp, Site, at, expect, fetch};
use crate::tensor::Mat;

/// One transposed element: `t[k][b] = x[b][k]`, the value itself.
pub fn transpose_elem<T>(x: T) -> T {
    x
}

/// **transpose** — `t[k][b] = x[b][k]` (int8, exact).
///
/// Not part of the arithmetic of a step: the trace commits the transposes of the matmul operands
/// that `weight_grad`, `bias_grad` and `linear_backward_input` read by column, so that every
/// sampled element of those ops opens two rows instead of a whole tensor (`papers/protocol.md` §4.2).
pub fn transpose(x: &Mat<i8>) -> Mat<i8> {
    let (b, k) = x.shape();
    let mut t = Mat::zeros(k, b);
    par_rows(t.data_mut(), b, |j, out| {
        for (i, o) in out.iter_mut().enumerate() {
            *o = x.at(i, j);
        }
    });
    t
}

/// The sampled check: output `(i, j)` opens input row `j` and output row `i`.
pub struct Transpose;

impl SampledOp for Transpose {
    fn kind(&self) -> OpKind {
        OpKind::Transpose
    }
    fn plan(&self) -> Plan {
        use super::sampled::{Operand::*, RowOf::*};
        &[(Input(0), J), (Output(0), I)]
    }
    fn check_element(&self, s: &Site, rows: &Rows, i: usize, j: usize) -> Sampled<()> {
        let [x, t] = fetch(rows, &self.element_rows(s, i, j)?)?;
        expect(i, j, at(t, j)?, transpose_elem(at(x, i)?))
    }
}
