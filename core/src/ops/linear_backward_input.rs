//! **linear_backward_input**: error propagation through a layer, masked by the activation's
//! unsaturated region (CPU reference, element function, sampled check). Kernel:
//! `shaders/linear_backward_input.wgsl`.

use super::OpKind;
use super::sampled::{Plan, Rows, SampleError, Sampled, SampledOp, Site, as_, at, expect, fetch};
use super::{par_rows, rshr_round, sat_i8};
use crate::error::Result;
use crate::tensor::Mat;

/// Error propagation of one element: `a` strictly inside `(0, 127)` lets
/// `clamp(rshr_round(g, s), -128, 127)` through, anything else gives 0.
pub fn linear_backward_input_elem(g: i64, shift: u32, a: i8) -> i8 {
    if a > 0 && a < i8::MAX {
        sat_i8(rshr_round(g, shift), i8::MIN, i8::MAX)
    } else {
        0
    }
}

/// **linear_backward_input** — propagates a layer's output error to its input, masked by the
/// input activation's un-saturated region (the derivative of the clamp that produced it).
///
/// `d[b][k] = (0 < a[b][k] < 127) ? clamp(rshr_round(Σ_n e[b][n]·w[n][k], shift), -128, 127) : 0`.
/// Shapes: `e: B×N`, `w: N×K`, `a: B×K` (the activation that was this layer's input).
/// Bound: `|Σ| ≤ N·2^14`, and `N·2^14 + 2^(shift-1) < 2^31`.
pub fn linear_backward_input(e: &Mat<i8>, w: &Mat<i8>, a: &Mat<i8>, shift: u32) -> Result<Mat<i8>> {
    const OP: &str = "linear_backward_input";
    let (b, n) = e.shape();
    let k = w.cols();
    w.expect_shape(OP, "weights", (n, k))?;
    a.expect_shape(OP, "activation", (b, k))?;
    let mut d = Mat::zeros(b, k);
    par_rows(d.data_mut(), k, |i, out| {
        let er = e.row(i);
        let mut acc = vec![0i64; k];
        for (j, &ej) in er.iter().enumerate() {
            if ej != 0 {
                for (s, &wv) in acc.iter_mut().zip(w.row(j)) {
                    *s += i64::from(ej) * i64::from(wv);
                }
            }
        }
        for (c, o) in out.iter_mut().enumerate() {
            *o = linear_backward_input_elem(acc[c], shift, a.at(i, c));
        }
    });
    Ok(d)
}

/// The sampled check: output `(i, j)` opens error row `i`, transposed-weight row `j`, activation
/// row `i` and output row `i`.
pub struct LinearBackwardInput;

impl SampledOp for LinearBackwardInput {
    fn kind(&self) -> OpKind {
        OpKind::LinearBackwardInput
    }
    fn inner(&self) -> Option<super::sampled::Operand> {
        Some(super::sampled::Operand::Input(0))
    }
    fn plan(&self) -> Plan {
        use super::sampled::{Operand::*, RowOf::*};
        &[(Input(0), I), (Input(1), J), (Input(2), I), (Output(0), I)]
    }
    fn check_element(&self, s: &Site, rows: &Rows, i: usize, j: usize) -> Sampled<()> {
        let [e, wt, a, d] = fetch(rows, &self.element_rows(s, i, j)?)?;
        if e.len() != wt.len() {
            return Err(SampleError::Bad(
                "error and transposed weight rows differ in length",
            ));
        }
        let g = e.iter().zip(wt).map(|(a, c)| a * c).sum::<i64>();
        let a: i8 = as_(at(a, j)?, "activation out of range")?;
        expect(
            i,
            j,
            at(d, j)?,
            linear_backward_input_elem(g, s.shift(0)?, a).into(),
        )
    }
}
