//! Shared by the worker's integration tests: scratch folders, the tiny IDX dataset, running the
//! two binaries, finding snarkjs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use spotproof_core::data::DatasetSpec;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh scratch folder `spotproof-NAME-PID` in the system's temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spotproof-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A tiny IDX pair: `n` 4×4 images whose pixels depend on the label, 4 classes.
pub fn write_idx(dir: &Path, n: u32) -> DatasetSpec {
    let (img, lab) = (dir.join("images.idx"), dir.join("labels.idx"));
    let mut i = [0x0000_0803u32, n, 4, 4]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect::<Vec<u8>>();
    let mut l = [0x0000_0801u32, n]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect::<Vec<u8>>();
    for k in 0..n {
        let label = (k % 4) as u8;
        l.push(label);
        i.extend((0..16u32).map(|p| ((p * 37 + k * 11 + u32::from(label) * 60) % 256) as u8));
    }
    std::fs::write(&img, i).unwrap();
    std::fs::write(&lab, l).unwrap();
    DatasetSpec::Idx {
        images: img,
        labels: lab,
    }
}

/// Runs `spotproof-validator` (built beside the worker by `cargo test --workspace`).
pub fn validator(args: &[&str]) -> Output {
    let bin =
        Path::new(env!("CARGO_BIN_EXE_spotproof-worker")).with_file_name("spotproof-validator");
    assert!(
        bin.exists(),
        "{} is built by `cargo test --workspace`",
        bin.display()
    );
    Command::new(bin).args(args).output().unwrap()
}

/// Runs `spotproof-worker`.
pub fn worker(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spotproof-worker"))
        .args(args)
        .output()
        .unwrap()
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// What a command wrote to standard error.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The snarkjs executable (`SPOTPROOF_SNARKJS`, else the one `.ci/node` pins), or `None` after a
/// skip notice; with `SPOTPROOF_REQUIRE_SNARKJS=1` a missing one is a failure.
pub fn snarkjs(test: &str) -> Option<PathBuf> {
    let pinned =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/node/node_modules/.bin/snarkjs");
    let p = std::env::var_os("SPOTPROOF_SNARKJS")
        .map(PathBuf::from)
        .or_else(|| pinned.is_file().then_some(pinned));
    if p.is_none() {
        assert!(
            std::env::var("SPOTPROOF_REQUIRE_SNARKJS").as_deref() != Ok("1"),
            "{test}: snarkjs not found (SPOTPROOF_SNARKJS, .ci/node) and SPOTPROOF_REQUIRE_SNARKJS=1"
        );
        eprintln!("skipping {test}: no snarkjs (scripts/test.sh installs it)");
    }
    p
}
