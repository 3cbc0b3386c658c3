//! spotproof-core: the integer training step as a specification.
//!
//! Every quantized operation of a training (or inference) step is defined here once, in plain
//! integer Rust, and its doc comment is the contract: formula, rounding, saturation and overflow
//! bound. The WGSL kernels in `spotproof-shaders` and the R1CS gadgets in `spotproof-circuits` are
//! tested bit-exactly against these functions. The crate also holds the model (shapes, shifts,
//! bound checks), the step that chains the ops, the datasets and the deterministic PRNG.
//!
//! It must not depend on wgpu, the shaders, the circuits or the prover: everything else builds on it.

pub mod check;
pub mod commit;
pub mod data;
pub mod error;
pub mod ids;
pub mod model;
pub mod ops;
pub mod rng;
pub mod step;
pub mod tensor;
pub mod trace;
pub mod vectors;

pub use error::CoreError;
pub use model::{Hyper, Model, ModelConfig};
pub use tensor::Mat;

/// A tensor commitment shared between the traces of a run (the dataset's).
pub type TensorCommitmentRef = std::sync::Arc<commit::TensorCommitment>;
