//! **weight_grad** on the GPU (`shaders/weight_grad.wgsl`, a register-tiled matmul): `g = eᵀ · x`
//! in i32.

use super::{Kernel, mat, widen};
use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels::Params;
use spotproof_core::Mat;
use spotproof_core::ops::weight_grad::WeightGrad;

impl Kernel for WeightGrad {
    fn body(&self) -> &'static str {
        include_str!("../../weight_grad.wgsl")
    }
    fn matmul(&self) -> bool {
        true
    }
}

/// `C = eᵀ · x` with `e: b×n`, `x: b×k`.
pub(crate) fn params(n: usize, k: usize, b: usize) -> Params {
    Params {
        m: n as u32,
        n: k as u32,
        t: b as u32,
        a_rs: 1,
        a_cs: n as u32,
        b_rs: k as u32,
        b_cs: 1,
        ..Params::default()
    }
}

/// [`spotproof_core::ops::weight_grad`] as one launch.
pub(crate) fn run(gpu: &Gpu, e: &Mat<i8>, x: &Mat<i8>) -> Result<Mat<i32>> {
    let (b, n) = e.shape();
    let k = x.cols();
    x.expect_shape("weight_grad", "input", (b, k))?;
    let bufs = [
        gpu.storage("e", &widen(e.data()))?,
        gpu.storage("x", &widen(x.data()))?,
        gpu.zeroed("g", n * k)?,
    ];
    let out = gpu.launch(&WeightGrad, params(n, k, b), &bufs, &[(2, n * k)])?;
    mat("g", n, k, out.into_iter().next().unwrap_or_default())
}
