//! **sgd_update**: masters minus the shifted gradient, int8 weights re-derived (CPU reference,
//! element functions, sampled check). Kernel: `shaders/sgd_update.wgsl`.

use super::OpKind;
use super::sampled::{Plan, Rows, SampleError, Sampled, SampledOp, Site, as_, at, expect, fetch};
use super::weight_grad::weight_grad_elem;
use super::{MASTER_SHIFT, rshr_round, sat_i8};
use crate::error::Result;
use crate::tensor::Mat;
use rayon::prelude::*;

/// One master weight's update: `clamp(m - rshr_round(g, s), -32768, 32767)`.
pub fn sgd_update_elem(m: i16, g: i32, lr_shift: u32) -> i16 {
    (i64::from(m) - rshr_round(i64::from(g), lr_shift))
        .clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16
}

/// The int8 weight a master weight stands for: `clamp(rshr_round(m, 8), -128, 127)`.
pub fn derive_weight_elem(m: i16) -> i8 {
    sat_i8(rshr_round(i64::from(m), MASTER_SHIFT), i8::MIN, i8::MAX)
}

/// Int8 weights re-derived from masters, element-wise [`derive_weight_elem`].
pub fn derive_weights(master: &Mat<i16>) -> Mat<i8> {
    let data = master
        .data()
        .par_iter()
        .map(|&m| derive_weight_elem(m))
        .collect();
    Mat::from_parts(master.rows(), master.cols(), data)
}

/// **sgd_update** — masters minus the shifted gradient, saturating; int8 weights re-derived.
///
/// `m'[n][k] = clamp(m[n][k] - rshr_round(g[n][k], lr_shift), -32768, 32767)` and
/// `w'[n][k] = clamp(rshr_round(m'[n][k], 8), -128, 127)`. Bound: `|g| + 2^(lr_shift-1) < 2^31`
/// and `2^15 + |g| < 2^31` (the subtraction).
pub fn sgd_update(
    master: &Mat<i16>,
    grad: &Mat<i32>,
    lr_shift: u32,
) -> Result<(Mat<i16>, Mat<i8>)> {
    grad.expect_shape("sgd_update", "gradient", master.shape())?;
    let data: Vec<i16> = master
        .data()
        .par_iter()
        .zip(grad.data().par_iter())
        .map(|(&m, &g)| sgd_update_elem(m, g, lr_shift))
        .collect();
    let m = Mat::from_parts(master.rows(), master.cols(), data);
    let w = derive_weights(&m);
    Ok((m, w))
}

/// The sampled check: output `(i, j)` opens the transposed-error row `i` and the transposed-input
/// row `j` (the gradient element is their dot product, [`super::weight_grad::weight_grad_elem`]:
/// the trace does not commit gradients), master row `i`, and both output rows `i` (masters and
/// int8 weights).
pub struct SgdUpdate;

impl SampledOp for SgdUpdate {
    fn kind(&self) -> OpKind {
        OpKind::SgdUpdate
    }
    fn inner(&self) -> Option<super::sampled::Operand> {
        Some(super::sampled::Operand::Input(0))
    }
    fn plan(&self) -> Plan {
        use super::sampled::{Operand::*, RowOf::*};
        &[
            (Input(0), I),
            (Input(1), J),
            (Input(2), I),
            (Output(0), I),
            (Output(1), I),
        ]
    }
    fn check_element(&self, s: &Site, rows: &Rows, i: usize, j: usize) -> Sampled<()> {
        let [et, xt, mrow, m2, w2] = fetch(rows, &self.element_rows(s, i, j)?)?;
        if et.len() != xt.len() {
            return Err(SampleError::Bad("transposed operand rows differ in length"));
        }
        let m: i16 = as_(at(mrow, j)?, "master out of range")?;
        let g: i32 = as_(weight_grad_elem(et, xt), "gradient out of range")?;
        let m_new = sgd_update_elem(m, g, s.shift(0)?);
        expect(i, j, at(m2, j)?, m_new.into())?;
        expect(i, j, at(w2, j)?, derive_weight_elem(m_new).into())
    }
}
