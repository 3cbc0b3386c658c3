//! Keys from a multi-party ceremony: `scripts/ceremony.sh` runs snarkjs with two contributors in
//! each phase for the ceremony test class, the worker imports the final key, and a run proven
//! under it passes the validator's audit with the task pinning the ceremony's verifying key; a
//! key of another circuit and a tampered key are refused. Without snarkjs the test prints a skip
//! notice, unless `SPOTPROOF_REQUIRE_SNARKJS=1` makes that a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, scalar_mul::ScalarMul};
use ark_ff::{Field, One, UniformRand};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rand::SeedableRng;
use spotproof_core::ids::WorkerId;
use spotproof_core::model::Hyper;
use spotproof_prover::run::{self, Quiet, RunArgs, TaskArgs};
use spotproof_prover::train::DeviceChoice;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{s, stderr, validator, worker, write_idx};

const CLASS: &str = "mlp2-s1-b8-w16x16x16";

fn temp_dir(name: &str) -> PathBuf {
    common::temp_dir(&format!("ceremony-{name}"))
}

fn snarkjs() -> Option<PathBuf> {
    common::snarkjs("the ceremony test")
}

/// snarkjs's point encoding: affine coordinates in Montgomery form, little-endian (arkworks and
/// ffjavascript share `R = 2^256`), the identity as zeros.
fn g1_bytes(p: &G1Affine, out: &mut Vec<u8>) {
    match p.xy() {
        None => out.extend([0u8; 64]),
        Some((x, y)) => {
            for c in [x, y] {
                out.extend(c.0.0.iter().flat_map(|l| l.to_le_bytes()));
            }
        }
    }
}

fn g2_bytes(p: &G2Affine, out: &mut Vec<u8>) {
    match p.xy() {
        None => out.extend([0u8; 128]),
        Some((x, y)) => {
            for c in [x.c0, x.c1, y.c0, y.c1] {
                out.extend(c.0.0.iter().flat_map(|l| l.to_le_bytes()));
            }
        }
    }
}

/// A powers-of-tau file of `2^power` in snarkjs's `ptau` format from a secret `(τ, α, β)` drawn
/// from `seed`: sections 1–7 as `powersoftau new`/`contribute` leave them (no contributions
/// recorded), and with `prepared` the Lagrange sections 12–15 `prepare phase2` adds (for each
/// size `2^p`, `p ≤ power`, and `2^(power+1)` for τ in G1 whose last power is absent there).
/// A test-only stand-in for the public phase 1: whoever knows the seed knows τ.
fn write_test_ptau(path: &Path, power: u32, seed: u64, prepared: bool) {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let (tau, alpha, beta) = (Fr::rand(&mut rng), Fr::rand(&mut rng), Fr::rand(&mut rng));
    let n = 1usize << power;
    let powers = |count: usize, c: Fr| -> Vec<Fr> {
        let mut v = Vec::with_capacity(count);
        let mut x = c;
        for _ in 0..count {
            v.push(x);
            x *= tau;
        }
        v
    };
    let (g1, g2) = (G1Projective::generator(), G2Projective::generator());
    let g1s = |v: &[Fr]| -> Vec<u8> {
        let mut out = Vec::with_capacity(v.len() * 64);
        g1.batch_mul(v).iter().for_each(|p| g1_bytes(p, &mut out));
        out
    };
    let g2s = |v: &[Fr]| -> Vec<u8> {
        let mut out = Vec::with_capacity(v.len() * 128);
        g2.batch_mul(v).iter().for_each(|p| g2_bytes(p, &mut out));
        out
    };
    // L_j(τ) over the domain of size 2^p for p ≤ top; at 2^(power+1) without τ's last power:
    // L_j(τ) − τ^(N−1)·ω^j / N.
    let lagrange = |c: Fr, top: u32| -> Vec<Fr> {
        let mut v = Vec::new();
        for p in 0..=top {
            let d = Radix2EvaluationDomain::<Fr>::new(1 << p).unwrap();
            let mut l = d.evaluate_all_lagrange_coefficients(tau);
            if p == power + 1 {
                let big_n = d.size();
                let corr = tau.pow([big_n as u64 - 1]) * d.size_inv();
                for (j, x) in l.iter_mut().enumerate() {
                    *x -= corr * d.element(j);
                }
            }
            v.extend(l.into_iter().map(|x| x * c));
        }
        v
    };
    let mut header = 32u32.to_le_bytes().to_vec();
    header.extend(ark_ff::BigInteger::to_bytes_le(
        &<ark_bn254::Fq as ark_ff::PrimeField>::MODULUS,
    ));
    header.extend(power.to_le_bytes());
    header.extend(power.to_le_bytes());
    let mut beta2 = Vec::new();
    g2_bytes(&(g2 * beta).into_affine(), &mut beta2);
    let mut sections: Vec<(u32, Vec<u8>)> = vec![
        (1, header),
        (2, g1s(&powers(2 * n - 1, Fr::one()))),
        (3, g2s(&powers(n, Fr::one()))),
        (4, g1s(&powers(n, alpha))),
        (5, g1s(&powers(n, beta))),
        (6, beta2),
        (7, 0u32.to_le_bytes().to_vec()),
    ];
    if prepared {
        sections.push((12, g1s(&lagrange(Fr::one(), power + 1))));
        sections.push((13, g2s(&lagrange(Fr::one(), power))));
        sections.push((14, g1s(&lagrange(alpha, power))));
        sections.push((15, g1s(&lagrange(beta, power))));
    }
    let mut out = b"ptau".to_vec();
    out.extend(1u32.to_le_bytes());
    out.extend((sections.len() as u32).to_le_bytes());
    for (id, body) in sections {
        out.extend(id.to_le_bytes());
        out.extend((body.len() as u64).to_le_bytes());
        out.extend(body);
    }
    std::fs::write(path, out).unwrap();
}

