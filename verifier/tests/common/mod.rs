//! Shared by the verifier's integration tests: finding and running snarkjs, scratch folders,
//! running the `spotproof-validator` binary, reading JSON.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The snarkjs executable to test against, or `None` (after a skip notice) when there is none
/// and `SPOTPROOF_REQUIRE_SNARKJS=1` is not set.
pub fn snarkjs_or_skip(test: &str) -> Option<PathBuf> {
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
pub struct Verdict {
    pub success: bool,
    pub output: String,
}

impl Verdict {
    pub fn accepted(&self) -> bool {
        self.success && self.output.contains("OK")
    }
    pub fn rejected(&self) -> bool {
        !self.success || self.output.contains("Invalid proof")
    }
}

/// Runs `snarkjs groth16 verify verification_key.json public.json proof.json` inside `dir`.
pub fn snarkjs_verify(snarkjs: &Path, dir: &Path) -> Verdict {
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
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("verifier-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `spotproof-validator` with `args`: (exit code, stdout, stderr).
pub fn validator(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_spotproof-validator"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A JSON file.
pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Writes an edited copy of the JSON file `src` as `dir/name.json` and returns its path.
pub fn edited(
    src: &Path,
    dir: &Path,
    name: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> PathBuf {
    let mut v = json(src);
    edit(&mut v);
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    path
}
