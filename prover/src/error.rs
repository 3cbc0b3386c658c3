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
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A key file is missing, malformed or of another class.
    #[error(transparent)]
    Key(#[from] spotproof_verifier::keys::KeyError),
    /// The model fits no circuit class (or not the one asked for).
    #[error(transparent)]
    Class(#[from] spotproof_circuits::ClassError),
    /// The validator's check of the worker's own bundles could not run.
    #[error(transparent)]
    Verify(#[from] spotproof_verifier::verify::VerifyError),
    /// Proving failed (e.g. a sampled element is wrong).
    #[error(transparent)]
    Prove(#[from] spotproof_circuits::ProveError),
    /// A task, run or challenge file that cannot be read or is not of its kind and version.
    #[error(transparent)]
    RunFile(#[from] spotproof_verifier::audit::AuditError),
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
