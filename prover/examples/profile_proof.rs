//! Where a proof's time goes: witness synthesis, the QAP witness map, and each multi-scalar
//! multiplication of ark-groth16's prover, timed one by one for one step of a committed run.
//! `cargo run --release -p spotproof-prover --example profile_proof -- RUN_DIR KEYS CLASS STEP [BEACON]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::VariableBaseMSM;
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::r1cs_to_qap::R1CSToQAP;
use ark_poly::GeneralEvaluationDomain;
use spotproof_circuits::qap::CircomReduction;
use spotproof_circuits::{Class, step_witness};
use std::path::Path;
use std::time::Instant;

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let [run, keys, class, step] = &a[..4] else {
        panic!("usage: RUN_DIR KEYS CLASS STEP [BEACON]")
    };
    let beacon: u64 = a.get(4).map_or(7, |b| b.parse().expect("beacon"));
    let class = Class::by_name(class).expect("class");
    let t = Instant::now();
    let (pk, _) = spotproof_prover::prove::load_pk(class, Path::new(keys)).expect("keys");
    println!("key load {:.2?}", t.elapsed());
    let trace =
        spotproof_prover::run::replay(Path::new(run), step.parse().expect("step")).expect("replay");
    let t = Instant::now();
    let w = step_witness(class, &trace, Fr::from(beacon)).expect("witness");
    println!("step_witness {:.2?}", t.elapsed());

    let t = Instant::now();
    let spotproof_circuits::groth::Shape {
        matrices,
        num_inputs,
        num_constraints,
        ..
    } = spotproof_circuits::groth::matrices(class).expect("matrices");
    println!("matrices (once per process) {:.2?}", t.elapsed());

    let t = Instant::now();
    let full = spotproof_circuits::groth::assignment(class, &w).expect("synthesis");
    println!("witness synthesis {:.2?}", t.elapsed());

    let t = Instant::now();
    let h = CircomReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
        &matrices,
        num_inputs,
        num_constraints,
        &full,
    )
    .expect("witness map");
    println!(
        "witness map (6 FFTs, domain {}) {:.2?}",
        h.len(),
        t.elapsed()
    );

    let big = |v: &[Fr]| v.iter().map(|s| s.into_bigint()).collect::<Vec<_>>();
    let t = Instant::now();
    let _ = G1Projective::msm_bigint(&pk.h_query, &big(&h));
    println!("MSM H (G1, {}) {:.2?}", h.len(), t.elapsed());
    let aux = big(&full[num_inputs..]);
    let t = Instant::now();
    let _ = G1Projective::msm_bigint(&pk.l_query, &aux);
    println!("MSM L (G1, {}) {:.2?}", aux.len(), t.elapsed());
    let all = big(&full[1..]);
    let t = Instant::now();
    let _ = G1Projective::msm_bigint(&pk.a_query[1..], &all);
    println!("MSM A (G1, {}) {:.2?}", all.len(), t.elapsed());
    let t = Instant::now();
    let _ = G1Projective::msm_bigint(&pk.b_g1_query[1..], &all);
    println!("MSM B (G1) {:.2?}", t.elapsed());
    let t = Instant::now();
    let _ = G2Projective::msm_bigint(&pk.b_g2_query[1..], &all);
    println!("MSM B (G2) {:.2?}", t.elapsed());
    use ark_ec::AffineRepr;
    let zeros = |q: &[ark_bn254::G1Affine]| q.iter().filter(|p| p.is_zero()).count();
    println!(
        "identity points: A {} of {}, B1 {}, B2 {}, L {} of {}",
        zeros(&pk.a_query),
        pk.a_query.len(),
        zeros(&pk.b_g1_query),
        pk.b_g2_query.iter().filter(|p| p.is_zero()).count(),
        zeros(&pk.l_query),
        pk.l_query.len()
    );
    let small = all
        .iter()
        .filter(|s| {
            let f = Fr::from_bigint(**s).expect("canonical");
            s.num_bits() <= 16 || (-f).into_bigint().num_bits() <= 16
        })
        .count();
    println!(
        "witness values within ±2^16: {small} of {} ({:.1}%); bits used {}",
        all.len(),
        100.0 * small as f64 / all.len() as f64,
        <Bn254 as ark_ec::pairing::Pairing>::ScalarField::MODULUS_BIT_SIZE
    );
}
