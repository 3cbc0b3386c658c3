//! Runs on the validator's side: reading task, run and challenge files, drawing a challenge, the
//! audit of a run against its task and the validator's own challenge, and whether a delivered
//! model is a run's final state.
//!
//! The audit trusts the task (the network set it) and the challenge (the validator drew it);
//! every field of the run file and of the bundles was written by the worker. It recomputes the
//! dataset root and the initial state from the task's own inputs, the run root from the run's
//! trace roots, the challenged steps and step beacons from (run root, beacon), and checks every
//! step's manifest against the task and its predecessor, so that an unproven step cannot break
//! the chain unseen.

use crate::bundle::Bundle;
use crate::detection::{BeaconKind, Detection, OpOutput, detect};
use crate::verify::{BeaconPin, Policy, Report, verify_bundles};
use serde::Serialize;
use spotproof_core::CoreError;
use spotproof_core::check::{self, CheckFailure};
use spotproof_core::commit::Fr;
use spotproof_core::ids::Beacon;
use spotproof_core::layout::{self, Role};
use spotproof_core::model::Model;
use spotproof_core::run::{
    CHALLENGE_FORMAT, Challenge, ChallengeSource, Init, RUN_FORMAT, RUN_FORMAT_VERSION, RunFile,
    Task, Word, challenged_steps, run_root,
};
use spotproof_core::sampling::Sampling;
use spotproof_core::weights::Weights;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Why an audit (or a challenge, or a model check) cannot run at all: exit 2.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A file that cannot be read or is not of its kind and version.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The task contradicts its own inputs (dataset, initial state).
    #[error("the task is inconsistent: {0}")]
    Task(String),
    /// A key of another class or task.
    #[error("{path}: the verifying key is not the task's ({why})")]
    Key {
        /// The key file.
        path: PathBuf,
        /// What differs.
        why: &'static str,
    },
    /// A challenge of another run or task.
    #[error("{path}: a challenge of another run (run root {got}, the run's is {expected})")]
    OtherRun {
        /// The challenge file.
        path: PathBuf,
        /// Its run root.
        got: Word,
        /// The run's (recomputed).
        expected: Word,
    },
    /// Core failed (a dataset file, say).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The bundles cannot be verified at all.
    #[error(transparent)]
    Verify(#[from] crate::verify::VerifyError),
}

pub(crate) fn file_err(path: &Path, reason: impl Into<String>) -> AuditError {
    AuditError::File {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
) -> Result<T, AuditError> {
    let bytes = std::fs::read(path).map_err(|e| file_err(path, format!("cannot read: {e}")))?;
    serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&bytes)).map_err(
        |e| {
            let field = e.path().to_string();
            file_err(path, format!("not a {what}: {field}: {}", e.into_inner()))
        },
    )
}

/// The `format` and `version` every run-layer file starts with.
#[derive(serde::Deserialize)]
struct Head {
    format: String,
    version: u32,
}

fn check_head(path: &Path, format: &str, what: &str) -> Result<(), AuditError> {
    check_head_version(path, format, RUN_FORMAT_VERSION, what)
}

/// Checks a file's `format` and `version` before its fields are read.
pub(crate) fn check_head_version(
    path: &Path,
    format: &str,
    version: u32,
    what: &str,
) -> Result<(), AuditError> {
    let h: Head = read_json(path, what)?;
    if h.format != format {
        return Err(file_err(
            path,
            format!("not a {what} (format {:?})", h.format),
        ));
    }
    if h.version != version {
        return Err(file_err(
            path,
            format!(
                "{what} version {}, this build reads version {version}",
                h.version
            ),
        ));
    }
    Ok(())
}

/// Reads a task file: its kind and version, then its fields, then [`Task::check`].
pub fn read_task(path: &Path) -> Result<Task, AuditError> {
    check_head(path, spotproof_core::run::TASK_FORMAT, "task file")?;
    let t: Task = read_json(path, "task file")?;
    t.check().map_err(|e| file_err(path, e.to_string()))?;
    Ok(t)
}

/// Reads a run file (kind, version, fields; the contents are the audit's business).
pub fn read_run(path: &Path) -> Result<RunFile, AuditError> {
    check_head(path, RUN_FORMAT, "run file")?;
    read_json(path, "run file")
}

