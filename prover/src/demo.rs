//! The main job: the run flow on the embedded digits set — a task (setup if the class's keys are
//! missing), the run (train and commit every step), the validator's own random challenge, the
//! worker's response (replay and prove the challenged steps), and the validator's audit, whose
//! report gives the detection.

use crate::error::{Result, WorkerError};
use crate::progress::RunBar;
use crate::run::{RunArgs, TaskArgs};
use crate::train::{DatasetSpec, DeviceChoice, TrainConfig};
use serde::Serialize;
use spotproof_core::ids::WorkerId;
use spotproof_core::model::Hyper;
use spotproof_core::run::{ChallengeSource, Word};
use spotproof_verifier::audit::{self, AuditInput, AuditReport, RunDetection};
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

/// Steps the demo's task challenges.
pub const DEMO_CHALLENGED: u64 = 2;

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
    /// The task file.
    pub task: PathBuf,
    /// The run file.
    pub run: PathBuf,
    /// The final model.
    pub model: PathBuf,
    /// The challenge file.
    pub challenge: PathBuf,
    /// The bundles written (the challenged steps).
    pub bundles: Vec<PathBuf>,
    /// The verifying key file.
    pub vk: PathBuf,
    /// The audit's report (JSON).
    pub audit: PathBuf,
    /// Whether the audit verified the run.
    pub verified: bool,
    /// The run root.
    pub run_root: Word,
    /// The challenged steps.
    pub challenged: Vec<u64>,
    /// The circuit class.
    pub class: String,
    /// "cpu" or the adapter's name: where the steps ran.
    pub device: String,
    /// Seconds to write the task (with the setup when the keys were missing).
    pub task_seconds: f64,
    /// Seconds to run every step (compute and commitment).
    pub run_seconds: f64,
    /// Seconds to replay and prove the challenged steps (with loading the proving key).
    pub respond_seconds: f64,
    /// Seconds of the audit.
    pub audit_seconds: f64,
    /// What the challenge catches, as the validator computes it from the task.
    pub detection: RunDetection,
}

