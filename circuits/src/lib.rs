//! spotproof-circuits: R1CS gadgets that mirror the core integer ops by name, and the step circuit
//! that proves a beacon-sampled subset of a committed step.
//!
//! Nothing is proven yet: the commitments and sampling the circuit will check land first (see
//! `papers/protocol.md` once written). The crate exists so the dependency direction
//! `verifier → circuits → core` is fixed from the start. It must not depend on wgpu, the shaders
//! or the prover.
