//! **bias_grad** on the GPU (`shaders/bias_grad.wgsl`): column sums of the int8 errors, one
//! workgroup per column.

use super::{Kernel, widen};
use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels::Params;
use spotproof_core::Mat;
use spotproof_core::ops::bias_grad::BiasGrad;

impl Kernel for BiasGrad {
    fn body(&self) -> &'static str {
        include_str!("../../bias_grad.wgsl")
    }
    fn workgroups(&self, p: &Params) -> u64 {
        // One workgroup per column.
        u64::from(p.n)
    }
}

/// Column sums of `b` rows of `n`.
pub(crate) fn params(b: usize, n: usize) -> Params {
    Params::rows(b, n)
}

/// [`spotproof_core::ops::bias_grad`] as one launch.
pub(crate) fn run(gpu: &Gpu, e: &Mat<i8>) -> Result<Vec<i32>> {
    let (b, n) = e.shape();
    let bufs = [gpu.storage("e", &widen(e.data()))?, gpu.zeroed("g", n)?];
    let out = gpu.launch(&BiasGrad, params(b, n), &bufs, &[(1, n)])?;
    Ok(out.into_iter().next().unwrap_or_default())
}