/// Runs the demo into `out` (`keys/`, `task.json`, `run/`, `challenge.json`, `bundles/`,
/// `audit.json`; an earlier demo's run, challenge and bundles are replaced, its keys kept), with
/// hidden layers `hidden` (the digits model's `[128]` by default; a deeper model takes its
/// depth's class). Returns the report and the audit.
pub fn run(
    out: &Path,
    steps: usize,
    hidden: &[usize],
    device: DeviceChoice,
    seed: u64,
    log: &mut dyn FnMut(String),
) -> Result<(DemoReport, AuditReport)> {
    if steps == 0 {
        return Err(WorkerError::Usage {
            arg: "--steps",
            reason: "must be at least 1".into(),
        });
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WorkerError::Io { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let (task, run_dir, challenge, bundle_dir, audit_path) = (
        out.join("task.json"),
        out.join("run"),
        out.join("challenge.json"),
        out.join("bundles"),
        out.join("audit.json"),
    );
    for d in [&run_dir, &bundle_dir] {
        if d.exists() {
            std::fs::remove_dir_all(d).map_err(io(d))?;
        }
    }
    let challenge_steps = DEMO_CHALLENGED.min(steps as u64);
    let mut cfg = digits_config(seed, device);
    if !hidden.is_empty() {
        cfg.hidden = hidden.to_vec();
    }
    let widths: Vec<String> = std::iter::once(64)
        .chain(cfg.hidden.iter().copied())
        .chain(std::iter::once(10))
        .map(|w| w.to_string())
        .collect();
    log(format!(
        "[1/5] task: {steps} steps of the {} MLP on digits, {challenge_steps} of them challenged",
        widths.join("-")
    ));
    let start = Instant::now();
    let t = crate::run::make_task(
        &TaskArgs {
            dataset: cfg.dataset.clone(),
            steps: steps as u64,
            hidden: cfg.hidden.clone(),
            batch: cfg.batch,
            hyper: cfg.hyper,
            seed,
            challenge_steps,
            from: None,
            keys: out.join("keys"),
            class: None,
        },
        &task,
        log,
    )?;
    let task_seconds = start.elapsed().as_secs_f64();
    log(format!(
        "      task {} (class {}) in {task_seconds:.1} s",
        t.task_id, t.class
    ));
    log(format!(
        "[2/5] run: train and commit every step -> {}",
        run_dir.display()
    ));
    let bar = RunBar::new();
    let r = crate::run::run_task(
        &RunArgs {
            task: task.clone(),
            out: run_dir.clone(),
            device,
            worker: demo_worker(),
            resume: false,
            checkpoint_every: crate::run::DEFAULT_CHECKPOINT_EVERY,
        },
        &bar,
    );
    bar.finish();
    let r = r?;
    log(format!(
        "      {} steps on {} in {:.1} s (commitment {:.1} s), run root {}",
        r.steps, r.device, r.seconds, r.commit_seconds, r.run_root
    ));
    log("[3/5] challenge: the validator's own random beacon".into());
    let run_file = audit::read_run(&r.run)?;
    let mut beacon = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut beacon);
    let c = audit::challenge_of(&r.run, &run_file, ChallengeSource::Random, Word(beacon))?;
    let mut text = serde_json::to_vec_pretty(&c).map_err(|e| WorkerError::Usage {
        arg: "--out",
        reason: e.to_string(),
    })?;
    text.push(b'\n');
    spotproof_verifier::files::write_atomic(&challenge, &text).map_err(io(&challenge))?;
    let challenged: Vec<u64> = c.challenged.iter().map(|x| x.step).collect();
    log(format!(
        "      steps {challenged:?} -> {}",
        challenge.display()
    ));
    log("[4/5] respond: replay each challenged step from its checkpoint and prove it".into());
    let start = Instant::now();
    let resp = crate::run::respond(&run_dir, &challenge, &out.join("keys"), &bundle_dir, log)?;
    let respond_seconds = start.elapsed().as_secs_f64();
    log(format!(
        "      {} bundles in {respond_seconds:.1} s (proofs {:?} s)",
        resp.bundles.len(),
        resp.prove_seconds
            .iter()
            .map(|s| (s * 10.0).round() / 10.0)
            .collect::<Vec<_>>()
    ));
    log("[5/5] audit: the run against the task, the bundles against the challenge".into());
    let vk = spotproof_verifier::keys::paths(
        &out.join("keys"),
        spotproof_circuits::Class::by_name(&t.class)?,
    )
    .1;
    let start = Instant::now();
    let report = audit::audit(
        &AuditInput {
            task: &task,
            run: &r.run,
            challenge: &challenge,
            vk: &vk,
            bundles: &resp.bundles,
        },
        &mut rand::rngs::OsRng,
    )?;
    let audit_seconds = start.elapsed().as_secs_f64();
    let mut text =
        serde_json::to_vec_pretty(&report.json(audit_seconds)).map_err(|e| WorkerError::Usage {
            arg: "--out",
            reason: e.to_string(),
        })?;
    text.push(b'\n');
    spotproof_verifier::files::write_atomic(&audit_path, &text).map_err(io(&audit_path))?;
    let verified = report.reasons().is_empty();
    log(format!(
        "      {} in {:.1} ms -> {}",
        if verified { "verified" } else { "rejected" },
        audit_seconds * 1e3,
        audit_path.display()
    ));
    Ok((
        DemoReport {
            task,
            run: r.run,
            model: r.model,
            challenge,
            bundles: resp.bundles,
            vk,
            audit: audit_path,
            verified,
            run_root: r.run_root,
            challenged,
            class: t.class,
            device: r.device,
            task_seconds,
            run_seconds: r.seconds,
            respond_seconds,
            audit_seconds,
            detection: report.detection.clone(),
        },
        report,
    ))
}
