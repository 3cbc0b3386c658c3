//! The worker's proving commands: setup writes keys once and refuses to regenerate them; the
//! interactive flow's trace files recommit to their root; bad input is one line and exit 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use spotproof_prover::prove::TraceFile;
use std::path::PathBuf;
use std::process::{Command, Output};

fn worker(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spotproof-worker"))
        .args(args)
        .env_remove("SPOTPROOF_REQUIRE_GPU")
        .env("VK_ICD_FILENAMES", "/nonexistent/icd.json")
        .output()
        .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spotproof-proving-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn fails_with(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.trim().lines().last().unwrap().contains(needle),
        "expected {needle:?}: {err}"
    );
}

#[test]
fn setup_writes_loadable_keys_once() {
    let dir = temp_dir("setup");
    let d = dir.to_str().unwrap();
    let out = worker(&["setup", "--class", "mlp2-s18-r32", "--out", d]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("single-party"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("mlp2-s18-r32.pk") && stdout.contains("mlp2-s18-r32.vk"),
        "{stdout}"
    );
    let before = std::fs::read(dir.join("mlp2-s18-r32.vk")).unwrap();
    // Never regenerated silently.
    fails_with(
        &worker(&["setup", "--class", "mlp2-s18-r32", "--out", d]),
        "never regenerated",
    );
    assert_eq!(std::fs::read(dir.join("mlp2-s18-r32.vk")).unwrap(), before);
    let class = spotproof_circuits::Class::by_name("mlp2-s18-r32").unwrap();
    let (pk, keys) = spotproof_prover::prove::load_pk(class, &dir).unwrap();
    assert_eq!(keys.vk_hash, spotproof_verifier::keys::vk_hash(&pk.vk));
    // A truncated proving key is refused.
    let pk_bytes = std::fs::read(dir.join("mlp2-s18-r32.pk")).unwrap();
    std::fs::write(dir.join("mlp2-s18-r32.pk"), &pk_bytes[..pk_bytes.len() / 3]).unwrap();
    assert!(spotproof_prover::prove::load_pk(class, &dir).is_err());
}

#[test]
fn commit_writes_trace_files_that_recommit_to_their_roots() {
    let dir = temp_dir("commit");
    let d = dir.to_str().unwrap();
    let address = "0x5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";
    let out = worker(&[
        "commit", "--out", d, "--steps", "2", "--device", "cpu", "--worker", address,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    for line in lines {
        let (root, path) = line.split_once("  ").unwrap();
        let t = TraceFile::read(std::path::Path::new(path)).unwrap();
        assert_eq!(spotproof_core::commit::to_hex(&t.trace_root), root);
        // The worker id is the address, as the registry's sender will be.
        assert_eq!(
            spotproof_core::commit::to_hex(&t.header.worker),
            format!("{}{}", "0".repeat(24), &address[2..])
        );
        let tr = t.recommit().unwrap();
        assert_eq!(spotproof_core::commit::to_hex(&tr.root), root);
    }
    // A tampered trace file does not recommit to its root.
    let first = dir.join("step-000000.trace.json");
    let mut t = TraceFile::read(&first).unwrap();
    t.tensors.errors[0].data_mut()[0] ^= 1;
    assert!(t.recommit().is_err());
    // Proving needs the class's keys.
    let beacon = "0".repeat(63) + "7";
    let out = worker(&[
        "prove",
        "--trace",
        first.to_str().unwrap(),
        "--beacon",
        &beacon,
        "--keys",
        d,
        "--out",
        dir.join("b.json").to_str().unwrap(),
    ]);
    fails_with(&out, "cannot read");
}

#[test]
fn bad_arguments_are_one_line_and_exit_2() {
    let dir = temp_dir("bad");
    let d = dir.to_str().unwrap();
    fails_with(
        &worker(&["setup", "--class", "nope", "--out", d]),
        "unknown circuit class",
    );
    fails_with(&worker(&["demo", "--out", d, "--steps", "0"]), "--steps");
    fails_with(
        &worker(&["commit", "--out", d, "--worker", "zz"]),
        "--worker",
    );
    // Worker ids are addresses: 64 hex digits of a number of 161 bits are refused.
    let wide = format!("{}1{}", "0".repeat(23), "0".repeat(40));
    fails_with(
        &worker(&["commit", "--out", d, "--worker", &wide]),
        "not an address",
    );
    let junk = dir.join("junk.json");
    std::fs::write(&junk, "{").unwrap();
    let prove = |extra: &[&str]| {
        let mut args = vec!["prove", "--trace", junk.to_str().unwrap(), "--keys", d];
        args.extend_from_slice(&["--out", "x"]);
        args.extend_from_slice(extra);
        worker(&args)
    };
    fails_with(
        &prove(&["--beacon", &"0".repeat(64)]),
        "not a spotproof trace file",
    );
    fails_with(&prove(&["--beacon", "12"]), "--beacon");
    // Beacons are below 2^93.
    let wide_beacon = format!("{}2{}", "0".repeat(40), "0".repeat(23));
    fails_with(&prove(&["--beacon", &wide_beacon]), "below 2^93");
    fails_with(&prove(&["--block-hash", "0x12"]), "--block-hash");
    fails_with(&prove(&["--block-hash", &"ab".repeat(32)]), "--block-hash");
    // Exactly one of the two.
    let hash = format!("0x{}", "ab".repeat(32));
    for (out, needle) in [
        (
            prove(&["--block-hash", &hash, "--beacon", &"0".repeat(64)]),
            "cannot be used with",
        ),
        (prove(&[]), "--beacon"),
    ] {
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(needle), "expected {needle:?}: {err}");
    }
}
