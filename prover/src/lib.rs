//! spotproof-prover: the worker. It trains (on the GPU through spotproof-shaders, or on the CPU
//! reference), commits every step as a chained trace ([`pipeline`]), and proves the beacon-sampled
//! operations of a step with Groth16 into a bundle ([`prove`]).
//!
//! [`demo`] runs the whole chain. The `spotproof-worker` binary is a thin clap front end over
//! these; it shares the validator's exit policy (`spotproof_verifier::cli`).

pub mod demo;
pub mod error;
pub mod infer;
pub mod pipeline;
pub mod progress;
pub mod prove;
pub mod run;
pub mod train;

pub use error::WorkerError;