/// Reads a challenge file (kind, version, fields).
pub fn read_challenge(path: &Path) -> Result<Challenge, AuditError> {
    check_head(path, CHALLENGE_FORMAT, "challenge file")?;
    read_json(path, "challenge file")
}

/// The root of a complete run, recomputed from its trace roots and compared with the one it
/// states.
pub fn complete_root(path: &Path, run: &RunFile) -> Result<Word, AuditError> {
    if run.steps.len() as u64 != run.steps_total || run.steps_total == 0 {
        return Err(file_err(
            path,
            format!(
                "the run is not complete ({} of {} steps)",
                run.steps.len(),
                run.steps_total
            ),
        ));
    }
    let root = run_root(&run.trace_roots());
    if run.run_root != Some(root) {
        return Err(file_err(
            path,
            "its run root is not the root of its steps' trace roots",
        ));
    }
    Ok(root)
}

/// The validator's challenge of a complete run under `beacon`.
pub fn challenge_of(
    path: &Path,
    run: &RunFile,
    source: ChallengeSource,
    beacon: Word,
) -> Result<Challenge, AuditError> {
    let root = complete_root(path, run)?;
    Challenge::derive(
        run.task_id,
        root,
        run.steps_total,
        run.challenge_steps,
        source,
        beacon,
    )
    .ok_or_else(|| {
        file_err(
            path,
            format!(
                "{} challenged steps do not fit a run of {} steps",
                run.challenge_steps, run.steps_total
            ),
        )
    })
}

/// Why a run is rejected (exit 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunRejection {
    /// The run names another task.
    #[error("the run is of task {got}, not of this task ({expected})")]
    Task {
        /// The run's.
        got: Word,
        /// The task's.
        expected: Word,
    },
    /// Not every step of the task.
    #[error("the run has {got} steps, the task {expected}")]
    Steps {
        /// The run's.
        got: u64,
        /// The task's.
        expected: u64,
    },
    /// The run states another configuration or challenge size than its task.
    #[error("the run's {0} is not the task's")]
    Field(&'static str),
    /// The run root is not the root of the run's trace roots.
    #[error("the run root is not the root of its steps' trace roots")]
    RunRoot,
    /// A step that does not follow the task or its predecessor.
    #[error("step {step}: {why}")]
    Step {
        /// The step.
        step: u64,
        /// Why.
        why: StepFault,
    },
    /// The final state roots are not the last step's state out.
    #[error("its final state is not the state its last step ends with")]
    FinalState,
    /// The challenge file does not hold what its run root and beacon derive.
    #[error("the challenge file's steps or beacons are not those its run root and beacon derive")]
    ChallengeEdited,
    /// A challenged step no bundle proves.
    #[error("step {0} was challenged and no bundle proves it")]
    Missing(u64),
    /// A bundle of a step that was not challenged.
    #[error("{path}: step {step} was not challenged")]
    NotChallenged {
        /// The bundle.
        path: PathBuf,
        /// Its step.
        step: u64,
    },
    /// A bundle whose trace root, worker or model is not the run's.
    #[error("{path}: its {what} is not the run's step {step}'s")]
    NotTheRuns {
        /// The bundle.
        path: PathBuf,
        /// Its step.
        step: u64,
        /// What differs.
        what: &'static str,
    },
}

/// What is wrong with one step of a run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepFault {
    /// The manifest does not hash to the step's trace root.
    #[error("its manifest does not hash to its trace root")]
    Root,
    /// The manifest does not follow the task's architecture.
    #[error("{0}")]
    Layout(CheckFailure),
    /// A header field that is not the task's or the run's.
    #[error("its header's {0} is not the task's")]
    Header(&'static str),
    /// Step 0 does not start from zero and the task's initial state.
    #[error("it does not start from the task's initial state")]
    Initial,
    /// It does not continue its predecessor.
    #[error("{0}")]
    Chain(CheckFailure),
}

