//! **linear_forward**: the forward matmul with bias and requantization (CPU reference, the
//! element function, and the sampled check). Kernel: `shaders/linear_forward.wgsl`; gadget:
//! `spotproof-circuits`.

use super::OpKind;
use super::sampled::{Plan, Rows, SampleError, Sampled, SampledOp, Site, at, expect, fetch};
use super::{activation_floor, dot_i8, expect_len, par_rows, rshr_round, sat_i8};
use crate::error::Result;
use crate::tensor::Mat;

/// Requantization of one accumulator: `clamp(rshr_round(acc, s), lo, 127)`.
pub fn linear_forward_elem(acc: i64, shift: u32, lo: i8) -> i8 {
    sat_i8(rshr_round(acc, shift), lo, i8::MAX)
}

/// **linear_forward** — matmul + bias + requantization, ReLU folded into the clamp.
///
/// `y[b][n] = clamp(rshr_round(bias[n] + Σ_k x[b][k]·w[n][k], shift), lo, 127)` with
/// `lo = 0` if `relu` else `-128`. Shapes: `x: B×K`, `w: N×K` (a row per output neuron), `bias: N`,
/// `y: B×N`. Bound: `|acc| ≤ 2^24 + K·2^14`, and `|acc| + 2^(shift-1) < 2^31`.
pub fn linear_forward(
    x: &Mat<i8>,
    w: &Mat<i8>,
    bias: &[i32],
    shift: u32,
    relu: bool,
) -> Result<Mat<i8>> {
    const OP: &str = "linear_forward";
    let (b, k) = x.shape();
    let n = w.rows();
    w.expect_shape(OP, "weights", (n, k))?;
    expect_len(OP, "bias", bias.len(), n)?;
    let lo = activation_floor(relu);
    let mut y = Mat::zeros(b, n);
    par_rows(y.data_mut(), n, |i, out| {
        let xr = x.row(i);
        for (j, o) in out.iter_mut().enumerate() {
            *o = linear_forward_elem(i64::from(bias[j]) + dot_i8(xr, w.row(j)), shift, lo);
        }
    });
    Ok(y)
}

/// The sampled check: output `(i, j)` opens input row `i`, weight row `j`, bias row `j` and
/// output row `i`.
pub struct LinearForward;

impl SampledOp for LinearForward {
    fn kind(&self) -> OpKind {
        OpKind::LinearForward
    }
    fn inner(&self) -> Option<super::sampled::Operand> {
        Some(super::sampled::Operand::Input(0))
    }
    fn plan(&self) -> Plan {
        use super::sampled::{Operand::*, RowOf::*};
        &[(Input(0), I), (Input(1), J), (Input(2), J), (Output(0), I)]
    }
    fn check_element(&self, s: &Site, rows: &Rows, i: usize, j: usize) -> Sampled<()> {
        let [x, w, b, y] = fetch(rows, &self.element_rows(s, i, j)?)?;
        if x.len() != w.len() {
            return Err(SampleError::Bad("input and weight rows differ in length"));
        }
        let acc = at(b, 0)? + x.iter().zip(w).map(|(a, c)| a * c).sum::<i64>();
        let lo = s.i8_param(1)?;
        expect(
            i,
            j,
            at(y, j)?,
            linear_forward_elem(acc, s.shift(0)?, lo).into(),
        )
    }
}
