//! The integer ops of a training step: the specification every kernel and gadget must match.
//!
//! Types: activations, errors and weights are `i8`; master weights `i16`; biases, gradients and
//! accumulators `i32`. Every function below states its formula, its rounding, its saturation and
//! the worst case of its accumulator. The bounds are checked for a model's shapes by
//! [`crate::model::ModelConfig::validate`] before anything runs, so that a 32-bit implementation
//! (the WGSL kernels) never wraps and computes exactly the mathematical value written here. This
//! module computes in `i64` where an intermediate could exceed `i32` only if the bounds were broken.
//!
//! Rounding everywhere is *round half up*: `rshr_round(x, s) = ⌊(x + 2^(s-1)) / 2^s⌋` for
//! `1 ≤ s ≤ 31`, and `x` for `s = 0`, i.e. an arithmetic right shift after adding half an ulp.
//! Shift counts are below 32.
//!
//! Element functions (`*_elem`) are public so the other two forms can reuse the exact same
//! definitions in tests and gadgets.

use crate::error::{CoreError, Result};
use crate::tensor::Mat;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The op kinds of a training step, one enum for the op's three forms: the core function
/// `ops::<name>` (the specification), the kernel `shaders/<name>.wgsl` and the gadget in
/// `spotproof-circuits`. The code enters every op digest (`trace::OpDesc::digest`); JSON
/// (bundles, vectors) spells a kind by its name (`"gather"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum OpKind {
    /// [`gather`].
    Gather = 1,
    /// [`linear_forward`].
    LinearForward = 2,
    /// [`output_error`].
    OutputError = 3,
    /// [`linear_backward_input`].
    LinearBackwardInput = 4,
    /// [`weight_grad`].
    WeightGrad = 5,
    /// [`bias_grad`].
    BiasGrad = 6,
    /// [`sgd_update`] (master out; the int8 weights out are its second output).
    SgdUpdate = 7,
    /// [`bias_update`].
    BiasUpdate = 8,
    /// [`transpose`] (of an int8 operand that another op reads by column).
    Transpose = 9,
}

impl OpKind {
    /// Every kind, by code.
    pub const ALL: [OpKind; 9] = [
        OpKind::Gather,
        OpKind::LinearForward,
        OpKind::OutputError,
        OpKind::LinearBackwardInput,
        OpKind::WeightGrad,
        OpKind::BiasGrad,
        OpKind::SgdUpdate,
        OpKind::BiasUpdate,
        OpKind::Transpose,
    ];

    /// The code committed in op digests.
    pub fn code(self) -> u64 {
        self as u64
    }

    /// The op's name: the core function, the kernel file, the JSON spelling.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Gather => "gather",
            OpKind::LinearForward => "linear_forward",
            OpKind::OutputError => "output_error",
            OpKind::LinearBackwardInput => "linear_backward_input",
            OpKind::WeightGrad => "weight_grad",
            OpKind::BiasGrad => "bias_grad",
            OpKind::SgdUpdate => "sgd_update",
            OpKind::BiasUpdate => "bias_update",
            OpKind::Transpose => "transpose",
        }
    }
}

impl std::fmt::Display for OpKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Master weights carry this many fractional bits over the int8 weights: `w8 = sat8(rshr(m, 8))`.
pub const MASTER_SHIFT: u32 = 8;

/// Biases saturate to `±BIAS_MAX` (accumulator scale), so `|bias| ≤ 2^24` enters every bound.
pub const BIAS_MAX: i32 = 1 << 24;

/// The largest magnitude of a product of two int8 values: `(-128)·(-128) = 2^14`.
pub const MAX_I8_PRODUCT: i64 = 1 << 14;

/// Rows per rayon task in the matmul-like ops: enough work per task to amortise scheduling.
const PAR_MIN_ROWS: usize = 4;

/// `rshr_round(x, s) = ⌊(x + 2^(s-1)) / 2^s⌋` (round half up) for `1 ≤ s ≤ 31`; `x` for `s = 0`.
///
/// `s ≥ 32` is rejected by the model validation; here it is treated as 31.
pub fn rshr_round(x: i64, s: u32) -> i64 {
    let s = s.min(31);
    if s == 0 {
        x
    } else {
        (x + (1i64 << (s - 1))) >> s
    }
}

/// `clamp(x, lo, hi)` as an `i8`.
pub fn sat_i8(x: i64, lo: i8, hi: i8) -> i8 {
    x.clamp(i64::from(lo), i64::from(hi)) as i8
}

