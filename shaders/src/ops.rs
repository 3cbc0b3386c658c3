//! Single ops on the GPU with the signatures of `spotproof_core::ops`, for the bit-exactness
//! tests and benchmarks: upload, one dispatch, read back.

use crate::error::{Result, ShaderError};
use crate::gpu::Gpu;
use crate::kernels::Params;
use spotproof_core::Mat;
use spotproof_core::ops::OpKind;
use spotproof_core::ops::{
    Executor, InputScale, activation_floor, check_gather, check_output_labels,
};

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

impl Executor for Gpu {
    type Error = ShaderError;

    /// [`spotproof_core::ops::gather`] on the GPU.
    fn gather(
        &self,
        images: &Mat<u8>,
        labels: &[u8],
        indices: &[u32],
        scale: InputScale,
    ) -> Result<(Mat<i8>, Vec<u32>)> {
        // The host checks what the kernel cannot report: shapes and indices.
        check_gather(images.rows(), labels, indices)?;
        let (packed, words) = pack_rows(images);
        let (b, k) = (indices.len(), images.cols());
        let bufs = [
            self.storage("images", &packed)?,
            self.storage("labels", &widen::<u8>(labels))?,
            self.storage("indices", indices)?,
            self.zeroed("x", b * k)?,
            self.zeroed("labels_out", b)?,
        ];
        let params = Params {
            shift: scale.shl,
            x0: scale.shr,
            x1: words as u32,
            ..Params::rows(b, k)
        };
        let mut out = self.launch(OpKind::Gather, params, &bufs, &[(3, b * k), (4, b)])?;
        let l = narrow("labels", out.pop().unwrap_or_default())?;
        Ok((mat("x", b, k, out.pop().unwrap_or_default())?, l))
    }

    /// [`spotproof_core::ops::linear_forward`] on the GPU.
    fn linear_forward(
        &self,
        x: &Mat<i8>,
        w: &Mat<i8>,
        bias: &[i32],
        shift: u32,
        relu: bool,
    ) -> Result<Mat<i8>> {
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
        let bufs = [
            self.storage("x", &widen(x.data()))?,
            self.storage("w", &widen(w.data()))?,
            self.storage("bias", bias)?,
            self.zeroed("y", b * n)?,
        ];
        let params = Params {
            shift,
            lo: i32::from(activation_floor(relu)),
            hi: 127,
            ..Params::x_wt(b, n, k)
        };
        let out = self.launch(OpKind::LinearForward, params, &bufs, &[(3, b * n)])?;
        mat("y", b, n, out.into_iter().next().unwrap_or_default())
    }

    /// [`spotproof_core::ops::output_error`] on the GPU.
    fn output_error(&self, y: &Mat<i8>, labels: &[u32], hi: i8, lo: i8) -> Result<Mat<i8>> {
        // Label and shape checks are the reference's; the kernel assumes them.
        check_output_labels(y.rows(), y.cols(), labels)?;
        let (b, n) = y.shape();
        let bufs = [
            self.storage("y", &widen(y.data()))?,
            self.storage("labels", labels)?,
            self.zeroed("e", b * n)?,
        ];
        let params = Params {
            lo: i32::from(lo),
            hi: i32::from(hi),
            ..Params::rows(b, n)
        };
        let out = self.launch(OpKind::OutputError, params, &bufs, &[(2, b * n)])?;
        mat("e", b, n, out.into_iter().next().unwrap_or_default())
    }

    /// [`spotproof_core::ops::linear_backward_input`] on the GPU.
    fn linear_backward_input(
        &self,
        e: &Mat<i8>,
        w: &Mat<i8>,
        a: &Mat<i8>,
        shift: u32,
    ) -> Result<Mat<i8>> {
        let (b, n) = e.shape();
        let k = w.cols();
        w.expect_shape("linear_backward_input", "weights", (n, k))?;
        a.expect_shape("linear_backward_input", "activation", (b, k))?;
        let bufs = [
            self.storage("e", &widen(e.data()))?,
            self.storage("w", &widen(w.data()))?,
            self.storage("a", &widen(a.data()))?,
            self.zeroed("d", b * k)?,
        ];
        let params = Params {
            shift,
            ..Params::e_w(b, k, n)
        };
        let out = self.launch(OpKind::LinearBackwardInput, params, &bufs, &[(3, b * k)])?;
        mat("d", b, k, out.into_iter().next().unwrap_or_default())
    }

