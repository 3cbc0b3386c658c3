//! A Groth16/BN254 proof exported with `spotproof_verifier::snarkjs` is accepted by
//! `snarkjs groth16 verify` — an implementation sharing no code with arkworks — and a tampered
//! public input or proof point is rejected by it.
//!
//! snarkjs is found at `$SPOTPROOF_SNARKJS`, else `<workspace>/.ci/node/node_modules/.bin/snarkjs`
//! (where `scripts/test.sh` installs the pinned version), else `snarkjs` on `PATH`. Without one the
//! test prints a skip notice, unless `SPOTPROOF_REQUIRE_SNARKJS=1` makes that a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed check is a panic here

use ark_bn254::{Bn254, Fr};
use ark_ec::{AffineRepr, CurveGroup};
use ark_groth16::{Groth16, Proof};
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use ark_snark::SNARK;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use spotproof_verifier::snarkjs;

/// Public (a, b, c) = (x·y, x + y, x²·y) for private x, y: a product, a linear relation and a
/// chained product, with three public inputs.
#[derive(Clone)]
struct Toy {
    x: Fr,
    y: Fr,
}

impl Toy {
    fn public(&self) -> Vec<Fr> {
        let a = self.x * self.y;
        vec![a, self.x + self.y, a * self.x]
    }
}

impl ConstraintSynthesizer<Fr> for Toy {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let [a, b, c] =
            <[Fr; 3]>::try_from(self.public()).map_err(|_| SynthesisError::Unsatisfiable)?;
        let a = FpVar::new_input(cs.clone(), || Ok(a))?;
        let b = FpVar::new_input(cs.clone(), || Ok(b))?;
        let c = FpVar::new_input(cs.clone(), || Ok(c))?;
        let x = FpVar::new_witness(cs.clone(), || Ok(self.x))?;
        let y = FpVar::new_witness(cs, || Ok(self.y))?;
        (&x * &y).enforce_equal(&a)?; // a = x·y
        (&x + &y).enforce_equal(&b)?; // b = x + y
        (&a * &x).enforce_equal(&c)?; // c = a·x
        Ok(())
    }
}

mod common;
use common::{scratch, snarkjs_or_skip, snarkjs_verify};

#[test]
fn snarkjs_accepts_export_and_rejects_tampering() {
    let Some(snarkjs_bin) = snarkjs_or_skip("snarkjs_accepts_export_and_rejects_tampering") else {
        return;
    };

    let mut rng = ChaCha20Rng::seed_from_u64(0x5eed);
    let circuit = Toy {
        x: Fr::from(3u64),
        y: Fr::from(0x1234_5678_9abc_def0_u64),
    };
    let inputs = circuit.public();
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(circuit.clone(), &mut rng).unwrap();
    let proof = Groth16::<Bn254>::prove(&pk, circuit, &mut rng).unwrap();
    assert!(Groth16::<Bn254>::verify(&vk, &inputs, &proof).unwrap());

    let dir = scratch("honest");
    snarkjs::write_dir(&dir, &vk, &proof, &inputs).unwrap();
    let v = snarkjs_verify(&snarkjs_bin, &dir);
    assert!(
        v.accepted(),
        "snarkjs rejected an honest proof:\n{}",
        v.output
    );

    // (a) One public input off by one.
    let mut bad_inputs = inputs.clone();
    bad_inputs[1] += Fr::from(1u64);
    assert!(!Groth16::<Bn254>::verify(&vk, &bad_inputs, &proof).unwrap());
    let dir = scratch("tampered-input");
    snarkjs::write_dir(&dir, &vk, &proof, &bad_inputs).unwrap();
    let v = snarkjs_verify(&snarkjs_bin, &dir);
    assert!(
        v.rejected(),
        "snarkjs accepted a tampered public input:\n{}",
        v.output
    );

    // (b) pi_a replaced by 2·pi_a: still a valid curve point, so only the pairing check catches it.
    let bad_proof = Proof::<Bn254> {
        a: (proof.a.into_group() + proof.a).into_affine(),
        ..proof.clone()
    };
    assert!(!Groth16::<Bn254>::verify(&vk, &inputs, &bad_proof).unwrap());
    let dir = scratch("tampered-proof");
    snarkjs::write_dir(&dir, &vk, &bad_proof, &inputs).unwrap();
    let v = snarkjs_verify(&snarkjs_bin, &dir);
    assert!(
        v.rejected(),
        "snarkjs accepted a tampered pi_a:\n{}",
        v.output
    );
}

#[test]
fn write_dir_refuses_wrong_input_count() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let circuit = Toy {
        x: Fr::from(2u64),
        y: Fr::from(5u64),
    };
    let (_, vk) = Groth16::<Bn254>::circuit_specific_setup(circuit.clone(), &mut rng).unwrap();
    let proof = Proof::<Bn254>::default();
    let dir = scratch("wrong-count");
    let err = snarkjs::write_dir(&dir, &vk, &proof, &circuit.public()[..2]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "nothing written"
    );
}

/// The run layer — task id, run-tree leaves and root, membership paths, the challenge's draws,
/// steps and step beacons — recomputed by an independent JavaScript implementation written from
/// `papers/protocol.md` §12 (`tests/js/run_layer.js`, keccak-256 from js-sha3, which the pinned
/// snarkjs installs) agrees with `vectors/run/v2.json`, which the core tests tie to our code.
#[test]
fn an_independent_implementation_agrees_on_the_run_layer() {
    let Some(snarkjs_bin) =
        snarkjs_or_skip("an_independent_implementation_agrees_on_the_run_layer")
    else {
        return;
    };
    // `…/node_modules/.bin/snarkjs` → `…/node_modules`.
    let Some(modules) = snarkjs_bin
        .parent()
        .and_then(std::path::Path::parent)
        .filter(|m| m.join("js-sha3").is_dir())
    else {
        assert!(
            std::env::var("SPOTPROOF_REQUIRE_SNARKJS").as_deref() != Ok("1"),
            "js-sha3 is not beside {}",
            snarkjs_bin.display()
        );
        eprintln!(
            "skipped: js-sha3 not found beside {}",
            snarkjs_bin.display()
        );
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("node")
        .arg(dir.join("tests/js/run_layer.js"))
        .arg(dir.join("../vectors/run/v2.json"))
        .arg(modules)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.trim() == "ok",
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
