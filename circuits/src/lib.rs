//! spotproof-circuits: R1CS gadgets that mirror the core integer ops by name, the step circuit
//! that proves a beacon-sampled subset of a committed step, and its Groth16 setup, prover and
//! verifier (BN254).
//!
//! The statement is `spotproof_core::check::verify_sample_proof` for every sample the beacon
//! selects, with the trace root and the challenge `worker + 2^160 · beacon` as the only public
//! inputs (`papers/protocol.md` §9). The crate must not depend on wgpu, the shaders or the prover.

pub mod ceremony;
pub mod class;
pub mod costs;
pub mod fixture;
pub mod gadgets;
pub mod groth;
pub mod mutation;
mod open;
pub mod ops;
pub mod qap;
pub mod step;

pub use class::{CLASSES, Class, ClassError};
pub use groth::{ProveError, batch_verify, check_witness, prove, public_inputs, setup, verify};
pub use step::{Profile, RowWitness, StepCircuit, StepWitness, profile, step_witness};