    /// [`spotproof_core::ops::weight_grad`] on the GPU.
    fn weight_grad(&self, e: &Mat<i8>, x: &Mat<i8>) -> Result<Mat<i32>> {
        let (b, n) = e.shape();
        let k = x.cols();
        x.expect_shape("weight_grad", "input", (b, k))?;
        let bufs = [
            self.storage("e", &widen(e.data()))?,
            self.storage("x", &widen(x.data()))?,
            self.zeroed("g", n * k)?,
        ];
        let out = self.launch(
            OpKind::WeightGrad,
            Params::et_x(n, k, b),
            &bufs,
            &[(2, n * k)],
        )?;
        mat("g", n, k, out.into_iter().next().unwrap_or_default())
    }

    /// [`spotproof_core::ops::bias_grad`] on the GPU.
    fn bias_grad(&self, e: &Mat<i8>) -> Result<Vec<i32>> {
        let (b, n) = e.shape();
        let bufs = [self.storage("e", &widen(e.data()))?, self.zeroed("g", n)?];
        let out = self.launch(OpKind::BiasGrad, Params::rows(b, n), &bufs, &[(1, n)])?;
        Ok(out.into_iter().next().unwrap_or_default())
    }

    /// [`spotproof_core::ops::sgd_update`] on the GPU.
    fn sgd_update(
        &self,
        master: &Mat<i16>,
        grad: &Mat<i32>,
        lr_shift: u32,
    ) -> Result<(Mat<i16>, Mat<i8>)> {
        grad.expect_shape("sgd_update", "gradient", master.shape())?;
        let (n, k) = master.shape();
        let bufs = [
            self.storage("master", &widen(master.data()))?,
            self.storage("g", grad.data())?,
            self.zeroed("w", n * k)?,
        ];
        let params = Params {
            shift: lr_shift,
            ..Params::rows(n * k, 1)
        };
        let mut out = self
            .launch(OpKind::SgdUpdate, params, &bufs, &[(0, n * k), (2, n * k)])?
            .into_iter();
        let m = mat("master", n, k, out.next().unwrap_or_default())?;
        Ok((m, mat("w", n, k, out.next().unwrap_or_default())?))
    }

    /// [`spotproof_core::ops::bias_update`] on the GPU.
    fn bias_update(&self, bias: &[i32], grad: &[i32], shift: u32) -> Result<Vec<i32>> {
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
        let bufs = [self.storage("bias", bias)?, self.storage("g", grad)?];
        let params = Params {
            shift,
            ..Params::rows(bias.len(), 1)
        };
        let out = self.launch(OpKind::BiasUpdate, params, &bufs, &[(0, bias.len())])?;
        Ok(out.into_iter().next().unwrap_or_default())
    }

    /// [`spotproof_core::ops::transpose`] on the GPU.
    fn transpose(&self, x: &Mat<i8>) -> Result<Mat<i8>> {
        let (b, k) = x.shape();
        let bufs = [
            self.storage("x", &widen(x.data()))?,
            self.zeroed("t", k * b)?,
        ];
        let out = self.launch(OpKind::Transpose, Params::rows(b, k), &bufs, &[(1, k * b)])?;
        mat("t", k, b, out.into_iter().next().unwrap_or_default())
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
        let (b, k) = x.shape();
        let n = w.rows();
        w.expect_shape("linear_forward", "weights", (n, k))?;
        let bufs = [
            self.storage("x", &widen(x.data()))?,
            self.storage("w", &widen(w.data()))?,
            self.storage("bias", &vec![0i32; n])?,
            self.zeroed("y", b * n)?,
        ];
        let params = Params {
            shift,
            lo: 0,
            hi: 127,
            ..Params::x_wt(b, n, k)
        };
        let d = self.dispatch(
            OpKind::LinearForward,
            params,
            &bufs.iter().collect::<Vec<_>>(),
        )?;
        self.run(std::slice::from_ref(&d), &[(&bufs[3], 1)])?;
        let launches = vec![d; reps.max(1)];
        let start = std::time::Instant::now();
        self.run(&launches, &[(&bufs[3], 1)])?;
        Ok(start.elapsed().as_secs_f64() / reps.max(1) as f64)
    }
}

impl Gpu {
    /// One launch of `kernel` over `bufs` (bindings 1..), reading back `(buffer index, words)`.
    fn launch(
        &self,
        kernel: OpKind,
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