/// The lower clamp of a layer's output: 0 folds ReLU into the clamp, -128 is a plain int8 clamp.
pub fn activation_floor(relu: bool) -> i8 {
    if relu { 0 } else { i8::MIN }
}

/// Requantization of one accumulator: `clamp(rshr_round(acc, s), lo, 127)`.
pub fn linear_forward_elem(acc: i64, shift: u32, lo: i8) -> i8 {
    sat_i8(rshr_round(acc, shift), lo, i8::MAX)
}

/// **linear_forward** — matmul + bias + requantization, ReLU folded into the clamp.
///
/// `y[b][n] = clamp(rshr_round(bias[n] + Σ_k x[b][k]·w[n][k], shift), lo, 127)` with
/// `lo = 0` if `relu` else `-128`. Shapes: `x: B×K`, `w: N×K` (a row per output neuron), `bias: N`,
/// `y: B×N`. Bound: `|acc| ≤ 2^24 + K·2^14`, and `|acc| + 2^(shift-1) < 2^31`.
pub fn linear_forward(
    x: &Mat<i8>,
    w: &Mat<i8>,
    bias: &[i32],
    shift: u32,
    relu: bool,
) -> Result<Mat<i8>> {
    const OP: &str = "linear_forward";
    let (b, k) = x.shape();
    let n = w.rows();
    w.expect_shape(OP, "weights", (n, k))?;
    expect_len(OP, "bias", bias.len(), n)?;
    let lo = activation_floor(relu);
    let mut y = Mat::zeros(b, n);
    par_rows(y.data_mut(), n, |i, out| {
        let xr = x.row(i);
        for (j, o) in out.iter_mut().enumerate() {
            *o = linear_forward_elem(i64::from(bias[j]) + dot_i8(xr, w.row(j)), shift, lo);
        }
    });
    Ok(y)
}

/// The scaled one-hot target: `hi` at the label's class, `lo` elsewhere.
pub fn target_elem(class: usize, label: u32, hi: i8, lo: i8) -> i8 {
    if class as u64 == u64::from(label) {
        hi
    } else {
        lo
    }
}

/// Output error of one logit: `e = clamp(y - t, -128, 127)`.
pub fn output_error_elem(y: i8, t: i8) -> i8 {
    sat_i8(i64::from(y) - i64::from(t), i8::MIN, i8::MAX)
}

/// **output_error** — the gradient of the integer squared error `½Σ(y - t)²` at the logits.
///
/// `e[b][n] = clamp(y[b][n] - t[b][n], -128, 127)` with `t[b][n] = hi` if `n == labels[b]` else
/// `lo`. Shapes: `y: B×N`, `labels: B`, every label `< N`. Bound: `|y - t| ≤ 255`, no accumulator.
pub fn output_error(y: &Mat<i8>, labels: &[u32], hi: i8, lo: i8) -> Result<Mat<i8>> {
    let (b, n) = y.shape();
    check_output_labels(b, n, labels)?;
    let mut e = Mat::zeros(b, n);
    par_rows(e.data_mut(), n, |i, out| {
        for (j, o) in out.iter_mut().enumerate() {
            *o = output_error_elem(y.at(i, j), target_elem(j, labels[i], hi, lo));
        }
    });
    Ok(e)
}

/// Error propagation of one element: `a` strictly inside `(0, 127)` lets
/// `clamp(rshr_round(g, s), -128, 127)` through, anything else gives 0.
pub fn linear_backward_input_elem(g: i64, shift: u32, a: i8) -> i8 {
    if a > 0 && a < i8::MAX {
        sat_i8(rshr_round(g, shift), i8::MIN, i8::MAX)
    } else {
        0
    }
}

