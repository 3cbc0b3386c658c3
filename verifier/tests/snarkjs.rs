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
use std::path::{Path, PathBuf};
use std::process::Command;

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

/// The snarkjs executable to test against, or `None` (after a skip notice) when there is none
/// and `SPOTPROOF_REQUIRE_SNARKJS=1` is not set.
fn snarkjs_or_skip(test: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SPOTPROOF_SNARKJS") {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "SPOTPROOF_SNARKJS={} is not a file",
            p.display()
        );
        return Some(p);
    }
    let pinned =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/node/node_modules/.bin/snarkjs");
    if pinned.is_file() {
        return Some(pinned);
    }
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("snarkjs"))
            .find(|p| p.is_file())
    });
    if on_path.is_some() {
        return on_path;
    }
    if std::env::var("SPOTPROOF_REQUIRE_SNARKJS").as_deref() == Ok("1") {
        panic!(
            "{test}: snarkjs not found (SPOTPROOF_SNARKJS, .ci/node/node_modules/.bin/snarkjs, PATH) \
             and SPOTPROOF_REQUIRE_SNARKJS=1; run scripts/test.sh or `npm ci --prefix .ci/node`"
        );
    }
    eprintln!("{test}: skipped, snarkjs not found (set SPOTPROOF_SNARKJS or run scripts/test.sh)");
    None
}

/// What `snarkjs groth16 verify` said about the three files in `dir`.
struct Verdict {
    success: bool,
    output: String,
}

impl Verdict {
    fn accepted(&self) -> bool {
        self.success && self.output.contains("OK")
    }
    fn rejected(&self) -> bool {
        !self.success || self.output.contains("Invalid proof")
    }
}

/// Runs `snarkjs groth16 verify verification_key.json public.json proof.json` inside `dir`.
fn snarkjs_verify(snarkjs: &Path, dir: &Path) -> Verdict {
    let out = Command::new(snarkjs)
        .args([
            "groth16",
            "verify",
            "verification_key.json",
            "public.json",
            "proof.json",
        ])
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", snarkjs.display()));
    Verdict {
        success: out.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// A fresh, empty scratch directory for one case.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("snarkjs")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

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
