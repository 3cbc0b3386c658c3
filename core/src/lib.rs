//! spotproof-core: the integer training step as a specification.
//!
//! Every quantized operation of a training (or inference) step is defined here once, in plain
//! integer Rust, and its doc comment is the contract: formula, rounding, saturation and overflow
//! bound. The WGSL kernels in `spotproof-shaders` and the R1CS gadgets in `spotproof-circuits` are
//! tested bit-exactly against these functions. The crate also holds the model (shapes, shifts,
//! bound checks), the step that chains the ops, the datasets and the deterministic PRNG.
//!
//! It must not depend on wgpu, the shaders, the circuits or the prover: everything else builds on it.
//!
//! Modules, each depending only on those above it:
//! * [`error`], [`tensor`], [`rng`], [`domain`] (every hash domain tag);
//! * [`ops`] — one file per op (`ops/<op>.rs`: batch function, element function, row plan and
//!   sampled check), [`model`], [`data`], [`step`];
//! * [`commit`] (Poseidon, tensor commitments, `fr_hex`: field elements in files), [`layout`] (roles, op table, architecture id),
//!   [`sampling`] (batch rows, beacons, challenge, samples), [`trace`] (header, trace, manifest,
//!   trace tree), [`ids`] (worker ids and beacons as text);
//! * [`check`] — verification only; [`vectors`] — the golden vectors;
//! * [`run`] (tasks, run roots, challenges: keccak-256, as a contract recomputes them) and
//!   [`weights`] (the weights file of a run's final model and checkpoints).
//!
//! An op's three forms: `core/src/ops/<op>.rs` (this crate: the specification and its sampled
//! check), `circuits/src/ops/<op>.rs` (its gadget and the circuit's sample check),
//! `shaders/<op>.wgsl` with `shaders/src/ops/<op>.rs` (the kernel and its launch code); each
//! registered once by `OpKind` (`ops::sampled_op`, `circuits::ops::gadget`, the shaders'
//! `ops::kernel`). `ls */src/ops/<op>.rs shaders/<op>.wgsl` lists them.

pub mod check;
pub mod commit;
pub mod data;
pub mod domain;
pub mod error;
pub mod ids;
pub mod infer;
pub mod layout;
pub mod model;
pub mod ops;
pub mod poseidon2;
pub mod rng;
pub mod run;
pub mod sampling;
pub mod step;
pub mod tensor;
pub mod trace;
pub mod vectors;
pub mod weights;

pub use error::CoreError;
pub use model::{Hyper, Model, ModelConfig};
pub use tensor::Mat;

/// A tensor commitment shared between the traces of a run (the dataset's).
pub type TensorCommitmentRef = std::sync::Arc<commit::TensorCommitment>;