/// **linear_backward_input** — propagates a layer's output error to its input, masked by the
/// input activation's un-saturated region (the derivative of the clamp that produced it).
///
/// `d[b][k] = (0 < a[b][k] < 127) ? clamp(rshr_round(Σ_n e[b][n]·w[n][k], shift), -128, 127) : 0`.
/// Shapes: `e: B×N`, `w: N×K`, `a: B×K` (the activation that was this layer's input).
/// Bound: `|Σ| ≤ N·2^14`, and `N·2^14 + 2^(shift-1) < 2^31`.
pub fn linear_backward_input(e: &Mat<i8>, w: &Mat<i8>, a: &Mat<i8>, shift: u32) -> Result<Mat<i8>> {
    const OP: &str = "linear_backward_input";
    let (b, n) = e.shape();
    let k = w.cols();
    w.expect_shape(OP, "weights", (n, k))?;
    a.expect_shape(OP, "activation", (b, k))?;
    let mut d = Mat::zeros(b, k);
    par_rows(d.data_mut(), k, |i, out| {
        let er = e.row(i);
        let mut acc = vec![0i64; k];
        for (j, &ej) in er.iter().enumerate() {
            if ej != 0 {
                for (s, &wv) in acc.iter_mut().zip(w.row(j)) {
                    *s += i64::from(ej) * i64::from(wv);
                }
            }
        }
        for (c, o) in out.iter_mut().enumerate() {
            *o = linear_backward_input_elem(acc[c], shift, a.at(i, c));
        }
    });
    Ok(d)
}

/// **weight_grad** — the exact weight gradient `g[n][k] = Σ_b e[b][n]·x[b][k]` in `i32`.
///
/// Shapes: `e: B×N`, `x: B×K`, `g: N×K`. No rounding. Bound: `|g| ≤ B·2^14`.
pub fn weight_grad(e: &Mat<i8>, x: &Mat<i8>) -> Result<Mat<i32>> {
    const OP: &str = "weight_grad";
    let (b, n) = e.shape();
    let k = x.cols();
    x.expect_shape(OP, "input", (b, k))?;
    let mut g = Mat::zeros(n, k);
    par_rows(g.data_mut(), k, |j, out| {
        let mut acc = vec![0i64; k];
        for i in 0..b {
            let ej = i64::from(e.at(i, j));
            if ej != 0 {
                for (s, &xv) in acc.iter_mut().zip(x.row(i)) {
                    *s += ej * i64::from(xv);
                }
            }
        }
        for (o, s) in out.iter_mut().zip(acc) {
            *o = s as i32;
        }
    });
    Ok(g)
}

/// **bias_grad** — the exact bias gradient `g[n] = Σ_b e[b][n]` in `i32`. Bound: `|g| ≤ B·128`.
pub fn bias_grad(e: &Mat<i8>) -> Vec<i32> {
    let (b, n) = e.shape();
    (0..n)
        .into_par_iter()
        .map(|j| (0..b).map(|i| i32::from(e.at(i, j))).sum())
        .collect()
}

/// **transpose** — `t[k][b] = x[b][k]` (int8, exact).
///
/// Not part of the arithmetic of a step: the trace commits the transposes of the matmul operands
/// that `weight_grad`, `bias_grad` and `linear_backward_input` read by column, so that every
/// sampled element of those ops opens two rows instead of a whole tensor (`papers/protocol.md` §4.2).
pub fn transpose(x: &Mat<i8>) -> Mat<i8> {
    let (b, k) = x.shape();
    let mut t = Mat::zeros(k, b);
    par_rows(t.data_mut(), b, |j, out| {
        for (i, o) in out.iter_mut().enumerate() {
            *o = x.at(i, j);
        }
    });
    t
}

/// One master weight's update: `clamp(m - rshr_round(g, s), -32768, 32767)`.
pub fn sgd_update_elem(m: i16, g: i32, lr_shift: u32) -> i16 {
    (i64::from(m) - rshr_round(i64::from(g), lr_shift))
        .clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16
}

/// The int8 weight a master weight stands for: `clamp(rshr_round(m, 8), -128, 127)`.
pub fn derive_weight_elem(m: i16) -> i8 {
    sat_i8(rshr_round(i64::from(m), MASTER_SHIFT), i8::MIN, i8::MAX)
}

/// Int8 weights re-derived from masters, element-wise [`derive_weight_elem`].
pub fn derive_weights(master: &Mat<i16>) -> Mat<i8> {
    let data = master
        .data()
        .par_iter()
        .map(|&m| derive_weight_elem(m))
        .collect();
    Mat::from_parts(master.rows(), master.cols(), data)
}

