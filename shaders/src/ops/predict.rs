//! **predict** on the GPU (`shaders/predict.wgsl`): each row's first arg-max and whether it is
//! the row's label, one thread per row.

use super::{Kernel, narrow, widen};
use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels::Params;
use spotproof_core::Mat;
use spotproof_core::ops::check_output_labels;
use spotproof_core::ops::predict::Predict;

impl Kernel for Predict {
    fn body(&self) -> &'static str {
        include_str!("../../predict.wgsl")
    }
    fn workgroups(&self, p: &Params) -> u64 {
        // One thread per row.
        u64::from(p.m).div_ceil(super::ELEMENTWISE_WG)
    }
}

/// `b` rows of `n` logits.
pub(crate) fn params(b: usize, n: usize) -> Params {
    Params::rows(b, n)
}

/// [`spotproof_core::ops::predict`] as one launch.
pub(crate) fn run(gpu: &Gpu, y: &Mat<i8>, labels: &[u32]) -> Result<(Vec<u32>, Vec<u32>)> {
    // Label and shape checks are the reference's; the kernel assumes them.
    check_output_labels(y.rows(), y.cols(), labels)?;
    let (b, n) = y.shape();
    let bufs = [
        gpu.storage("y", &widen(y.data()))?,
        gpu.storage("labels", labels)?,
        gpu.zeroed("pred", b)?,
        gpu.zeroed("correct", b)?,
    ];
    let mut out = gpu
        .launch(&Predict, params(b, n), &bufs, &[(2, b), (3, b)])?
        .into_iter();
    let pred = narrow("pred", out.next().unwrap_or_default())?;
    let correct = narrow("correct", out.next().unwrap_or_default())?;
    Ok((pred, correct))
}
