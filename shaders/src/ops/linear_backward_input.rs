//! **linear_backward_input** on the GPU (`shaders/linear_backward_input.wgsl`, a register-tiled
//! matmul): `d = round((e · w) / 2^shift)`, clamped, masked where the activation `a` is 0.

use super::{Kernel, mat, widen};
use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels::Params;
use spotproof_core::Mat;
use spotproof_core::ops::linear_backward_input::LinearBackwardInput;

impl Kernel for LinearBackwardInput {
    fn body(&self) -> &'static str {
        include_str!("../../linear_backward_input.wgsl")
    }
    fn matmul(&self) -> bool {
        true
    }
}

/// `C = e · w` with `e: b×n`, `w: n×k`.
pub(crate) fn params(b: usize, k: usize, n: usize, shift: u32) -> Params {
    Params {
        m: b as u32,
        n: k as u32,
        t: n as u32,
        shift,
        a_rs: n as u32,
        a_cs: 1,
        b_rs: k as u32,
        b_cs: 1,
        ..Params::default()
    }
}

/// [`spotproof_core::ops::linear_backward_input`] as one launch.
pub(crate) fn run(gpu: &Gpu, e: &Mat<i8>, w: &Mat<i8>, a: &Mat<i8>, shift: u32) -> Result<Mat<i8>> {
    let (b, n) = e.shape();
    let k = w.cols();
    w.expect_shape("linear_backward_input", "weights", (n, k))?;
    a.expect_shape("linear_backward_input", "activation", (b, k))?;
    let bufs = [
        gpu.storage("e", &widen(e.data()))?,
        gpu.storage("w", &widen(w.data()))?,
        gpu.storage("a", &widen(a.data()))?,
        gpu.zeroed("d", b * k)?,
    ];
    let out = gpu.launch(
        &LinearBackwardInput,
        params(b, k, n, shift),
        &bufs,
        &[(3, b * k)],
    )?;
    mat("d", b, k, out.into_iter().next().unwrap_or_default())
}