/// **sgd_update** — masters minus the shifted gradient, saturating; int8 weights re-derived.
///
/// `m'[n][k] = clamp(m[n][k] - rshr_round(g[n][k], lr_shift), -32768, 32767)` and
/// `w'[n][k] = clamp(rshr_round(m'[n][k], 8), -128, 127)`. Bound: `|g| + 2^(lr_shift-1) < 2^31`
/// and `2^15 + |g| < 2^31` (the subtraction).
pub fn sgd_update(
    master: &Mat<i16>,
    grad: &Mat<i32>,
    lr_shift: u32,
) -> Result<(Mat<i16>, Mat<i8>)> {
    grad.expect_shape("sgd_update", "gradient", master.shape())?;
    let data: Vec<i16> = master
        .data()
        .par_iter()
        .zip(grad.data().par_iter())
        .map(|(&m, &g)| sgd_update_elem(m, g, lr_shift))
        .collect();
    let m = Mat::from_parts(master.rows(), master.cols(), data);
    let w = derive_weights(&m);
    Ok((m, w))
}

/// One bias update: `clamp(b - rshr_round(g, s), -2^24, 2^24)`.
pub fn bias_update_elem(b: i32, g: i32, shift: u32) -> i32 {
    (i64::from(b) - rshr_round(i64::from(g), shift))
        .clamp(-i64::from(BIAS_MAX), i64::from(BIAS_MAX)) as i32
}

/// **bias_update** — `b'[n] = clamp(b[n] - rshr_round(g[n], shift), -2^24, 2^24)`.
///
/// Bound: `2^24 + |g| + 2^(shift-1) < 2^31`.
pub fn bias_update(bias: &[i32], grad: &[i32], shift: u32) -> Result<Vec<i32>> {
    expect_len("bias_update", "gradient", grad.len(), bias.len())?;
    Ok(bias
        .iter()
        .zip(grad)
        .map(|(&b, &g)| bias_update_elem(b, g, shift))
        .collect())
}

/// How a raw `u8` feature (a pixel) becomes an int8 input: `x = min((p << shl) >> shr, 127)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InputScale {
    /// Left shift (e.g. 3 for 0..16 digits pixels).
    pub shl: u32,
    /// Right shift (e.g. 1 for 0..255 MNIST pixels).
    pub shr: u32,
}

/// One pixel's preprocessing: `min((p << shl) >> shr, 127)` (no rounding: a floor shift).
pub fn gather_elem(p: u8, scale: InputScale) -> i8 {
    ((u64::from(p) << scale.shl.min(31)) >> scale.shr.min(31)).min(127) as i8
}

/// **gather** — the batch: dataset rows at `indices`, preprocessed into int8, with their labels.
///
/// `x[b][k] = min((images[indices[b]][k] << shl) >> shr, 127)` (floor shifts, no rounding),
/// `labels_out[b] = labels[indices[b]]`. Every index must be below the number of rows. Models
/// admit `shl, shr ≤ 8` (checked by `ModelConfig::validate`), so `p << shl < 2^16`: no overflow
/// in any 32-bit implementation.
pub fn gather(
    images: &Mat<u8>,
    labels: &[u8],
    indices: &[u32],
    scale: InputScale,
) -> Result<(Mat<i8>, Vec<u32>)> {
    check_gather(images.rows(), labels, indices)?;
    let k = images.cols();
    let mut x = Mat::zeros(indices.len(), k);
    par_rows(x.data_mut(), k, |i, out| {
        for (o, &p) in out.iter_mut().zip(images.row(indices[i] as usize)) {
            *o = gather_elem(p, scale);
        }
    });
    let l = indices
        .iter()
        .map(|&i| u32::from(labels[i as usize]))
        .collect();
    Ok((x, l))
}

