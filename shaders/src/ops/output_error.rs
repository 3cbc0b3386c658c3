//! **output_error** on the GPU (`shaders/output_error.wgsl`): `e = y − target`, the target `hi`
//! at the label and `lo` elsewhere, clamped to int8.

use super::{Kernel, mat, widen};
use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels::Params;
use spotproof_core::Mat;
use spotproof_core::ops::check_output_labels;
use spotproof_core::ops::output_error::OutputError;

impl Kernel for OutputError {
    fn body(&self) -> &'static str {
        include_str!("../../output_error.wgsl")
    }
}

/// `b` rows of `n` logits, targets `hi` and `lo`.
pub(crate) fn params(b: usize, n: usize, hi: i8, lo: i8) -> Params {
    Params {
        lo: i32::from(lo),
        hi: i32::from(hi),
        ..Params::rows(b, n)
    }
}

/// [`spotproof_core::ops::output_error`] as one launch.
pub(crate) fn run(gpu: &Gpu, y: &Mat<i8>, labels: &[u32], hi: i8, lo: i8) -> Result<Mat<i8>> {
    // Label and shape checks are the reference's; the kernel assumes them.
    check_output_labels(y.rows(), y.cols(), labels)?;
    let (b, n) = y.shape();
    let bufs = [
        gpu.storage("y", &widen(y.data()))?,
        gpu.storage("labels", labels)?,
        gpu.zeroed("e", b * n)?,
    ];
    let out = gpu.launch(&OutputError, params(b, n, hi, lo), &bufs, &[(2, b * n)])?;
    mat("e", b, n, out.into_iter().next().unwrap_or_default())
}
