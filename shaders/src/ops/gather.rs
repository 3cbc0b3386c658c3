//! **gather** on the GPU (`shaders/gather.wgsl`): batch rows of the packed `u8` dataset, scaled
//! into int8, and their labels.

use super::{Kernel, mat, narrow, pack_rows, widen};
use crate::error::Result;
use crate::gpu::Gpu;
use crate::kernels::Params;
use spotproof_core::Mat;
use spotproof_core::ops::gather::Gather;
use spotproof_core::ops::{InputScale, check_gather};

impl Kernel for Gather {
    fn body(&self) -> &'static str {
        include_str!("../../gather.wgsl")
    }
}

/// `b` rows of `k` features, scaled by `scale`; each dataset row is `⌈k/4⌉` packed words.
pub(crate) fn params(b: usize, k: usize, scale: InputScale) -> Params {
    Params {
        shift: scale.shl,
        x0: scale.shr,
        x1: k.div_ceil(4).max(1) as u32,
        ..Params::rows(b, k)
    }
}

/// [`spotproof_core::ops::gather`] as one launch.
pub(crate) fn run(
    gpu: &Gpu,
    images: &Mat<u8>,
    labels: &[u8],
    indices: &[u32],
    scale: InputScale,
) -> Result<(Mat<i8>, Vec<u32>)> {
    // The host checks what the kernel cannot report: shapes and indices.
    check_gather(images.rows(), labels, indices)?;
    let (packed, _) = pack_rows(images);
    let (b, k) = (indices.len(), images.cols());
    let bufs = [
        gpu.storage("images", &packed)?,
        gpu.storage("labels", &widen::<u8>(labels))?,
        gpu.storage("indices", indices)?,
        gpu.zeroed("x", b * k)?,
        gpu.zeroed("labels_out", b)?,
    ];
    let mut out = gpu.launch(&Gather, params(b, k, scale), &bufs, &[(3, b * k), (4, b)])?;
    let l = narrow("labels", out.pop().unwrap_or_default())?;
    Ok((mat("x", b, k, out.pop().unwrap_or_default())?, l))
}