/// Detection over a run, computed from the task (never read from a file).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunDetection {
    /// Per op of a challenged step (pinned beacon: drawn once after the run root).
    pub per_op: Detection,
    /// Probability that one challenged step in which the worker skipped one op is caught.
    pub per_step_skipped_op: f64,
    /// A worker who skipped one op in every step: caught with this probability (`C` independent
    /// challenged steps).
    pub every_step_skipped_op: f64,
    /// A worker who faked a fraction of the steps entirely (every op made up): caught with this
    /// probability, for 1%, 10% and 50% of the steps (a faked step is caught when challenged,
    /// up to the per-op escape).
    pub faked_steps: [(f64, f64); 3],
}

impl RunDetection {
    /// The figures for a task, its class's sampling and its layout's ops.
    pub fn of(task: &Task, sampling: &Sampling, ops: &[OpOutput]) -> Self {
        let samples = task.samples as usize;
        let per_op = Detection::of(sampling, ops, BeaconKind::Pinned);
        let skipped = crate::detection::CASES[0].1;
        let per_step = per_op.op_skipped;
        let c = task.challenge_steps as f64;
        let every = 1.0 - (1.0 - per_step).powf(c);
        // A faked step (every op made up) escapes a challenge only if all S samples miss.
        let faked_step = detect(skipped, samples, None);
        let n = task.steps;
        let faked = [0.01, 0.1, 0.5].map(|f| {
            let bad = ((n as f64) * f).ceil() as u64;
            // P(no challenged step is faked) = C(n−bad, c) / C(n, c).
            let mut miss_all = 1.0;
            for k in 0..task.challenge_steps {
                miss_all *= (n.saturating_sub(bad).saturating_sub(k)) as f64 / (n - k) as f64;
            }
            let hits_faked = 1.0 - miss_all;
            (f, hits_faked * faked_step)
        });
        Self {
            per_op,
            per_step_skipped_op: per_step,
            every_step_skipped_op: every,
            faked_steps: faked,
        }
    }
}

/// What an audit found.
#[derive(Clone, Debug)]
pub struct AuditReport {
    /// The task.
    pub task_id: Word,
    /// The run root (recomputed).
    pub run_root: Word,
    /// The challenged steps (recomputed).
    pub challenged: Vec<u64>,
    /// Why the run is rejected (empty: it is not).
    pub rejections: Vec<RunRejection>,
    /// The bundles' verification (`None` when the run was rejected before them).
    pub bundles: Option<Report>,
    /// Detection, from the task.
    pub detection: RunDetection,
}

impl AuditReport {
    /// The report as JSON (`verified`, `task_id`, `run_root`, `challenged`, `rejections`,
    /// `detection`, `seconds`): what `audit --json` prints.
    pub fn json(&self, seconds: f64) -> serde_json::Value {
        let reasons = self.reasons();
        serde_json::json!({
            "verified": reasons.is_empty(),
            "task_id": self.task_id,
            "run_root": self.run_root,
            "challenged": self.challenged,
            "rejections": reasons,
            "detection": self.detection,
            "seconds": seconds,
        })
    }

    /// Every reason the run is not verified, one line each.
    pub fn reasons(&self) -> Vec<String> {
        let mut out: Vec<String> = self.rejections.iter().map(|r| r.to_string()).collect();
        if let Some(b) = &self.bundles {
            out.extend(b.verdicts.iter().filter_map(|v| {
                v.result
                    .as_ref()
                    .err()
                    .map(|r| format!("{} (step {}): {r}", v.path.display(), v.step))
            }));
        }
        out
    }
}

/// Checks the task against its own inputs: the dataset root from the dataset's files, the
/// initial roots from the seed (or the earlier run's weights file, where it is at hand).
pub fn check_task_inputs(task: &Task) -> Result<(), AuditError> {
    let (_, _, c) = spotproof_core::run::dataset_of(&task.dataset, task.split_seed)?;
    if c.root != task.dataset_root {
        return Err(AuditError::Task(format!(
            "the dataset {:?} split by seed {} does not have the task's dataset root",
            task.dataset, task.split_seed
        )));
    }
    let initial = match &task.init {
        Init::Seed(seed) => Some(Model::init(task.model.clone(), *seed)?),
        Init::FromRun { weights, .. } if weights.exists() => Some(Weights::read(weights)?.model),
        Init::FromRun { .. } => None,
    };
    if let Some(m) = initial
        && layout::state_roots(&m)? != task.initial_roots
    {
        return Err(AuditError::Task(
            "its initial roots are not those of its initial state".into(),
        ));
    }
    Ok(())
}

