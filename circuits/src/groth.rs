//! Groth16 over BN254 for the step circuit: setup per class, proving, single and batched
//! verification.

use crate::class::Class;
use crate::qap::CircomReduction;
use crate::step::{StepCircuit, StepWitness};
use ark_bn254::{Bn254, Fr, G1Projective};
use ark_ec::pairing::Pairing;
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{CyclotomicMultSubgroup, PrimeField, UniformRand};
use ark_groth16::{Groth16, PreparedVerifyingKey, Proof, ProvingKey};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, R1CS_PREDICATE_LABEL,
    SynthesisError, SynthesisMode,
};
use ark_serialize::CanonicalSerialize;
use ark_snark::SNARK;
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Why a proof could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The witness does not satisfy the circuit (a wrong element was sampled, or bad openings).
    #[error("the step does not satisfy the circuit: constraint {0} fails")]
    Unsatisfied(String),
    /// Synthesis or proving failed.
    #[error("proving failed: {0}")]
    Synthesis(#[from] SynthesisError),
    /// The proof the prover made does not verify (never expected).
    #[error("the fresh proof does not verify")]
    SelfCheck,
}

/// The public inputs in circuit order: the trace root and the challenge
/// `worker + 2^160 · beacon` (`sampling::challenge`; `-1`, which no proof satisfies, if either is
/// out of range).
pub fn public_inputs(w: &StepWitness) -> [Fr; 2] {
    [
        w.root,
        spotproof_core::sampling::challenge(w.beacon, w.worker).unwrap_or(-Fr::from(1u64)),
    ]
}

/// Generates the proving key (and its verifying key) of a class. Single-party: whoever runs it
/// knows the toxic waste and could forge proofs (`papers/protocol.md` §10).
pub fn setup<R: RngCore + CryptoRng>(
    class: Class,
    rng: &mut R,
) -> Result<ProvingKey<Bn254>, ProveError> {
    let (pk, _) = Groth16::<Bn254, CircomReduction>::circuit_specific_setup(
        StepCircuit {
            class,
            witness: None,
        },
        rng,
    )?;
    Ok(pk)
}

/// Checks a witness against the circuit without proving; names the first failing constraint.
pub fn check_witness(class: Class, w: &StepWitness) -> Result<usize, ProveError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    StepCircuit {
        class,
        witness: Some(w.clone()),
    }
    .generate_constraints(cs.clone())?;
    match cs.which_is_unsatisfied()? {
        None => Ok(cs.num_constraints()),
        Some(name) => Err(ProveError::Unsatisfied(name)),
    }
}

/// A class's constraint system as setup builds it: the matrices (A, B, C; columns are the
/// instance variables, the constant one first, then the witness variables) and the counts. Built
/// once per process and reused by every proof.
pub struct Shape {
    /// A, B and C, one row of `(coefficient, column)` per constraint.
    pub matrices: Vec<Matrix<Fr>>,
    /// Instance variables, the constant one included.
    pub num_inputs: usize,
    /// Witness variables.
    pub num_witnesses: usize,
    /// Constraints.
    pub num_constraints: usize,
}

fn shape(class: Class) -> Result<Arc<Shape>, ProveError> {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Arc<Shape>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(s) = cache.lock().ok().and_then(|c| c.get(class.name).cloned()) {
        return Ok(s);
    }
    let s = Arc::new(build_shape(class)?);
    if let Ok(mut c) = cache.lock() {
        c.insert(class.name, s.clone());
    }
    Ok(s)
}

/// SHA-256 (hex) of a class's constraint matrices as setup builds them: the number of instance
/// variables and of constraints (u64 little-endian), then for each of A, B, C and each row its
/// entry count (u64 LE) and entries as (column u64 LE, coefficient 32 bytes LE canonical). Two
/// builds whose digests agree have the same keys' shape: a key made by one works with the other.
pub fn matrices_digest(class: Class) -> Result<String, ProveError> {
    let s = build_shape(class)?;
    Ok(digest(s.num_inputs, s.num_constraints, &s.matrices))
}

/// The digest [`matrices_digest`] describes, of matrices however they were built.
pub(crate) fn digest(num_inputs: usize, num_constraints: usize, matrices: &[Matrix<Fr>]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update((num_inputs as u64).to_le_bytes());
    h.update((num_constraints as u64).to_le_bytes());
    let mut coeff = Vec::with_capacity(32);
    for m in matrices {
        for row in m {
            h.update((row.len() as u64).to_le_bytes());
            for (c, col) in row {
                h.update((*col as u64).to_le_bytes());
                coeff.clear();
                // Writing into a Vec cannot fail.
                let _ = c.serialize_compressed(&mut coeff);
                h.update(&coeff);
            }
        }
    }
    hex::encode(h.finalize())
}

/// A class's constraint matrices exactly as ark-groth16's setup builds them.
pub fn matrices(class: Class) -> Result<Shape, ProveError> {
    build_shape(class)
}

