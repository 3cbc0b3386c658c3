//! The one error type of spotproof-shaders.

use spotproof_core::CoreError;

/// What can go wrong when running kernels.
#[derive(Debug, thiserror::Error)]
pub enum ShaderError {
    /// No Vulkan (or, off Linux, primary-backend) adapter exists on this machine.
    #[error("no GPU adapter found ({0})")]
    NoAdapter(String),
    /// Only a software adapter (e.g. lavapipe) exists, and a hardware one was asked for.
    #[error("only a software adapter is present ({0})")]
    SoftwareAdapter(String),
    /// The adapter refused to create a device.
    #[error("cannot open the GPU device: {0}")]
    Device(String),
    /// wgpu reported a validation or out-of-memory error.
    #[error("GPU error in {op}: {message}")]
    Wgpu {
        /// What the runner was doing.
        op: &'static str,
        /// wgpu's message.
        message: String,
    },
    /// A buffer or dispatch exceeds what the device allows.
    #[error("{what} needs {size}, the device allows {limit}")]
    TooLarge {
        /// Which buffer or dispatch.
        what: &'static str,
        /// Requested size.
        size: u64,
        /// Device limit.
        limit: u64,
    },
    /// Reading results back failed.
    #[error("cannot read results back from the GPU: {0}")]
    Readback(String),
    /// Shapes, indices or configuration rejected by the core.
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// Result with [`ShaderError`].
pub type Result<T> = std::result::Result<T, ShaderError>;
