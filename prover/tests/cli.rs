//! The `spotproof-worker` binary: its JSON report, its accuracy targets, and bad input (one clear
//! line on stderr, exit code 2, never a panic).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed check is a panic here

use spotproof_core::model::Hyper;
use spotproof_prover::train::{self, DatasetSpec, DeviceChoice, Progress, TrainConfig};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn worker(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_spotproof-worker"));
    // The test script requires a GPU for the kernel tests; each case here sets it explicitly.
    c.args(args).env_remove("SPOTPROOF_REQUIRE_GPU");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// Hides every Vulkan driver from the loader, so no adapter exists.
const NO_GPU: (&str, &str) = ("VK_ICD_FILENAMES", "/nonexistent/icd.json");

fn assert_clean_failure(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one line expected: {stderr}"
    );
    assert!(stderr.contains(needle), "expected {needle:?} in {stderr}");
    assert!(out.stdout.is_empty());
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spotproof-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn json_report_is_one_object_with_the_promised_fields() {
    let out = worker(
        &[
            "train",
            "--dataset",
            "digits",
            "--epochs",
            "2",
            "--device",
            "cpu",
            "--json",
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.trim().lines().count(), 1);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for key in [
        "dataset",
        "device",
        "epochs",
        "steps",
        "train_accuracy",
        "test_accuracy",
        "seconds",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    assert_eq!(v["dataset"], "digits");
    assert_eq!(v["device"], "cpu");
    assert_eq!(v["epochs"], 2);
    assert_eq!(v["steps"], 2 * (1438 / 32));
    assert_eq!(v["per_epoch"].as_array().unwrap().len(), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("epoch   2"));
}

#[test]
fn auto_falls_back_to_the_cpu_with_a_notice() {
    let out = worker(&["train", "--epochs", "1", "--json"], &[NO_GPU]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("notice:")).count(),
        1,
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["device"], "cpu");
}

/// `auto` takes a hardware GPU, else the CPU reference: a software adapter (lavapipe, as in CI)
/// is slower than the reference, so it runs only when asked for — and Mesa's complaint about
/// `XDG_RUNTIME_DIR` never reaches the user.
#[test]
fn auto_prefers_the_cpu_reference_to_a_software_adapter() {
    use spotproof_shaders::{Gpu, ShaderError};
    let probe = Gpu::new_hardware();
    let out = worker(&["train", "--epochs", "1", "--json"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    match probe {
        Ok(gpu) => assert_eq!(v["device"], gpu.adapter_name()),
        Err(ShaderError::SoftwareAdapter(name)) => {
            assert_eq!(v["device"], "cpu");
            assert!(
                stderr.contains("only a software adapter") && stderr.contains(&name),
                "{stderr}"
            );
            // Asked for, the software adapter runs, quietly, without XDG_RUNTIME_DIR.
            let mut c = Command::new(env!("CARGO_BIN_EXE_spotproof-worker"));
            c.args(["train", "--epochs", "1", "--device", "gpu", "--json"])
                .env_remove("XDG_RUNTIME_DIR");
            let out = c.output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{stderr}");
            assert!(!stderr.contains("XDG_RUNTIME_DIR"), "{stderr}");
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["device"], name.as_str());
        }
        Err(e) => {
            assert!(!spotproof_shaders::gpu_required(), "no adapter: {e}");
            assert_eq!(v["device"], "cpu");
        }
    }
}

/// `| head` closes the pipe early: the worker ends quietly.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_spotproof-worker"))
        .args(["train", "--epochs", "1", "--device", "cpu", "--json"])
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn missing_gpu_is_an_error_when_required() {
    assert_clean_failure(
        &worker(&["train", "--epochs", "1", "--device", "gpu"], &[NO_GPU]),
        "GPU was required",
    );
    let required = [NO_GPU, ("SPOTPROOF_REQUIRE_GPU", "1")];
    assert_clean_failure(
        &worker(&["train", "--epochs", "1"], &required),
        "GPU was required",
    );
}

#[test]
fn bad_paths_and_files_fail_cleanly() {
    let dir = temp_dir("bad");
    assert_clean_failure(
        &worker(
            &["train", "--dataset", "/nonexistent/i,/nonexistent/l"],
            &[],
        ),
        "cannot read",
    );
    let garbage = dir.join("garbage");
    std::fs::write(&garbage, b"not an idx file at all").unwrap();
    let labels = data("mnist10k-labels-idx1-ubyte.gz");
    let spec = format!("{},{labels}", garbage.display());
    assert_clean_failure(&worker(&["train", "--dataset", &spec], &[]), "IDX magic");
    // A valid header whose body is cut short.
    let mut truncated = 0x0000_0803u32.to_be_bytes().to_vec();
    for d in [10_000u32, 28, 28] {
        truncated.extend_from_slice(&d.to_be_bytes());
    }
    truncated.extend_from_slice(&[0u8; 1000]);
    let t = dir.join("truncated");
    std::fs::write(&t, &truncated).unwrap();
    assert_clean_failure(
        &worker(
            &["train", "--dataset", &format!("{},{labels}", t.display())],
            &[],
        ),
        "truncated",
    );
    // Images and labels of different counts.
    let mut few = 0x0000_0801u32.to_be_bytes().to_vec();
    few.extend_from_slice(&3u32.to_be_bytes());
    few.extend_from_slice(&[1, 2, 3]);
    let l = dir.join("labels3");
    std::fs::write(&l, &few).unwrap();
    let spec = format!("{},{}", data("mnist10k-images-idx3-ubyte.gz"), l.display());
    assert_clean_failure(&worker(&["train", "--dataset", &spec], &[]), "labels");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn overflowing_or_senseless_shapes_fail_cleanly() {
    assert_clean_failure(
        &worker(&["train", "--hidden", "140000", "--device", "cpu"], &[]),
        "linear_forward",
    );
    assert_clean_failure(
        &worker(&["train", "--batch", "5000", "--device", "cpu"], &[]),
        "--batch",
    );
    assert_clean_failure(
        &worker(&["train", "--batch", "0", "--device", "cpu"], &[]),
        "batch",
    );
    assert_clean_failure(
        &worker(&["train", "--hidden", "0", "--device", "cpu"], &[]),
        "width",
    );
    assert_clean_failure(
        &worker(&["train", "--epochs", "0", "--device", "cpu"], &[]),
        "--epochs",
    );
    let out = worker(&["train", "--dataset", "nonsense"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    // A demo model deeper than the catalogue (6 hidden layers): refused before any setup, the
    // error last, naming the depth.
    let dir = temp_dir("deep-demo");
    let out = worker(
        &[
            "demo",
            "--out",
            dir.to_str().unwrap(),
            "--hidden",
            "8,8,8,8,8,8",
            "--device",
            "cpu",
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let last = stderr.trim().lines().last().unwrap_or_default();
    assert!(
        last.contains("fits no circuit class") && last.contains("7 layers"),
        "{stderr}"
    );
    assert!(!dir.join("keys").exists() && out.stdout.is_empty());
}

#[test]
fn idx_pairs_load_plain_or_gzipped_with_a_separate_test_set() {
    use std::io::Read;
    let dir = temp_dir("idx");
    let gunzip = |name: &str| {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(data(name)).unwrap())
            .read_to_end(&mut out)
            .unwrap();
        out
    };
    let (img, lab) = (dir.join("images.idx"), dir.join("labels.idx"));
    std::fs::write(&img, gunzip("mnist10k-images-idx3-ubyte.gz")).unwrap();
    std::fs::write(&lab, gunzip("mnist10k-labels-idx1-ubyte.gz")).unwrap();
    let train = format!("{},{}", img.display(), lab.display());
    let test = format!(
        "{},{}",
        data("mnist10k-images-idx3-ubyte.gz"),
        data("mnist10k-labels-idx1-ubyte.gz")
    );
    let out = worker(
        &[
            "train",
            "--dataset",
            &train,
            "--test",
            &test,
            "--epochs",
            "1",
            "--device",
            "cpu",
            "--json",
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["train_rows"], 10_000);
    assert_eq!(v["test_rows"], 10_000);
    let _ = std::fs::remove_dir_all(dir);
}

struct Quiet;
impl Progress for Quiet {
    fn line(&mut self, _: String) {}
    fn epoch_start(&mut self, _: usize, _: usize) {}
    fn step_done(&mut self) {}
}

fn defaults(dataset: DatasetSpec) -> TrainConfig {
    TrainConfig {
        dataset,
        test: None,
        epochs: 15,
        batch: 32,
        hidden: vec![128],
        seed: 1,
        device: DeviceChoice::Cpu,
        hyper: Hyper::default(),
    }
}

/// Deep models train: four hidden layers of 64 on digits collapsed to chance (0.08) on this seed
/// when every hidden hop amplified the error by 2^back_gain and the step did not shrink with
/// depth (`papers/integer-training.md`, "Depth").
#[test]
fn deep_models_train_with_the_derived_shifts() {
    let mut c = defaults(DatasetSpec::Digits);
    c.hidden = vec![64, 64, 64, 64];
    c.seed = 2;
    let deep = train::run(&c, &mut Quiet).unwrap();
    assert!(
        deep.test_accuracy >= 0.93,
        "digits 64×4 test accuracy {}",
        deep.test_accuracy
    );
}

/// The recipe's accuracy targets with the CLI's defaults (held-out split, integer-only step).
#[test]
fn default_recipe_reaches_the_accuracy_targets() {
    let digits = train::run(&defaults(DatasetSpec::Digits), &mut Quiet).unwrap();
    assert!(
        digits.test_accuracy >= 0.94,
        "digits test accuracy {}",
        digits.test_accuracy
    );
    let mnist = train::run(&defaults(DatasetSpec::Mnist10k), &mut Quiet).unwrap();
    assert!(
        mnist.test_accuracy >= 0.92,
        "mnist10k test accuracy {}",
        mnist.test_accuracy
    );
}