/// The ops of a step on some device, with the signatures of this module's functions. The
/// reference ([`Reference`]) and the GPU runner implement it, so one test body or one vector
/// replay drives either.
pub trait Executor {
    /// The device's error type; shape and index errors arrive as [`CoreError`].
    type Error: From<CoreError>;
    /// [`gather`].
    fn gather(
        &self,
        images: &Mat<u8>,
        labels: &[u8],
        indices: &[u32],
        scale: InputScale,
    ) -> std::result::Result<(Mat<i8>, Vec<u32>), Self::Error>;
    /// [`linear_forward`].
    fn linear_forward(
        &self,
        x: &Mat<i8>,
        w: &Mat<i8>,
        bias: &[i32],
        shift: u32,
        relu: bool,
    ) -> std::result::Result<Mat<i8>, Self::Error>;
    /// [`output_error`].
    fn output_error(
        &self,
        y: &Mat<i8>,
        labels: &[u32],
        hi: i8,
        lo: i8,
    ) -> std::result::Result<Mat<i8>, Self::Error>;
    /// [`linear_backward_input`].
    fn linear_backward_input(
        &self,
        e: &Mat<i8>,
        w: &Mat<i8>,
        a: &Mat<i8>,
        shift: u32,
    ) -> std::result::Result<Mat<i8>, Self::Error>;
    /// [`weight_grad`].
    fn weight_grad(&self, e: &Mat<i8>, x: &Mat<i8>) -> std::result::Result<Mat<i32>, Self::Error>;
    /// [`bias_grad`].
    fn bias_grad(&self, e: &Mat<i8>) -> std::result::Result<Vec<i32>, Self::Error>;
    /// [`sgd_update`].
    fn sgd_update(
        &self,
        master: &Mat<i16>,
        grad: &Mat<i32>,
        lr_shift: u32,
    ) -> std::result::Result<(Mat<i16>, Mat<i8>), Self::Error>;
    /// [`transpose`].
    fn transpose(&self, x: &Mat<i8>) -> std::result::Result<Mat<i8>, Self::Error>;
    /// [`bias_update`].
    fn bias_update(
        &self,
        bias: &[i32],
        grad: &[i32],
        shift: u32,
    ) -> std::result::Result<Vec<i32>, Self::Error>;
}

/// The specification itself as an [`Executor`]: the functions of this module.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reference;

impl Executor for Reference {
    type Error = CoreError;
    fn gather(
        &self,
        images: &Mat<u8>,
        labels: &[u8],
        indices: &[u32],
        scale: InputScale,
    ) -> Result<(Mat<i8>, Vec<u32>)> {
        gather(images, labels, indices, scale)
    }
    fn linear_forward(
        &self,
        x: &Mat<i8>,
        w: &Mat<i8>,
        bias: &[i32],
        shift: u32,
        relu: bool,
    ) -> Result<Mat<i8>> {
        linear_forward(x, w, bias, shift, relu)
    }
    fn output_error(&self, y: &Mat<i8>, labels: &[u32], hi: i8, lo: i8) -> Result<Mat<i8>> {
        output_error(y, labels, hi, lo)
    }
    fn linear_backward_input(
        &self,
        e: &Mat<i8>,
        w: &Mat<i8>,
        a: &Mat<i8>,
        shift: u32,
    ) -> Result<Mat<i8>> {
        linear_backward_input(e, w, a, shift)
    }
    fn weight_grad(&self, e: &Mat<i8>, x: &Mat<i8>) -> Result<Mat<i32>> {
        weight_grad(e, x)
    }
    fn bias_grad(&self, e: &Mat<i8>) -> Result<Vec<i32>> {
        Ok(bias_grad(e))
    }
    fn sgd_update(
        &self,
        master: &Mat<i16>,
        grad: &Mat<i32>,
        lr_shift: u32,
    ) -> Result<(Mat<i16>, Mat<i8>)> {
        sgd_update(master, grad, lr_shift)
    }
    fn bias_update(&self, bias: &[i32], grad: &[i32], shift: u32) -> Result<Vec<i32>> {
        bias_update(bias, grad, shift)
    }
    fn transpose(&self, x: &Mat<i8>) -> Result<Mat<i8>> {
        Ok(transpose(x))
    }
}

/// Checks what [`gather`] checks (one label per row, every index below `rows`) without
/// computing it, for executors whose kernels cannot report errors.
pub fn check_gather(rows: usize, labels: &[u8], indices: &[u32]) -> Result<()> {
    expect_len("gather", "labels", labels.len(), rows)?;
    match indices.iter().find(|&&i| i as usize >= rows) {
        Some(&bad) => Err(CoreError::Index {
            op: "gather",
            index: bad as usize,
            len: rows,
        }),
        None => Ok(()),
    }
}

/// Checks what [`output_error`] checks (one label per row, each below `classes`).
pub fn check_output_labels(rows: usize, classes: usize, labels: &[u32]) -> Result<()> {
    expect_len("output_error", "labels", labels.len(), rows)?;
    check_labels(labels, classes)
}

/// `Σ a[k]·b[k]` exactly.
fn dot_i8(a: &[i8], b: &[i8]) -> i64 {
    // i32 cannot overflow within one row of the sizes the model admits (K·2^14 < 2^31), and the
    // i32 loop vectorises far better than an i64 one.
    i64::from(
        a.iter()
            .zip(b)
            .map(|(&x, &y)| i32::from(x) * i32::from(y))
            .sum::<i32>(),
    )
}

