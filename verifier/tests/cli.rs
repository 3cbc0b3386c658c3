//! `spotproof-validator check-vectors`: accepts the committed vectors, rejects a tampered one
//! (exit 1), and fails cleanly on bad input (exit 2).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed check is a panic here

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn validator(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spotproof-validator"))
        .args(args)
        .output()
        .unwrap()
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &dest)
        } else {
            std::fs::copy(&p, &dest).map(|_| ()).unwrap()
        }
    }
}

#[test]
fn committed_vectors_verify() {
    let out = validator(&["check-vectors", vectors_dir().to_str().unwrap(), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["checked"].as_u64().unwrap() >= 10);
    assert_eq!(v["rejected"].as_array().unwrap().len(), 0);
}

#[test]
fn a_tampered_output_is_rejected_and_bad_input_fails_cleanly() {
    let dir = std::env::temp_dir().join(format!("spotproof-vectors-{}", std::process::id()));
    copy_tree(&vectors_dir(), &dir);
    let f = dir.join("weight_grad/v2-seed6.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
    let first = &mut v["outputs"]["g"]["data"][0];
    *first = serde_json::json!(first.as_i64().unwrap() + 1);
    std::fs::write(&f, v.to_string()).unwrap();
    let out = validator(&["check-vectors", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("weight_grad"));

    std::fs::write(&f, "{ not json").unwrap();
    let out = validator(&["check-vectors", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not a spotproof vector") && !stderr.contains("panicked"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    let out = validator(&["check-vectors", "/nonexistent/vectors"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim().lines().count(),
        1
    );
}
