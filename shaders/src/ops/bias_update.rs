//! **bias_update** on the GPU (`shaders/bias_update.wgsl`): the i32 biases step by the rounded
//! gradient, in place.

use super::Kernel;
use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels::Params;
use spotproof_core::ops::bias_update::BiasUpdate;

impl Kernel for BiasUpdate {
    fn body(&self) -> &'static str {
        include_str!("../../bias_update.wgsl")
    }
}

/// `len` biases, shift `shift`.
pub(crate) fn params(len: usize, shift: u32) -> Params {
    Params {
        shift,
        ..Params::rows(len, 1)
    }
}

/// [`spotproof_core::ops::bias_update`] as one launch.
pub(crate) fn run(gpu: &Gpu, bias: &[i32], grad: &[i32], shift: u32) -> Result<Vec<i32>> {
    if grad.len() != bias.len() {
        let shape = |n: usize| (n, 1);
        let e = spotproof_core::CoreError::Shape {
            op: "bias_update",
            what: "gradient",
            expected: shape(bias.len()),
            got: shape(grad.len()),
        };
        return Err(e.into());
    }
    let bufs = [gpu.storage("bias", bias)?, gpu.storage("g", grad)?];
    let out = gpu.launch(
        &BiasUpdate,
        params(bias.len(), shift),
        &bufs,
        &[(0, bias.len())],
    )?;
    Ok(out.into_iter().next().unwrap_or_default())
}