/// Runs `f(row_index, row)` over the rows of a row-major buffer in parallel.
fn par_rows<T: Send>(data: &mut [T], cols: usize, f: impl Fn(usize, &mut [T]) + Sync + Send) {
    if cols == 0 {
        return;
    }
    data.par_chunks_mut(cols)
        .with_min_len(PAR_MIN_ROWS)
        .enumerate()
        .for_each(|(i, row)| f(i, row));
}

fn expect_len(op: &'static str, what: &'static str, got: usize, expected: usize) -> Result<()> {
    if got == expected {
        Ok(())
    } else {
        Err(CoreError::Shape {
            op,
            what,
            expected: (expected, 1),
            got: (got, 1),
        })
    }
}

fn check_labels(labels: &[u32], classes: usize) -> Result<()> {
    match labels
        .iter()
        .enumerate()
        .find(|(_, l)| **l as usize >= classes)
    {
        Some((row, &label)) => Err(CoreError::Label {
            label,
            row,
            classes,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rshr_round_is_round_half_up() {
        assert_eq!(rshr_round(3, 1), 2); // 1.5 → 2
        assert_eq!(rshr_round(-3, 1), -1); // -1.5 → -1
        assert_eq!(rshr_round(-5, 2), -1); // -1.25 → -1
        assert_eq!(rshr_round(-6, 2), -1); // -1.5 → -1
        assert_eq!(rshr_round(-7, 2), -2); // -1.75 → -2
        assert_eq!(rshr_round(7, 0), 7);
    }

    #[test]
    fn elementwise_contracts_at_the_edges() {
        assert_eq!(linear_forward_elem(1 << 20, 4, 0), 127);
        assert_eq!(linear_forward_elem(-100, 0, 0), 0);
        assert_eq!(linear_forward_elem(-100_000, 4, -128), -128);
        assert_eq!(output_error_elem(-128, 127), -128);
        assert_eq!(output_error_elem(127, -128), 127);
        assert_eq!(linear_backward_input_elem(1000, 0, 127), 0);
        assert_eq!(linear_backward_input_elem(1000, 0, 0), 0);
        assert_eq!(linear_backward_input_elem(1000, 0, 1), 127);
        assert_eq!(sgd_update_elem(i16::MIN, i32::MAX >> 2, 0), i16::MIN);
        assert_eq!(sgd_update_elem(i16::MAX, -(1 << 20), 1), i16::MAX);
        assert_eq!(derive_weight_elem(i16::MAX), 127);
        assert_eq!(derive_weight_elem(i16::MIN), -128);
        assert_eq!(derive_weight_elem(-129), -1);
        assert_eq!(bias_update_elem(BIAS_MAX, -1000, 0), BIAS_MAX);
        assert_eq!(gather_elem(16, InputScale { shl: 3, shr: 0 }), 127);
        assert_eq!(gather_elem(255, InputScale { shl: 0, shr: 1 }), 127);
    }

    #[test]
    fn linear_forward_small_example() {
        let x = Mat::new(1, 2, vec![2i8, -3]).unwrap();
        let w = Mat::new(2, 2, vec![1i8, 1, -1, 4]).unwrap();
        // acc = [2 - 3 + 1, -2 - 12 + 0] = [0, -14]; >>1 round half up: [0, -7]
        let y = linear_forward(&x, &w, &[1, 0], 1, false).unwrap();
        assert_eq!(y.data(), &[0, -7]);
        let y = linear_forward(&x, &w, &[1, 0], 1, true).unwrap();
        assert_eq!(y.data(), &[0, 0]);
    }

    #[test]
    fn shape_errors_are_typed() {
        let x = Mat::<i8>::zeros(2, 3);
        let w = Mat::<i8>::zeros(4, 5);
        assert!(matches!(
            linear_forward(&x, &w, &[0; 4], 1, true),
            Err(CoreError::Shape { .. })
        ));
        let y = Mat::<i8>::zeros(2, 3);
        assert!(matches!(
            output_error(&y, &[0, 3], 1, 0),
            Err(CoreError::Label { .. })
        ));
        let img = Mat::<u8>::zeros(2, 3);
        assert!(matches!(
            gather(&img, &[0, 1], &[2], InputScale { shl: 0, shr: 0 }),
            Err(CoreError::Index { .. })
        ));
    }
}
