//! The step circuit against the native checker.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use spotproof_circuits::{Class, check_witness, step_witness};
use spotproof_core::commit::Fr;

#[test]
fn an_honest_step_satisfies_the_smallest_class() {
    let f = common::fixture();
    let t = f.commit(&f.values);
    let class = Class::by_name("mlp2-s18-r32").unwrap();
    let w = step_witness(class, &t, Fr::from(7u64)).unwrap();
    let start = std::time::Instant::now();
    let n = check_witness(class, &w).unwrap();
    eprintln!("{n} constraints, synthesized in {:?}", start.elapsed());
}

#[test]
fn a_proof_of_the_smallest_class_verifies_and_binds_its_public_inputs() {
    use rand::SeedableRng;
    let f = common::fixture();
    let t = f.commit(&f.values);
    let class = Class::by_name("mlp2-s18-r32").unwrap();
    let w = step_witness(class, &t, Fr::from(7u64)).unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let start = std::time::Instant::now();
    let pk = spotproof_circuits::setup(class, &mut rng).unwrap();
    eprintln!("setup {:?}", start.elapsed());
    let start = std::time::Instant::now();
    let proof = spotproof_circuits::prove(&pk, class, &w, &mut rng).unwrap();
    eprintln!("prove {:?}", start.elapsed());
    let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
    let public = [w.root, w.beacon, w.worker];
    assert!(spotproof_circuits::verify(&pvk, &public, &proof));
    for k in 0..3 {
        let mut p = public;
        p[k] += Fr::from(1u64);
        assert!(
            !spotproof_circuits::verify(&pvk, &p, &proof),
            "public input {k}"
        );
    }
}