/// The full assignment of a step's witness, instance variables first, synthesized without
/// building matrices (what the prover multiplies against the keyed matrices).
pub fn assignment(class: Class, w: &StepWitness) -> Result<Vec<Fr>, ProveError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Prove {
        construct_matrices: false,
        generate_lc_assignments: false,
    });
    StepCircuit {
        class,
        witness: Some(w.clone()),
    }
    .generate_constraints(cs.clone())?;
    let mut full = cs.instance_assignment()?;
    full.extend(cs.witness_assignment()?);
    Ok(full)
}

/// A class's matrices, exactly as ark-groth16's setup builds them.
fn build_shape(class: Class) -> Result<Shape, ProveError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    StepCircuit {
        class,
        witness: None,
    }
    .generate_constraints(cs.clone())?;
    cs.finalize();
    let matrices = cs
        .to_matrices()?
        .remove(R1CS_PREDICATE_LABEL)
        .ok_or(SynthesisError::MissingCS)?;
    Ok(Shape {
        matrices,
        num_inputs: cs.num_instance_variables(),
        num_witnesses: cs.num_witness_variables(),
        num_constraints: cs.num_constraints(),
    })
}

/// Proves a step with the class's cached constraint matrices (the witness is synthesized
/// without building matrices) and checks the proof before returning it.
pub fn prove<R: RngCore + CryptoRng>(
    pk: &ProvingKey<Bn254>,
    class: Class,
    w: &StepWitness,
    rng: &mut R,
) -> Result<Proof<Bn254>, ProveError> {
    let public = public_inputs(w);
    let shape = shape(class)?;
    let full = assignment(class, w)?;
    let (r, s) = (Fr::rand(rng), Fr::rand(rng));
    let proof = Groth16::<Bn254, CircomReduction>::create_proof_with_reduction_and_matrices(
        pk,
        r,
        s,
        &shape.matrices,
        shape.num_inputs,
        shape.num_constraints,
        &full,
    )?;
    if !verify(&ark_groth16::prepare_verifying_key(&pk.vk), &public, &proof) {
        // Find out why (a wrong element or opening) rather than report a bare failure.
        check_witness(class, w)?;
        return Err(ProveError::SelfCheck);
    }
    Ok(proof)
}

/// Verifies one proof.
pub fn verify(pvk: &PreparedVerifyingKey<Bn254>, public: &[Fr], proof: &Proof<Bn254>) -> bool {
    Groth16::<Bn254>::verify_with_processed_vk(pvk, public, proof).unwrap_or(false)
}

/// Verifies several proofs under one prepared key with one multi-Miller loop and one final
/// exponentiation: for random 128-bit `ρᵢ`,
/// `Π e(ρᵢ·Aᵢ, Bᵢ) · e(Σρᵢ·IC(xᵢ), −γ) · e(Σρᵢ·Cᵢ, −δ) = e(α, β)^(Σρᵢ)`.
/// A batch holding an invalid proof passes with probability at most about `2^−128`.
///
/// Per proof: one G1 scalar multiplication, one G2 line preparation and one Miller-loop share,
/// spread over the cores (rayon); per batch: two small MSMs, two pairs of the prepared key, one
/// final exponentiation and one exponentiation of the key's `e(α, β)`.
pub fn batch_verify<R: RngCore>(
    pvk: &PreparedVerifyingKey<Bn254>,
    items: &[(Vec<Fr>, Proof<Bn254>)],
    rng: &mut R,
) -> bool {
    let vk = &pvk.vk;
    let n_pub = vk.gamma_abc_g1.len() - 1;
    if items.is_empty() {
        return true;
    }
    if items.iter().any(|(public, _)| public.len() != n_pub) {
        return false;
    }
    let rhos: Vec<Fr> = items
        .iter()
        .map(|_| Fr::from(u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())))
        .collect();
    // Σρᵢ·ICᵢ = (Σρᵢ)·IC₀ + Σₖ (Σᵢ ρᵢ·xᵢₖ)·ICₖ: one small MSM instead of one per proof.
    let mut ic_scalars = vec![Fr::from(0u64); n_pub + 1];
    for ((public, _), rho) in items.iter().zip(&rhos) {
        ic_scalars[0] += rho;
        for (s, x) in ic_scalars[1..].iter_mut().zip(public) {
            *s += *rho * x;
        }
    }
    let sum_rho = ic_scalars[0];
    let cs: Vec<_> = items.iter().map(|(_, p)| p.c).collect();
    let ic = G1Projective::msm(&vk.gamma_abc_g1, &ic_scalars).unwrap_or_default();
    let c = G1Projective::msm(&cs, &rhos).unwrap_or_default();
    let (a, b): (Vec<G1Projective>, Vec<<Bn254 as Pairing>::G2Prepared>) = items
        .par_iter()
        .zip(&rhos)
        .map(|((_, p), rho)| (p.a * rho, p.b.into()))
        .unzip();
    let mut g1 = G1Projective::normalize_batch(&a);
    g1.push(ic.into_affine());
    g1.push(c.into_affine());
    let mut g2 = b;
    g2.push(pvk.gamma_g2_neg_pc.clone());
    g2.push(pvk.delta_g2_neg_pc.clone());
    let Some(lhs) = Bn254::final_exponentiation(Bn254::multi_miller_loop(g1, g2)) else {
        return false;
    };
    lhs.0 == pvk.alpha_g1_beta_g2.cyclotomic_exp(sum_rho.into_bigint())
}
