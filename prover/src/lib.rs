//! spotproof-prover: the worker. It trains (on the GPU through spotproof-shaders, or on the CPU
//! reference) and, in later stages, commits to and proves its steps.
//!
//! The `spotproof-worker` binary is a thin clap front end over [`train::run`].

pub mod error;
pub mod train;

pub use error::WorkerError;
