//! spotproof-shaders: the WGSL kernels of the integer training step and a thin headless wgpu runner.
//!
//! Each op of `spotproof_core::ops` has a kernel of the same name in `shaders/<op>.wgsl` (embedded
//! with `include_str!`), whose header states the op's integer contract, and its launch code in
//! `src/ops/<op>.rs` (parameters, grid, the single-op launch), tied to the core op by type. [`Gpu`] owns a device
//! and the compiled pipelines and runs single ops (for the bit-exactness tests);
//! [`GpuTrainer`] keeps a model and a dataset on the device and runs a whole training step in one
//! submission. On Linux only the Vulkan backend is used (the GL backend gets integer
//! division and remainder edge cases wrong).
//!
//! Depends on spotproof-core only; nothing on the validator's side may depend on this crate.

mod error;
mod gpu;
mod kernels;
mod ops;
mod trainer;

pub use error::ShaderError;
pub use gpu::Gpu;
pub use trainer::GpuTrainer;

/// Environment variable that turns "no GPU adapter" into an error instead of a CPU fallback.
pub const REQUIRE_GPU_ENV: &str = "SPOTPROOF_REQUIRE_GPU";

/// Whether `SPOTPROOF_REQUIRE_GPU` is set to a true value (`1`, `true`, `yes`).
pub fn gpu_required() -> bool {
    std::env::var(REQUIRE_GPU_ENV).is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"))
}