/// The test's phase 1 is what snarkjs would prepare: its `prepare phase2` of the unprepared file
/// equals ours byte for byte (at a small size).
#[test]
fn the_test_phase_1_is_what_snarkjs_prepares() {
    let Some(snarkjs) = snarkjs() else { return };
    let dir = temp_dir("ptau");
    let (raw, ours, theirs) = (
        dir.join("raw.ptau"),
        dir.join("ours.ptau"),
        dir.join("theirs.ptau"),
    );
    write_test_ptau(&raw, 5, 9, false);
    write_test_ptau(&ours, 5, 9, true);
    let o = Command::new(&snarkjs)
        .args(["powersoftau", "prepare", "phase2", s(&raw), s(&theirs)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&ours).unwrap() == std::fs::read(&theirs).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_ceremony_key_proves_a_run_and_a_foreign_or_tampered_key_is_refused() {
    let Some(snarkjs) = snarkjs() else { return };
    let dir = temp_dir("flow");
    let (work, keys) = (dir.join("ceremony"), dir.join("keys"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/ceremony.sh");
    // Phase 1 is a test-only file (snarkjs's at the 2^17 this class needs takes about half an
    // hour to prepare on two cores); phase 2 is the ceremony's.
    let ptau = dir.join("phase1.ptau");
    write_test_ptau(&ptau, 17, 1, true);
    let out = Command::new("bash")
        .arg(&script)
        .args([CLASS, s(&work), s(&keys)])
        .env("SPOTPROOF_PTAU", &ptau)
        .env("SPOTPROOF_SNARKJS", &snarkjs)
        .env("SPOTPROOF_WORKER", env!("CARGO_BIN_EXE_spotproof-worker"))
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    println!("{log}");
    assert!(out.status.success(), "{log}\n{}", stderr(&out));
    assert!(
        log.contains("phase 2: the circuit's key, 2 contributors"),
        "{log}"
    );
    let zkey = work.join(format!("{CLASS}_2.zkey"));
    let vk_file = keys.join(format!("{CLASS}.vk"));
    let vk = spotproof_verifier::keys::read_vk(&vk_file).unwrap();

    // A task over the ceremony's keys pins their verifying key; a run proven under them passes
    // the audit.
    let spec = write_idx(&dir, 120);
    let task = dir.join("task.json");
    let t = run::make_task(
        &TaskArgs {
            dataset: spec,
            steps: 4,
            hidden: vec![8],
            batch: 8,
            hyper: Hyper::default(),
            seed: 3,
            challenge_steps: 2,
            from: None,
            keys: keys.clone(),
            class: Some(CLASS.into()),
        },
        &task,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(t.vk_hash.to_string(), format!("0x{}", vk.hash));
    let run_dir = dir.join("run");
    run::run_task(
        &RunArgs {
            task: task.clone(),
            out: run_dir.clone(),
            device: DeviceChoice::Cpu,
            worker: WorkerId::of_address(&[7; 20]),
            resume: false,
            checkpoint_every: 4,
        },
        &Quiet,
    )
    .unwrap();
    let (run_file, challenge, bundles) = (
        run_dir.join("run.json"),
        dir.join("challenge.json"),
        dir.join("bundles"),
    );
    let o = validator(&[
        "challenge",
        "--run",
        s(&run_file),
        "--random",
        "--out",
        s(&challenge),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = worker(&[
        "respond",
        "--run",
        s(&run_dir),
        "--challenge",
        s(&challenge),
        "--keys",
        s(&keys),
        "--out",
        s(&bundles),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut args = vec![
        "audit".to_string(),
        "--task".into(),
        s(&task).into(),
        "--run".into(),
        s(&run_file).into(),
        "--challenge".into(),
        s(&challenge).into(),
        "--vk".into(),
        s(&vk_file).into(),
    ];
    for e in std::fs::read_dir(&bundles).unwrap() {
        args.push(e.unwrap().path().to_str().unwrap().into());
    }
    let o = validator(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("verified"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    // The same key as another class's: refused, nothing written.
    let other = dir.join("other");
    let o = import("mlp2-s18-r32", &zkey, &other);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not of class mlp2-s18-r32"),
        "{}",
        stderr(&o)
    );
    assert!(!other.join("mlp2-s18-r32.pk").exists());

    // One coefficient of the key's A matrix changed: refused as another circuit.
    let mut bytes = std::fs::read(&zkey).unwrap();
    let at = coefficient_offset(&bytes);
    bytes[at] ^= 1;
    let tampered = dir.join("tampered.zkey");
    std::fs::write(&tampered, &bytes).unwrap();
    let o = import(CLASS, &tampered, &other);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("differs"), "{}", stderr(&o));
    // Truncated: a one-line error.
    std::fs::write(&tampered, &bytes[..bytes.len() / 2]).unwrap();
    let o = import(CLASS, &tampered, &other);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
    // Existing keys are not overwritten without --force.
    let o = import(CLASS, &zkey, &keys);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `spotproof-worker ceremony import` of `zkey` as `class` into `out`.
fn import(class: &str, zkey: &Path, out: &Path) -> Output {
    worker(&[
        "ceremony",
        "import",
        "--class",
        class,
        "--zkey",
        s(zkey),
        "--out",
        s(out),
    ])
}

/// The byte offset of the value of the first coefficient (section 4) of a zkey.
fn coefficient_offset(z: &[u8]) -> usize {
    let u32_at = |i: usize| u32::from_le_bytes(z[i..i + 4].try_into().unwrap());
    let sections = u32_at(8);
    let mut at = 12;
    for _ in 0..sections {
        let id = u32_at(at);
        let len = u64::from_le_bytes(z[at + 4..at + 12].try_into().unwrap()) as usize;
        if id == 4 {
            // nCoefs, then (matrix, constraint, signal, value).
            return at + 12 + 4 + 12;
        }
        at += 12 + len;
    }
    panic!("no coefficient section")
}

/// Phase 2 of the ceremony for a real class over a test-only phase 1: a measurement for
/// `papers/benchmarks.md`, not run in CI (`SPOTPROOF_CEREMONY_CLASS=mlp2-s18-r32 cargo test -p
/// spotproof-prover --test ceremony -- --ignored --nocapture`; the script prints when each step
/// began).
#[test]
#[ignore]
fn phase_2_of_a_real_class() {
    let Some(snarkjs) = snarkjs() else { return };
    let class = std::env::var("SPOTPROOF_CEREMONY_CLASS").unwrap_or("mlp2-s18-r32".into());
    let shape =
        spotproof_circuits::groth::matrices(spotproof_circuits::Class::by_name(&class).unwrap())
            .unwrap();
    let domain = (shape.num_constraints + shape.num_inputs).next_power_of_two();
    let power = domain.trailing_zeros() + 1;
    let dir = temp_dir("real");
    let ptau = dir.join("phase1.ptau");
    let t = std::time::Instant::now();
    write_test_ptau(&ptau, power, 2, true);
    println!("test phase 1 of 2^{power}: {:.1?}", t.elapsed());
    let out = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/ceremony.sh"))
        .args([class.as_str(), s(&dir.join("work")), s(&dir.join("keys"))])
        .env("SPOTPROOF_PTAU", &ptau)
        .env("SPOTPROOF_SNARKJS", &snarkjs)
        .env("SPOTPROOF_WORKER", env!("CARGO_BIN_EXE_spotproof-worker"))
        .output()
        .unwrap();
    println!("{}", String::from_utf8_lossy(&out.stdout));
    assert!(out.status.success(), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
