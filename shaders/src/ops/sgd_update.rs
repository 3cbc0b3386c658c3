//! **sgd_update** on the GPU (`shaders/sgd_update.wgsl`): the int16 master weights step by the
//! rounded gradient, and the int8 weights derive from them, in place.

use super::{Kernel, mat, widen};
use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels::Params;
use spotproof_core::Mat;
use spotproof_core::ops::sgd_update::SgdUpdate;

impl Kernel for SgdUpdate {
    fn body(&self) -> &'static str {
        include_str!("../../sgd_update.wgsl")
    }
}

/// `len` weights, learning-rate shift `lr_shift`.
pub(crate) fn params(len: usize, lr_shift: u32) -> Params {
    Params {
        shift: lr_shift,
        ..Params::rows(len, 1)
    }
}

/// [`spotproof_core::ops::sgd_update`] as one launch.
pub(crate) fn run(
    gpu: &Gpu,
    master: &Mat<i16>,
    grad: &Mat<i32>,
    lr_shift: u32,
) -> Result<(Mat<i16>, Mat<i8>)> {
    grad.expect_shape("sgd_update", "gradient", master.shape())?;
    let (n, k) = master.shape();
    let bufs = [
        gpu.storage("master", &widen(master.data()))?,
        gpu.storage("g", grad.data())?,
        gpu.zeroed("w", n * k)?,
    ];
    let mut out = gpu
        .launch(
            &SgdUpdate,
            params(n * k, lr_shift),
            &bufs,
            &[(0, n * k), (2, n * k)],
        )?
        .into_iter();
    let m = mat("master", n, k, out.next().unwrap_or_default())?;
    Ok((m, mat("w", n, k, out.next().unwrap_or_default())?))
}
