//! The kernels' launch code, one module per op (`ops/<op>.rs`, named like the core op, the
//! gadget and the `.wgsl` file): each implements [`Kernel`] on the core op's own type (its WGSL
//! body, whether it is a tiled matmul, its workgroup count), builds its launch parameters (one
//! `params` function that the single-op launch and [`crate::GpuTrainer`] both use) and runs the
//! op alone with the signature of `spotproof_core::ops` (for the bit-exactness tests and
//! benchmarks: upload, one dispatch, read back). [`kernel`] is the one registry.

pub(crate) mod bias_grad;
pub(crate) mod bias_update;
pub(crate) mod gather;
pub(crate) mod linear_backward_input;
pub(crate) mod linear_forward;
pub(crate) mod output_error;
pub(crate) mod predict;
pub(crate) mod sgd_update;
pub(crate) mod transpose;
pub(crate) mod weight_grad;

use crate::error::{Result, ShaderError};
use crate::gpu::Gpu;
use crate::kernels::Params;
use spotproof_core::Mat;
use spotproof_core::ops::sampled::SampledOp;
use spotproof_core::ops::{Executor, InputScale, OpKind};

/// Workgroup width of the element-wise kernels.
pub(crate) const ELEMENTWISE_WG: u64 = 256;

/// An op's kernel, implemented on the core op's type.
pub(crate) trait Kernel: SampledOp {
    /// The op's WGSL file (`shaders/<name>.wgsl`), without the preludes.
    fn body(&self) -> &'static str;
    /// Whether it is a register-tiled matmul (`matmul.wgsl`; each workgroup covers a 64×64
    /// output block).
    fn matmul(&self) -> bool {
        false
    }
    /// Workgroups of an element-wise launch: one thread per element of `m × n` by default.
    fn workgroups(&self, p: &Params) -> u64 {
        (u64::from(p.m) * u64::from(p.n)).div_ceil(ELEMENTWISE_WG)
    }
}

/// The kernel of an op.
pub(crate) fn kernel(kind: OpKind) -> &'static dyn Kernel {
    use spotproof_core::ops as core;
    match kind {
        OpKind::Gather => &core::gather::Gather,
        OpKind::LinearForward => &core::linear_forward::LinearForward,
        OpKind::OutputError => &core::output_error::OutputError,
        OpKind::LinearBackwardInput => &core::linear_backward_input::LinearBackwardInput,
        OpKind::WeightGrad => &core::weight_grad::WeightGrad,
        OpKind::BiasGrad => &core::bias_grad::BiasGrad,
        OpKind::SgdUpdate => &core::sgd_update::SgdUpdate,
        OpKind::BiasUpdate => &core::bias_update::BiasUpdate,
        OpKind::Transpose => &core::transpose::Transpose,
        OpKind::Predict => &core::predict::Predict,
    }
}

/// Widens a tensor into the kernels' one-`i32`-per-element layout.
pub(crate) fn widen<T: Copy + Into<i32>>(values: &[T]) -> Vec<i32> {
    values.iter().map(|&v| v.into()).collect()
}

/// Narrows kernel output back to `T`, refusing a value outside `T` (a kernel bug, never wrapped).
pub(crate) fn narrow<T: TryFrom<i32>>(what: &'static str, values: Vec<i32>) -> Result<Vec<T>> {
    values
        .into_iter()
        .map(|v| {
            T::try_from(v)
                .map_err(|_| ShaderError::Readback(format!("{what}: value {v} out of range")))
        })
        .collect()
}

pub(crate) fn mat<T: Copy + Default + TryFrom<i32>>(
    what: &'static str,
    rows: usize,
    cols: usize,
    values: Vec<i32>,
) -> Result<Mat<T>> {
    Ok(Mat::new(rows, cols, narrow(what, values)?)?)
}

/// Packs `u8` rows four to a little-endian `u32`, each row padded to whole words.
pub(crate) fn pack_rows(images: &Mat<u8>) -> (Vec<u32>, usize) {
    let words = images.cols().div_ceil(4).max(1);
    let mut out = vec![0u32; images.rows() * words];
    for r in 0..images.rows() {
        for (k, &p) in images.row(r).iter().enumerate() {
            out[r * words + k / 4] |= u32::from(p) << (8 * (k % 4));
        }
    }
    (out, words)
}

/// Each op's single launch ([`Kernel`] modules' `run`).
impl Executor for Gpu {
    type Error = ShaderError;

    fn gather(
        &self,
        images: &Mat<u8>,
        labels: &[u8],
        indices: &[u32],
        scale: InputScale,
    ) -> Result<(Mat<i8>, Vec<u32>)> {
        gather::run(self, images, labels, indices, scale)
    }

    fn linear_forward(
        &self,
        x: &Mat<i8>,
        w: &Mat<i8>,
        bias: &[i32],
        shift: u32,
        relu: bool,
    ) -> Result<Mat<i8>> {
        linear_forward::run(self, x, w, bias, shift, relu)
    }

    fn output_error(&self, y: &Mat<i8>, labels: &[u32], hi: i8, lo: i8) -> Result<Mat<i8>> {
        output_error::run(self, y, labels, hi, lo)
    }

    fn linear_backward_input(
        &self,
        e: &Mat<i8>,
        w: &Mat<i8>,
        a: &Mat<i8>,
        shift: u32,
    ) -> Result<Mat<i8>> {
        linear_backward_input::run(self, e, w, a, shift)
    }

    fn weight_grad(&self, e: &Mat<i8>, x: &Mat<i8>) -> Result<Mat<i32>> {
        weight_grad::run(self, e, x)
    }

    fn bias_grad(&self, e: &Mat<i8>) -> Result<Vec<i32>> {
        bias_grad::run(self, e)
    }

    fn sgd_update(
        &self,
        master: &Mat<i16>,
        grad: &Mat<i32>,
        lr_shift: u32,
    ) -> Result<(Mat<i16>, Mat<i8>)> {
        sgd_update::run(self, master, grad, lr_shift)
    }

    fn bias_update(&self, bias: &[i32], grad: &[i32], shift: u32) -> Result<Vec<i32>> {
        bias_update::run(self, bias, grad, shift)
    }

    fn transpose(&self, x: &Mat<i8>) -> Result<Mat<i8>> {
        transpose::run(self, x)
    }

    fn predict(&self, y: &Mat<i8>, labels: &[u32]) -> Result<(Vec<u32>, Vec<u32>)> {
        predict::run(self, y, labels)
    }
}

impl Gpu {
    /// Benchmarking aid: seconds per launch of the `linear_forward` kernel over `reps` launches on
    /// resident buffers in one submission (uploads and readback excluded, one warm-up launch).
    pub fn time_linear_forward(
        &self,
        x: &Mat<i8>,
        w: &Mat<i8>,
        shift: u32,
        reps: usize,
    ) -> Result<f64> {
        linear_forward::time(self, x, w, shift, reps)
    }

    /// One launch of `kernel` over `bufs` (bindings 1..), reading back `(buffer index, words)`.
    pub(crate) fn launch(
        &self,
        kernel: &dyn Kernel,
        params: Params,
        bufs: &[wgpu::Buffer],
        reads: &[(usize, usize)],
    ) -> Result<Vec<Vec<i32>>> {
        let d = self.dispatch(kernel, params, &bufs.iter().collect::<Vec<_>>())?;
        let reads: Vec<(&wgpu::Buffer, usize)> =
            reads.iter().map(|&(i, n)| (&bufs[i], n)).collect();
        self.run(&[d], &reads)
    }
}
