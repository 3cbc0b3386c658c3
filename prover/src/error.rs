//! The one error type of the worker library.

use spotproof_core::CoreError;
use spotproof_shaders::ShaderError;

/// What can stop the worker.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// Bad data, shapes or configuration (core).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The GPU failed or is missing.
    #[error(transparent)]
    Shader(#[from] ShaderError),
    /// `--device gpu` or `SPOTPROOF_REQUIRE_GPU=1` without an adapter.
    #[error("a GPU was required but none is usable: {0}")]
    GpuRequired(ShaderError),
    /// An argument that parses but makes no sense.
    #[error("invalid argument {arg}: {reason}")]
    Usage {
        /// The argument.
        arg: &'static str,
        /// Why.
        reason: String,
    },
}

/// Result with [`WorkerError`].
pub type Result<T> = std::result::Result<T, WorkerError>;
