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

pub mod bias_grad;
pub mod bias_update;
pub mod gather;
pub mod linear_backward_input;
pub mod linear_forward;
pub mod output_error;
pub mod predict;
pub mod sampled;
pub mod sgd_update;
pub mod transpose;
pub mod weight_grad;

pub use bias_grad::{bias_grad, bias_grad_elem};
pub use bias_update::{bias_update, bias_update_elem};
pub use gather::{InputScale, check_gather, gather, gather_elem};
pub use linear_backward_input::{linear_backward_input, linear_backward_input_elem};
pub use linear_forward::{linear_forward, linear_forward_elem};
pub use output_error::{check_output_labels, output_error, output_error_elem, target_elem};
pub use predict::{correct_elem, predict, predict_elem};
pub use sampled::SampledOp;
pub use sgd_update::{derive_weight_elem, derive_weights, sgd_update, sgd_update_elem};
pub use transpose::{transpose, transpose_elem};
pub use weight_grad::{weight_grad, weight_grad_elem};

use crate::error::{CoreError, Result};
use crate::tensor::Mat;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The op kinds of a training step, one enum for the op's three forms: the core function
/// `ops::<name>` (the specification), the kernel `shaders/<name>.wgsl` and the gadget in
/// `spotproof-circuits`. The code enters every op digest (`layout::OpDesc::digest`); JSON
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
    /// [`predict`] (the prediction out; the correctness bits are its second output).
    Predict = 10,
}

impl OpKind {
    /// Every kind, by code.
    pub const ALL: [OpKind; 10] = [
        OpKind::Gather,
        OpKind::LinearForward,
        OpKind::OutputError,
        OpKind::LinearBackwardInput,
        OpKind::WeightGrad,
        OpKind::BiasGrad,
        OpKind::SgdUpdate,
        OpKind::BiasUpdate,
        OpKind::Transpose,
        OpKind::Predict,
    ];

    /// The code committed in op digests.
    pub fn code(self) -> u64 {
        self as u64
    }

    /// Its position in [`OpKind::ALL`].
    pub const fn index(self) -> usize {
        self as usize - 1
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
            OpKind::Predict => "predict",
        }
    }
}

/// The sampled check of an op kind: the one place an op is registered.
pub fn sampled_op(kind: OpKind) -> &'static dyn SampledOp {
    match kind {
        OpKind::Gather => &gather::Gather,
        OpKind::LinearForward => &linear_forward::LinearForward,
        OpKind::OutputError => &output_error::OutputError,
        OpKind::LinearBackwardInput => &linear_backward_input::LinearBackwardInput,
        OpKind::WeightGrad => &weight_grad::WeightGrad,
        OpKind::BiasGrad => &bias_grad::BiasGrad,
        OpKind::SgdUpdate => &sgd_update::SgdUpdate,
        OpKind::BiasUpdate => &bias_update::BiasUpdate,
        OpKind::Transpose => &transpose::Transpose,
        OpKind::Predict => &predict::Predict,
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
    /// [`predict`].
    fn predict(
        &self,
        y: &Mat<i8>,
        labels: &[u32],
    ) -> std::result::Result<(Vec<u32>, Vec<u32>), Self::Error>;
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
    fn predict(&self, y: &Mat<i8>, labels: &[u32]) -> Result<(Vec<u32>, Vec<u32>)> {
        predict(y, labels)
    }
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