/// Checks every step of a run against the task and its predecessor, the final state and the run
/// root. Returns the rejections.
pub fn check_run(task: &Task, run: &RunFile) -> Vec<RunRejection> {
    let mut out = Vec::new();
    if run.task_id != task.task_id {
        out.push(RunRejection::Task {
            got: run.task_id,
            expected: task.task_id,
        });
    }
    if run.steps.len() as u64 != task.steps || run.steps_total != task.steps {
        out.push(RunRejection::Steps {
            got: run.steps.len() as u64,
            expected: task.steps,
        });
    }
    if run.model != task.model {
        out.push(RunRejection::Field("model configuration"));
    }
    if run.challenge_steps != task.challenge_steps {
        out.push(RunRejection::Field("challenge size"));
    }
    let zero = Fr::from(0u64);
    for (k, s) in run.steps.iter().enumerate() {
        let step = k as u64;
        let m = &s.manifest;
        let fault = |why| RunRejection::Step { step, why };
        if m.root().ok() != Some(s.trace_root) {
            out.push(fault(StepFault::Root));
            continue;
        }
        if let Err(e) = check::check_conformance(m, &task.model) {
            out.push(fault(StepFault::Layout(e)));
            continue;
        }
        let h = &m.header;
        let header = [
            (h.dataset_root == task.dataset_root, "dataset root"),
            (h.data_seed == task.data_seed, "data seed"),
            (h.step == step, "step index"),
            (h.worker == run.worker.fr(), "worker"),
        ];
        if let Some((_, what)) = header.iter().find(|(ok, _)| !ok) {
            out.push(fault(StepFault::Header(what)));
            continue;
        }
        if k == 0 {
            if h.prev_root != zero || check::state_roots(m).0 != task.initial_roots {
                out.push(fault(StepFault::Initial));
            }
        } else {
            let prev = &run.steps[k - 1];
            if let Err(e) = check::check_chain(&prev.manifest, prev.trace_root, m) {
                out.push(fault(StepFault::Chain(e)));
            }
        }
    }
    if let Some(last) = run.steps.last()
        && check::state_roots(&last.manifest).1 != run.final_roots
    {
        out.push(RunRejection::FinalState);
    }
    if run.run_root != Some(run_root(&run.trace_roots())) {
        out.push(RunRejection::RunRoot);
    }
    out
}

/// The files of an audit.
pub struct AuditInput<'a> {
    /// The task file.
    pub task: &'a Path,
    /// The run file.
    pub run: &'a Path,
    /// The challenge file.
    pub challenge: &'a Path,
    /// The verifying key file.
    pub vk: &'a Path,
    /// The bundle files.
    pub bundles: &'a [PathBuf],
}

