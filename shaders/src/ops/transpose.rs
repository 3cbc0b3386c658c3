//! **transpose** on the GPU (`shaders/transpose.wgsl`): `t[j][i] = x[i][j]`.

use super::{Kernel, mat, widen};
use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels::Params;
use spotproof_core::Mat;
use spotproof_core::ops::transpose::Transpose;

impl Kernel for Transpose {
    fn body(&self) -> &'static str {
        include_str!("../../transpose.wgsl")
    }
}

/// `b` rows of `k`.
pub(crate) fn params(b: usize, k: usize) -> Params {
    Params::rows(b, k)
}

/// [`spotproof_core::ops::transpose`] as one launch.
pub(crate) fn run(gpu: &Gpu, x: &Mat<i8>) -> Result<Mat<i8>> {
    let (b, k) = x.shape();
    let bufs = [gpu.storage("x", &widen(x.data()))?, gpu.zeroed("t", k * b)?];
    let out = gpu.launch(&Transpose, params(b, k), &bufs, &[(1, k * b)])?;
    mat("t", k, b, out.into_iter().next().unwrap_or_default())
}
