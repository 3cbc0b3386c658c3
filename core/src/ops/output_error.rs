//! **output_error**: the gradient of the squared error at the logits (CPU reference, the element
//! functions, and the sampled check). Kernel: `shaders/output_error.wgsl`.

use super::OpKind;
use super::sampled::{Plan, Rows, Sampled, SampledOp, Site, as_, at, expect, fetch};
use super::{check_labels, expect_len, par_rows, sat_i8};
use crate::error::Result;
use crate::tensor::Mat;

/// The scaled one-hot target: `hi` at the label's class, `lo` elsewhere.
pub fn target_elem(class: usize, label: u32, hi: i8, lo: i8) -> i8 {
    if class as u64 == u64::from(label) {
        hi
    } else {
        lo
    }
}

/// Output error of one logit: `e = clamp(y - t, -128, 127)`.
pub fn output_error_elem(y: i8, t: i8) -> i8 {
    sat_i8(i64::from(y) - i64::from(t), i8::MIN, i8::MAX)
}

/// **output_error** — the gradient of the integer squared error `½Σ(y - t)²` at the logits.
///
/// `e[b][n] = clamp(y[b][n] - t[b][n], -128, 127)` with `t[b][n] = hi` if `n == labels[b]` else
/// `lo`. Shapes: `y: B×N`, `labels: B`, every label `< N`. Bound: `|y - t| ≤ 255`, no accumulator.
pub fn output_error(y: &Mat<i8>, labels: &[u32], hi: i8, lo: i8) -> Result<Mat<i8>> {
    let (b, n) = y.shape();
    check_output_labels(b, n, labels)?;
    let mut e = Mat::zeros(b, n);
    par_rows(e.data_mut(), n, |i, out| {
        for (j, o) in out.iter_mut().enumerate() {
            *o = output_error_elem(y.at(i, j), target_elem(j, labels[i], hi, lo));
        }
    });
    Ok(e)
}

/// Checks what [`output_error`] checks (one label per row, each below `classes`).
pub fn check_output_labels(rows: usize, classes: usize, labels: &[u32]) -> Result<()> {
    expect_len("output_error", "labels", labels.len(), rows)?;
    check_labels(labels, classes)
}

/// The sampled check: output `(i, j)` opens logit row `i`, label row `i` and error row `i`.
pub struct OutputError;

impl SampledOp for OutputError {
    fn kind(&self) -> OpKind {
        OpKind::OutputError
    }
    fn plan(&self) -> Plan {
        use super::sampled::{Operand::*, RowOf::*};
        &[(Input(0), I), (Input(1), I), (Output(0), I)]
    }
    fn check_element(&self, s: &Site, rows: &Rows, i: usize, j: usize) -> Sampled<()> {
        let [y, lab, e] = fetch(rows, &self.element_rows(s, i, j)?)?;
        let label: u32 = as_(at(lab, 0)?, "label out of range")?;
        let t = target_elem(j, label, s.i8_param(0)?, 0);
        let yv: i8 = as_(at(y, j)?, "logit out of range")?;
        expect(i, j, at(e, j)?, output_error_elem(yv, t).into())
    }
}