/// Audits a run: the task against its inputs, the run against the task (every step), the
/// challenge against the run, each bundle against the challenge and the run, then the proofs.
pub fn audit<R: rand::RngCore>(
    input: &AuditInput<'_>,
    rng: &mut R,
) -> Result<AuditReport, AuditError> {
    let task = read_task(input.task)?;
    check_task_inputs(&task)?;
    let vk = crate::keys::read_vk(input.vk).map_err(|e| file_err(input.vk, e.to_string()))?;
    if vk.class.name != task.class {
        return Err(AuditError::Key {
            path: input.vk.to_path_buf(),
            why: "another class",
        });
    }
    if vk.class.samples as u64 != task.samples {
        return Err(AuditError::Key {
            path: input.vk.to_path_buf(),
            why: "its class proves another number of samples than the task says",
        });
    }
    if format!("0x{}", vk.hash) != task.vk_hash.to_string() {
        return Err(AuditError::Key {
            path: input.vk.to_path_buf(),
            why: "another key of the class",
        });
    }
    let run = read_run(input.run)?;
    let challenge = read_challenge(input.challenge)?;
    let root = run_root(&run.trace_roots());
    if challenge.run_root != root || challenge.task_id != task.task_id {
        return Err(AuditError::OtherRun {
            path: input.challenge.to_path_buf(),
            got: challenge.run_root,
            expected: root,
        });
    }
    let bundles = input
        .bundles
        .iter()
        .map(|p| Ok((p.clone(), Bundle::read(p)?)))
        .collect::<Result<Vec<_>, crate::bundle::BundleError>>()
        .map_err(crate::verify::VerifyError::from)?;
    let lay = layout::layout(
        &task.model,
        spotproof_core::commit::TensorHeader {
            tag: Role::Dataset.tag(),
            dtype: spotproof_core::commit::DType::U8,
            rows: 1,
            cols: task.model.widths[0] + 1,
        },
        task.data_seed,
        0,
    );
    let shapes: Vec<(usize, usize)> = lay.headers.iter().map(|h| (h.rows, h.cols)).collect();
    let ops = crate::detection::op_outputs(&lay.ops, &shapes);
    let detection = RunDetection::of(&task, &vk.class.sampling(), &ops);
    let mut report = AuditReport {
        task_id: task.task_id,
        run_root: root,
        challenged: Vec::new(),
        rejections: check_run(&task, &run),
        bundles: None,
        detection,
    };
    let Some(steps) = challenged_steps(&root, &challenge.beacon, task.steps, task.challenge_steps)
    else {
        report.rejections.push(RunRejection::Steps {
            got: run.steps.len() as u64,
            expected: task.steps,
        });
        return Ok(report);
    };
    report.challenged = steps.clone();
    let derived = Challenge::derive(
        task.task_id,
        root,
        task.steps,
        task.challenge_steps,
        challenge.source,
        challenge.beacon,
    );
    if derived.as_ref() != Some(&challenge) {
        report.rejections.push(RunRejection::ChallengeEdited);
    }
    let mut beacons = BTreeMap::new();
    for &s in &steps {
        let b = spotproof_core::run::step_beacon(&root, &challenge.beacon, s);
        if let Some(b) = Beacon::new(b) {
            beacons.insert(s, b);
        }
    }
    let mut proven = std::collections::BTreeSet::new();
    for (path, b) in &bundles {
        let step = b.manifest.header.step;
        let not_runs = |what| RunRejection::NotTheRuns {
            path: path.clone(),
            step,
            what,
        };
        if !beacons.contains_key(&step) {
            report.rejections.push(RunRejection::NotChallenged {
                path: path.clone(),
                step,
            });
            continue;
        }
        let Some(s) = run.steps.get(step as usize) else {
            report.rejections.push(not_runs("trace root"));
            continue;
        };
        if b.trace_root != s.trace_root {
            report.rejections.push(not_runs("trace root"));
        } else if b.worker != run.worker.fr() {
            report.rejections.push(not_runs("worker"));
        } else if b.model != task.model {
            report.rejections.push(not_runs("model configuration"));
        } else {
            proven.insert(step);
        }
    }
    for &s in &steps {
        if !proven.contains(&s) {
            report.rejections.push(RunRejection::Missing(s));
        }
    }
    if !report.rejections.is_empty() {
        return Ok(report);
    }
    let policy = Policy {
        beacon: BeaconPin::Steps(beacons),
        roots: Some(run.trace_roots()),
        allow_gaps: true,
    };
    report.bundles = Some(verify_bundles(&vk, &bundles, &policy, rng)?);
    Ok(report)
}

/// Whether the weights file at `weights` holds a complete run's final state: its configuration
/// is the run's and its tensor roots are the run's final roots (which the audit ties to the last
/// step). `Ok(None)`: it is; `Ok(Some(why))`: it is not.
pub fn check_model(run_path: &Path, weights: &Path) -> Result<Option<&'static str>, AuditError> {
    let run = read_run(run_path)?;
    complete_root(run_path, &run)?;
    let w = Weights::read(weights)?;
    if w.model.config != run.model {
        return Ok(Some("its configuration is not the run's"));
    }
    let last = run
        .steps
        .last()
        .map(|s| check::state_roots(&s.manifest).1)
        .unwrap_or_default();
    if last != run.final_roots {
        return Ok(Some("the run's final roots are not its last step's state"));
    }
    if layout::state_roots(&w.model)? != run.final_roots {
        return Ok(Some("its weights are not the run's final state"));
    }
    Ok(None)
}
