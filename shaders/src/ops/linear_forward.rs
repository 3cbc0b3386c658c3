//! **linear_forward** on the GPU (`shaders/linear_forward.wgsl`, a register-tiled matmul):
//! `y = clamp(round((x · wᵀ + bias) / 2^shift))`, floored at 0 under ReLU.

use super::{Kernel, mat, widen};
use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels::Params;
use spotproof_core::Mat;
use spotproof_core::ops::activation_floor;
use spotproof_core::ops::linear_forward::LinearForward;

impl Kernel for LinearForward {
    fn body(&self) -> &'static str {
        include_str!("../../linear_forward.wgsl")
    }
    fn matmul(&self) -> bool {
        true
    }
}

/// `C = x · wᵀ` with `x: b×k`, `w: n×k`.
pub(crate) fn params(b: usize, n: usize, k: usize, shift: u32, relu: bool) -> Params {
    Params {
        m: b as u32,
        n: n as u32,
        t: k as u32,
        shift,
        a_rs: k as u32,
        a_cs: 1,
        b_rs: 1,
        b_cs: k as u32,
        lo: i32::from(activation_floor(relu)),
        hi: 127,
        ..Params::default()
    }
}

/// The buffers of one launch: `x`, `w`, `bias` uploaded, `y` zeroed.
fn buffers(gpu: &Gpu, x: &Mat<i8>, w: &Mat<i8>, bias: &[i32]) -> Result<[wgpu::Buffer; 4]> {
    let (b, k) = x.shape();
    let n = w.rows();
    w.expect_shape("linear_forward", "weights", (n, k))?;
    if bias.len() != n {
        return Err(spotproof_core::CoreError::Shape {
            op: "linear_forward",
            what: "bias",
            expected: (n, 1),
            got: (bias.len(), 1),
        }
        .into());
    }
    Ok([
        gpu.storage("x", &widen(x.data()))?,
        gpu.storage("w", &widen(w.data()))?,
        gpu.storage("bias", bias)?,
        gpu.zeroed("y", b * n)?,
    ])
}

/// [`spotproof_core::ops::linear_forward`] as one launch.
pub(crate) fn run(
    gpu: &Gpu,
    x: &Mat<i8>,
    w: &Mat<i8>,
    bias: &[i32],
    shift: u32,
    relu: bool,
) -> Result<Mat<i8>> {
    let bufs = buffers(gpu, x, w, bias)?;
    let (b, k, n) = (x.rows(), x.cols(), w.rows());
    let out = gpu.launch(
        &LinearForward,
        params(b, n, k, shift, relu),
        &bufs,
        &[(3, b * n)],
    )?;
    mat("y", b, n, out.into_iter().next().unwrap_or_default())
}

/// Benchmarking aid: seconds per launch over `reps` launches on resident buffers in one
/// submission (uploads and readback excluded, one warm-up launch).
pub(crate) fn time(gpu: &Gpu, x: &Mat<i8>, w: &Mat<i8>, shift: u32, reps: usize) -> Result<f64> {
    let (b, k, n) = (x.rows(), x.cols(), w.rows());
    let bufs = buffers(gpu, x, w, &vec![0i32; n])?;
    let d = gpu.dispatch(
        &LinearForward,
        params(b, n, k, shift, true),
        &bufs.iter().collect::<Vec<_>>(),
    )?;
    gpu.run(std::slice::from_ref(&d), &[(&bufs[3], 1)])?;
    let launches = vec![d; reps.max(1)];
    let start = std::time::Instant::now();
    gpu.run(&launches, &[(&bufs[3], 1)])?;
    Ok(start.elapsed().as_secs_f64() / reps.max(1) as f64)
}
