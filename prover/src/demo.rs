//! The main job: the whole chain on the embedded digits set — setup if the keys are missing,
//! train and commit N steps, derive each step's Fiat–Shamir beacon, prove, write the bundles, and
//! verify them exactly as a validator would (`verify_bundles`), whose report gives the detection.

use crate::error::{Result, WorkerError};
use crate::progress::Bar;
use crate::prove;
use crate::train::{DatasetSpec, DeviceChoice, TrainConfig};
use serde::Serialize;
use spotproof_circuits::Class;
use spotproof_core::ids::WorkerId;
use spotproof_core::model::Hyper;
use spotproof_verifier::detection::Detection;
use spotproof_verifier::verify::{Policy, Report, verify_bundles};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The notice every single-party setup prints.
pub const SINGLE_PARTY: &str = "notice: single-party setup: whoever runs it knows the trapdoor \
and could forge proofs for these keys; for a network, run a multi-party ceremony (papers/protocol.md §10)";

/// The digits run the demo and the interactive flow train: `64-128-10`, batch 32, one epoch's
/// configuration (steps are counted by the caller).
pub fn digits_config(seed: u64, device: DeviceChoice) -> TrainConfig {
    TrainConfig {
        dataset: DatasetSpec::Digits,
        test: None,
        epochs: 1,
        batch: 32,
        hidden: vec![128],
        seed,
        device,
        hyper: Hyper::default(),
    }
}

/// The demo's worker id: an address, like every worker id.
pub fn demo_worker() -> WorkerId {
    WorkerId::of_address(&{
        let mut a = [0u8; 20];
        a[12..].copy_from_slice(&0x5107_9200_5107_9200u64.to_be_bytes());
        a
    })
}

/// What the demo did (`--json` prints it).
#[derive(Clone, Debug, Serialize)]
pub struct DemoReport {
    /// The verifying key file.
    pub vk: PathBuf,
    /// Its hash.
    pub vk_hash: String,
    /// The bundles written.
    pub bundles: Vec<PathBuf>,
    /// The circuit class.
    pub class: &'static str,
    /// Samples per proof.
    pub samples_per_step: usize,
    /// "cpu" or the adapter's name: where the steps ran.
    pub device: String,
    /// Seconds of setup (0 when the keys existed).
    pub setup_seconds: f64,
    /// Seconds to load the proving key.
    pub key_load_seconds: f64,
    /// Seconds to train and commit every step.
    pub train_commit_seconds: f64,
    /// Seconds per proof.
    pub prove_seconds: Vec<f64>,
    /// Seconds the validator's check of all bundles took.
    pub verify_seconds: f64,
    /// Bundles the validator accepted.
    pub verified: usize,
    /// What the samples catch, as the validator computes it (Fiat–Shamir beacons: allowing for
    /// 2^40 re-rolls).
    pub detection: Option<Detection>,
}

/// Runs the demo into `out` (`keys/` and `bundles/`). Returns the report and the validator's
/// report on the bundles.
pub fn run(
    out: &Path,
    steps: usize,
    device: DeviceChoice,
    seed: u64,
    log: &mut dyn FnMut(String),
) -> Result<(DemoReport, Report)> {
    let cfg = digits_config(seed, device);
    let (data, split, model) = crate::train::prepare(&cfg)?;
    drop(data);
    let class = Class::smallest_for(
        &model.config,
        split.train.len(),
        spotproof_core::sampling::DEFAULT_SAMPLES,
    )?;
    let key_dir = out.join("keys");
    let bundle_dir = out.join("bundles");
    std::fs::create_dir_all(&bundle_dir).map_err(|source| WorkerError::Io {
        path: bundle_dir.clone(),
        source,
    })?;
    let (pk_path, _) = spotproof_verifier::keys::paths(&key_dir, class);
    let mut setup_seconds = 0.0;
    if pk_path.exists() {
        log(format!(
            "[1/4] keys of class {} found in {}",
            class.name,
            key_dir.display()
        ));
    } else {
        log(SINGLE_PARTY.into());
        log(format!(
            "[1/4] setup of class {} (once; keys in {}) ...",
            class.name,
            key_dir.display()
        ));
        let start = Instant::now();
        prove::setup_keys(class, &key_dir, false)?;
        setup_seconds = start.elapsed().as_secs_f64();
        log(format!("      {setup_seconds:.1} s"));
    }
    let start = Instant::now();
    let (pk, keys) = prove::load_pk(class, &key_dir)?;
    let key_load_seconds = start.elapsed().as_secs_f64();
    log(format!(
        "[2/4] training and committing {steps} steps of {:?} on digits ...",
        model.config.widths
    ));
    let start = Instant::now();
    let mut bar = Bar::steps();
    let run = crate::pipeline::run_committed(&cfg, steps, seed, demo_worker(), &mut bar);
    bar.finish();
    let run = run?;
    let train_commit_seconds = start.elapsed().as_secs_f64();
    log(format!(
        "      {} steps on {} in {train_commit_seconds:.1} s",
        run.traces.len(),
        run.device
    ));
    let mut bundles = Vec::new();
    let mut loaded = Vec::new();
    let mut prove_seconds = Vec::new();
    for (k, t) in run.traces.iter().enumerate() {
        log(format!(
            "[3/4] step {k}: beacon = hash(11, root) mod 2^93, proving {} samples ...",
            class.samples
        ));
        let path = bundle_dir.join(format!("step-{k:06}.json"));
        let (b, seconds) = prove::prove_offline(&pk, &keys, &model.config, t, &path)?;
        log(format!(
            "      proved and self-verified in {seconds:.1} s -> {}",
            path.display()
        ));
        loaded.push((path.clone(), b));
        bundles.push(path);
        prove_seconds.push(seconds);
    }
    log("[4/4] verifying the bundles as a validator does ...".into());
    let vk = spotproof_verifier::keys::read_vk(&keys.vk)?;
    let start = Instant::now();
    let report = verify_bundles(&vk, &loaded, &Policy::default(), &mut rand::rngs::OsRng)?;
    let verify_seconds = start.elapsed().as_secs_f64();
    log(format!(
        "      {} of {} bundles verified in {:.1} ms",
        report.verdicts.len() - report.rejected(),
        report.verdicts.len(),
        verify_seconds * 1e3
    ));
    Ok((
        DemoReport {
            vk: keys.vk.clone(),
            vk_hash: keys.vk_hash.clone(),
            bundles,
            class: class.name,
            samples_per_step: class.samples,
            device: run.device,
            setup_seconds,
            key_load_seconds,
            train_commit_seconds,
            prove_seconds,
            verify_seconds,
            verified: report.verdicts.len() - report.rejected(),
            detection: report.detection.clone(),
        },
        report,
    ))
}
