//! spotproof-circuits: R1CS gadgets that mirror the core integer ops by name, and the step circuit
//! that proves a beacon-sampled subset of a committed step.
//!
//! Nothing is proven yet: the statement the circuit will prove is specified in
//! `papers/protocol.md` §7 and implemented natively by `spotproof_core::check::verify_sample_proof`.
//! The crate exists so the dependency direction
//! `verifier → circuits → core` is fixed from the start. It must not depend on wgpu, the shaders
//! or the prover.
