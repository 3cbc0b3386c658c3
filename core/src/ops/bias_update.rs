//! **bias_update**: biases minus the shifted gradient, saturating (CPU reference, element
//! function, sampled check). Kernel: `shaders/bias_update.wgsl`.

use super::OpKind;
use super::bias_grad::bias_grad_elem;
use super::sampled::{Plan, Rows, Sampled, SampledOp, Site, as_, at, expect, fetch};
use super::{BIAS_MAX, expect_len, rshr_round};
use crate::error::Result;

/// One bias update: `clamp(b - rshr_round(g, s), -2^24, 2^24)`.
pub fn bias_update_elem(b: i32, g: i32, shift: u32) -> i32 {
    (i64::from(b) - rshr_round(i64::from(g), shift))
        .clamp(-i64::from(BIAS_MAX), i64::from(BIAS_MAX)) as i32
}

/// **bias_update** — `b'[n] = clamp(b[n] - rshr_round(g[n], shift), -2^24, 2^24)`.
///
/// Bound: `2^24 + |g| + 2^(shift-1) < 2^31`.
pub fn bias_update(bias: &[i32], grad: &[i32], shift: u32) -> Result<Vec<i32>> {
    expect_len("bias_update", "gradient", grad.len(), bias.len())?;
    Ok(bias
        .iter()
        .zip(grad)
        .map(|(&b, &g)| bias_update_elem(b, g, shift))
        .collect())
}

/// The sampled check: output `(i, 0)` opens the transposed-error row `i` (the gradient is its sum,
/// [`super::bias_grad::bias_grad_elem`]: the trace does not commit gradients), bias row `i` and
/// output row `i`.
pub struct BiasUpdate;

impl SampledOp for BiasUpdate {
    fn kind(&self) -> OpKind {
        OpKind::BiasUpdate
    }
    fn plan(&self) -> Plan {
        use super::sampled::{Operand::*, RowOf::*};
        &[(Input(0), I), (Input(1), I), (Output(0), I)]
    }
    fn check_element(&self, s: &Site, rows: &Rows, i: usize, j: usize) -> Sampled<()> {
        let [et, brow, b2] = fetch(rows, &self.element_rows(s, i, j)?)?;
        let b: i32 = as_(at(brow, j)?, "bias out of range")?;
        let g: i32 = as_(bias_grad_elem(et), "gradient out of range")?;
        expect(i, j, at(b2, j)?, bias_update_elem(b, g, s.shift(0)?).into())
    }
}
