//! The run flow on the worker's side: write a task, run it (train and commit every step, the
//! commitment of earlier steps overlapping the compute of later ones, checkpoints, resumable),
//! and respond to a challenge (replay each challenged step from its checkpoint, prove it).
//!
//! A run directory holds `task.json` (the task it runs), `run.json` (public: every step's
//! manifest and trace root, the final state roots, the run root; rewritten atomically at every
//! checkpoint), `model.bin` (the final weights) and `checkpoints/step-NNNNNN.bin` (private: the
//! state before that step, every [`DEFAULT_CHECKPOINT_EVERY`] steps by default).

use crate::error::{Result, WorkerError};
use crate::prove;
use crate::train::{Backend, DeviceChoice};
use spotproof_circuits::Class;
use spotproof_core::commit::{Fr, TensorCommitment};
use spotproof_core::data::{Dataset, DatasetSpec, Split};
use spotproof_core::ids::{Beacon, BlockHash, WorkerId};
use spotproof_core::layout;
use spotproof_core::model::{Hyper, Model};
use spotproof_core::run::{
    ChallengeSource, Init, RUN_FORMAT, RUN_FORMAT_VERSION, RunFile, RunStep, TASK_FORMAT, Task,
    TaskFields, Word, challenged_steps, run_root, step_beacon,
};
use spotproof_core::sampling;
use spotproof_core::step;
use spotproof_core::trace::{self, Manifest, StepHeader};
use spotproof_core::weights::Weights;
use spotproof_verifier::bundle::BeaconSource;
use spotproof_verifier::files::write_atomic;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Steps between checkpoints unless `--checkpoint-every` says otherwise: a challenged step is
/// replayed from at most 15 steps back (milliseconds of compute against seconds of proving), and
/// a 784-128-10 checkpoint is ~0.3 MB, so an mnist10k epoch (3,750 steps) keeps ~70 MB.
pub const DEFAULT_CHECKPOINT_EVERY: u64 = 16;
/// Steps computed but not yet committed, at most (memory stays bounded: each holds one step's
/// tensors).
pub const MAX_IN_FLIGHT: usize = 4;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WorkerError + '_ {
    move |source| WorkerError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn usage(arg: &'static str, reason: impl Into<String>) -> WorkerError {
    WorkerError::Usage {
        arg,
        reason: reason.into(),
    }
}

fn write_json<T: serde::Serialize>(path: &Path, v: &T, pretty: bool) -> Result<()> {
    let mut bytes = if pretty {
        serde_json::to_vec_pretty(v)
    } else {
        serde_json::to_vec(v)
    }
    .map_err(|e| usage("--out", e.to_string()))?;
    bytes.push(b'\n');
    write_atomic(path, &bytes).map_err(io(path))
}

pub use spotproof_verifier::audit::{read_challenge, read_run, read_task};

/// What `task` is given.
#[derive(Clone, Debug)]
pub struct TaskArgs {
    /// The dataset.
    pub dataset: DatasetSpec,
    /// Steps of the run.
    pub steps: u64,
    /// Hidden widths (ignored with `from`: the earlier run's architecture is kept).
    pub hidden: Vec<usize>,
    /// Rows per step.
    pub batch: usize,
    /// Hyper-parameters.
    pub hyper: Hyper,
    /// Seed of the split, the initial weights and the batch derivation.
    pub seed: u64,
    /// Steps a challenge picks.
    pub challenge_steps: u64,
    /// An earlier run whose final state starts this one.
    pub from: Option<PathBuf>,
    /// The key directory (setup runs there when the class's keys are missing).
    pub keys: PathBuf,
    /// The circuit class (default: the smallest of the model's depth that proves
    /// `sampling::default_samples` of its layers).
    pub class: Option<String>,
}

/// Writes the task `a` describes to `out` (atomically); returns it. Runs the class's setup into
/// `a.keys` if its keys are missing (`log` gets the notice).
pub fn make_task(a: &TaskArgs, out: &Path, log: &mut dyn FnMut(String)) -> Result<Task> {
    if a.steps == 0 {
        return Err(usage("--steps", "must be at least 1"));
    }
    if a.challenge_steps == 0 || a.challenge_steps > a.steps {
        return Err(usage(
            "--challenge-steps",
            format!("must be between 1 and the {} steps", a.steps),
        ));
    }
    let spec = a.dataset.spec();
    let (data, split, dataset) = spotproof_core::run::dataset_of(&spec, a.seed)?;
    let (init, model, data_seed) = match &a.from {
        None => {
            let config = crate::train::model_config(&data, &a.hidden, a.batch, a.hyper);
            (Init::Seed(a.seed), Model::init(config, a.seed)?, a.seed)
        }
        Some(dir) => {
            let run = read_run(&dir.join("run.json"))?;
            let Some(root) = run.run_root.filter(|_| run.complete()) else {
                return Err(usage(
                    "--from",
                    format!("{}: the run is not complete", dir.display()),
                ));
            };
            let weights_path = dir.join("model.bin");
            let w = Weights::read(&weights_path)?;
            if layout::state_roots(&w.model)? != run.final_roots {
                return Err(usage(
                    "--from",
                    format!("{}: not the run's final state", weights_path.display()),
                ));
            }
            // A fresh batch stream: the low 64 bits of keccak256(abi.encode(runRoot, seed)).
            let seed_word = spotproof_core::run::keccak_words(&[root, Word::of_u64(a.seed)]);
            let data_seed = seed_word.low_u64();
            (
                Init::FromRun {
                    run_root: root,
                    // Absolute, so that the task reads the same from any directory; the
                    // initial roots, not the path, bind the state.
                    weights: std::fs::canonicalize(&weights_path).unwrap_or(weights_path),
                },
                w.model,
                data_seed,
            )
        }
    };
    if model.config.widths[0] != data.features() || model.classes() < data.classes {
        return Err(usage(
            "--from",
            "the earlier run's model does not fit this dataset",
        ));
    }
    if split.train.len() < model.config.batch {
        return Err(usage(
            "--batch",
            format!(
                "{} is larger than the {} training rows",
                model.config.batch,
                split.train.len()
            ),
        ));
    }
    let class = match &a.class {
        Some(name) => {
            let c = Class::by_name(name)?;
            c.check(&model.config, split.train.len(), c.samples)?;
            c
        }
        None => Class::smallest_for(
            &model.config,
            split.train.len(),
            sampling::default_samples(model.config.layers()),
        )?,
    };
    let vk_hash = ensure_keys(class, &a.keys, log)?;
    let initial_roots = layout::state_roots(&model)?;
    let fields = TaskFields {
        arch_id: layout::arch_id(&model.config),
        dataset_root: dataset.root,
        data_seed,
        initial_roots,
        steps: a.steps,
        samples: class.samples as u64,
        challenge_steps: a.challenge_steps,
        vk_hash,
    };
    let task = Task {
        format: TASK_FORMAT.into(),
        version: RUN_FORMAT_VERSION,
        task_id: fields.id(),
        dataset: spec,
        split_seed: a.seed,
        dataset_root: fields.dataset_root,
        model: model.config.clone(),
        arch_id: fields.arch_id,
        init,
        initial_roots: fields.initial_roots.clone(),
        data_seed,
        steps: a.steps,
        class: class.name.into(),
        vk_hash,
        samples: fields.samples,
        challenge_steps: a.challenge_steps,
    };
    write_json(out, &task, true)?;
    Ok(task)
}

/// The verifying key hash of `class` from `dir`, after a setup if its keys are missing.
fn ensure_keys(class: Class, dir: &Path, log: &mut dyn FnMut(String)) -> Result<Word> {
    let (pk, vk) = spotproof_verifier::keys::paths(dir, class);
    let hash = if pk.exists() && vk.exists() {
        spotproof_verifier::keys::read_vk(&vk)?.hash
    } else {
        log(crate::demo::SINGLE_PARTY.into());
        log(format!(
            "setup of class {} (once; keys in {}) ...",
            class.name,
            dir.display()
        ));
        prove::setup_keys(class, dir, false)?.1.vk_hash
    };
    format!("0x{hash}")
        .parse()
        .map_err(|e: spotproof_core::CoreError| e.into())
}

/// Progress of a run: steps computed and committed (called from two threads).
pub trait RunProgress: Sync {
    /// A line for the user.
    fn line(&self, text: String);
    /// The run covers `steps` steps, `done` of them already committed (a resume).
    fn start(&self, steps: u64, done: u64);
    /// Steps `..=step` are computed.
    fn computed(&self, step: u64);
    /// Steps `..=step` are committed.
    fn committed(&self, step: u64);
}

/// No progress output.
pub struct Quiet;

impl RunProgress for Quiet {
    fn line(&self, _: String) {}
    fn start(&self, _: u64, _: u64) {}
    fn computed(&self, _: u64) {}
    fn committed(&self, _: u64) {}
}

/// What a finished run reports.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunReport {
    /// The run file.
    pub run: PathBuf,
    /// The final weights.
    pub model: PathBuf,
    /// The run root.
    pub run_root: Word,
    /// Steps of the run.
    pub steps: u64,
    /// Steps this call computed (fewer after a resume).
    pub computed: u64,
    /// Where the steps ran.
    pub device: String,
    /// Wall seconds of this call's steps (compute and commitment, overlapped).
    pub seconds: f64,
    /// Seconds the compute thread spent computing steps.
    pub compute_seconds: f64,
    /// Seconds the commit thread spent committing steps.
    pub commit_seconds: f64,
    /// Bytes of the run file.
    pub run_file_bytes: u64,
}

/// What `run` is given.
#[derive(Clone, Debug)]
pub struct RunArgs {
    /// The task file.
    pub task: PathBuf,
    /// The run directory.
    pub out: PathBuf,
    /// Where the steps run.
    pub device: DeviceChoice,
    /// The worker.
    pub worker: WorkerId,
    /// Continue an interrupted run from its last checkpoint.
    pub resume: bool,
    /// Steps between checkpoints.
    pub checkpoint_every: u64,
}

/// The checkpoint file of the state before `step`.
pub fn checkpoint_path(dir: &Path, step: u64) -> PathBuf {
    dir.join("checkpoints").join(format!("step-{step:06}.bin"))
}

/// The dataset a task names, checked against its root.
fn task_dataset(task: &Task) -> Result<(Dataset, Split, Arc<TensorCommitment>)> {
    let (data, split, c) = spotproof_core::run::dataset_of(&task.dataset, task.split_seed)?;
    if c.root != task.dataset_root {
        return Err(usage(
            "--task",
            format!(
                "the dataset {:?} split by seed {} does not have the task's root",
                task.dataset, task.split_seed
            ),
        ));
    }
    Ok((data, split, Arc::new(c)))
}

/// The initial state a task names, checked against its roots.
fn task_initial(task: &Task) -> Result<Model> {
    let model = match &task.init {
        Init::Seed(seed) => Model::init(task.model.clone(), *seed)?,
        Init::FromRun { weights, .. } => Weights::read(weights)?.model,
    };
    if model.config != task.model || layout::state_roots(&model)? != task.initial_roots {
        return Err(usage(
            "--task",
            "the initial weights are not the task's (their roots differ)",
        ));
    }
    Ok(model)
}

/// The batch rows of step `t` (indices into the dataset).
fn batch_rows(task: &Task, split: &Split, t: u64) -> Vec<u32> {
    sampling::batch_indices(task.data_seed, t, task.model.batch, split.train.len())
        .iter()
        .map(|&i| split.train[i as usize])
        .collect()
}

fn header(task: &Task, worker: &WorkerId, step: u64, prev_root: Fr) -> StepHeader {
    StepHeader {
        arch_id: task.arch_id,
        step,
        prev_root,
        dataset_root: task.dataset_root,
        data_seed: task.data_seed,
        worker: worker.fr(),
    }
}

/// One computed step on its way to the committer.
struct Computed {
    step: u64,
    values: Vec<Vec<i64>>,
    /// The state after the step, when a checkpoint follows it.
    checkpoint: Option<Model>,
}

/// Where a resumed run starts: the steps already committed and the state before the next.
struct Start {
    steps: Vec<RunStep>,
    model: Model,
}

/// The latest checkpoint consistent with the run file: its state, the file's steps before it.
fn resume_point(dir: &Path, task: &Task, worker: &WorkerId) -> Result<Start> {
    let run = read_run(&dir.join("run.json"))?;
    if run.task_id != task.task_id || run.worker != *worker {
        return Err(usage(
            "--resume",
            format!(
                "{}: a run of another task or worker",
                dir.join("run.json").display()
            ),
        ));
    }
    let mut candidates: Vec<u64> = std::fs::read_dir(dir.join("checkpoints"))
        .map_err(io(&dir.join("checkpoints")))?
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_prefix("step-")?
                .strip_suffix(".bin")?
                .parse()
                .ok()
        })
        .filter(|&c| c <= run.steps.len() as u64)
        .collect();
    candidates.sort_unstable();
    for c in candidates.into_iter().rev() {
        let Ok(w) = Weights::read(&checkpoint_path(dir, c)) else {
            continue;
        };
        let prev = match c {
            0 => Fr::from(0u64),
            _ => run.steps[c as usize - 1].trace_root,
        };
        if w.step == c && w.prev_root == prev && w.model.config == task.model {
            let mut steps = run.steps;
            steps.truncate(c as usize);
            return Ok(Start {
                steps,
                model: w.model,
            });
        }
    }
    Err(usage(
        "--resume",
        format!("{}: no checkpoint matches the run file", dir.display()),
    ))
}

/// Runs a task: trains every step, commits each (a commit thread behind the compute, at most
/// [`MAX_IN_FLIGHT`] steps apart), writes checkpoints and the run file as it goes, then the
/// final model and the complete run file with its root.
pub fn run_task(a: &RunArgs, progress: &dyn RunProgress) -> Result<RunReport> {
    if a.checkpoint_every == 0 {
        return Err(usage("--checkpoint-every", "must be at least 1"));
    }
    let task = read_task(&a.task)?;
    let dir = &a.out;
    let run_path = dir.join("run.json");
    if !a.resume && run_path.exists() {
        return Err(usage(
            "--out",
            format!(
                "{} exists: give --resume to continue it, or another directory",
                run_path.display()
            ),
        ));
    }
    let (data, split, dataset) = task_dataset(&task)?;
    std::fs::create_dir_all(dir.join("checkpoints")).map_err(io(dir))?;
    let start = if a.resume {
        resume_point(dir, &task, &a.worker)?
    } else {
        let model = task_initial(&task)?;
        write_json(&dir.join("task.json"), &task, true)?;
        let w = Weights {
            step: 0,
            prev_root: Fr::from(0u64),
            model: model.clone(),
        };
        write_atomic(&checkpoint_path(dir, 0), &w.to_bytes()).map_err(io(dir))?;
        Start {
            steps: Vec::new(),
            model,
        }
    };
    let first = start.steps.len() as u64;
    let mut file = RunFile {
        format: RUN_FORMAT.into(),
        version: RUN_FORMAT_VERSION,
        task_id: task.task_id,
        worker: a.worker,
        model: task.model.clone(),
        steps_total: task.steps,
        challenge_steps: task.challenge_steps,
        steps: start.steps,
        final_roots: Vec::new(),
        run_root: None,
    };
    write_json(&run_path, &file, false)?;
    progress.start(task.steps, first);
    let mut before = start.model;
    let mut backend = Backend::open(a.device, before.clone(), &data, &mut |l| progress.line(l))?;
    let device = backend.device_name();
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Computed>(MAX_IN_FLIGHT);
    let every = a.checkpoint_every;
    let (compute_seconds, commit) = std::thread::scope(|s| {
        let committer = s.spawn(|| -> Result<(RunFile, f64)> {
            let mut file = file.clone();
            let mut busy = 0.0;
            let mut last: Option<trace::Trace> = None;
            for c in rx {
                let t0 = Instant::now();
                let prev = file.steps.last().map_or(Fr::from(0u64), |s| s.trace_root);
                let h = header(&task, &a.worker, c.step, prev);
                let tr =
                    trace::commit_values_after(&task.model, &c.values, &dataset, h, last.as_ref())?;
                file.steps.push(RunStep {
                    trace_root: tr.root,
                    manifest: Manifest::of(&tr),
                });
                if let Some(model) = c.checkpoint {
                    // The run file first: a checkpoint is used only when the file covers it.
                    write_json(&run_path, &file, false)?;
                    let w = Weights {
                        step: c.step + 1,
                        prev_root: tr.root,
                        model,
                    };
                    let p = checkpoint_path(dir, c.step + 1);
                    write_atomic(&p, &w.to_bytes()).map_err(io(&p))?;
                }
                last = Some(tr);
                busy += t0.elapsed().as_secs_f64();
                progress.committed(c.step);
            }
            Ok((file, busy))
        });
        let mut compute = 0.0;
        let mut result = Ok(());
        for t in first..task.steps {
            let t0 = Instant::now();
            let rows = batch_rows(&task, &split, t);
            let stepped = backend
                .step_full(&data, &rows)
                .and_then(|tensors| Ok((layout::step_values(&before, &tensors)?, tensors)));
            let (values, tensors) = match stepped {
                Ok(v) => v,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            before.layers = tensors.layers;
            let checkpoint = ((t + 1) % every == 0 || t + 1 == task.steps).then(|| before.clone());
            compute += t0.elapsed().as_secs_f64();
            progress.computed(t);
            if tx
                .send(Computed {
                    step: t,
                    values,
                    checkpoint,
                })
                .is_err()
            {
                break; // the committer stopped: its error is the one to report
            }
        }
        drop(tx);
        let committed = committer
            .join()
            .unwrap_or_else(|_| Err(usage("--out", "the commit thread panicked")));
        (compute, result.and(committed))
    });
    let (done, commit_seconds) = commit?;
    file = done;
    let seconds = started.elapsed().as_secs_f64();
    let last_root = file.steps.last().map_or(Fr::from(0u64), |s| s.trace_root);
    let model_path = dir.join("model.bin");
    let w = Weights {
        step: task.steps,
        prev_root: last_root,
        model: before.clone(),
    };
    write_atomic(&model_path, &w.to_bytes()).map_err(io(&model_path))?;
    file.final_roots = layout::state_roots(&before)?;
    let root = run_root(&file.trace_roots());
    file.run_root = Some(root);
    write_json(&run_path, &file, false)?;
    let run_file_bytes = std::fs::metadata(&run_path).map_or(0, |m| m.len());
    Ok(RunReport {
        run: run_path,
        model: model_path,
        run_root: root,
        steps: task.steps,
        computed: task.steps - first,
        device,
        seconds,
        compute_seconds,
        commit_seconds,
        run_file_bytes,
    })
}

/// What a response reports.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RespondReport {
    /// The bundles written, in step order.
    pub bundles: Vec<PathBuf>,
    /// The challenged steps.
    pub steps: Vec<u64>,
    /// Seconds replaying each step from its checkpoint (and recommitting it).
    pub replay_seconds: Vec<f64>,
    /// Seconds proving each step.
    pub prove_seconds: Vec<f64>,
    /// Peak resident memory of the process, bytes (Linux; 0 elsewhere).
    pub peak_bytes: u64,
}

/// Peak resident set size of this process (VmHWM), bytes.
pub fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Replays step `s` of a run from its nearest checkpoint on the CPU reference and recommits it;
/// refuses when its root is not the run's. Returns the trace and the checkpoint it started from.
#[allow(clippy::too_many_arguments)]
fn replay_in(
    run_dir: &Path,
    task: &Task,
    run: &RunFile,
    data: &Dataset,
    split: &Split,
    dataset: &Arc<TensorCommitment>,
    s: u64,
) -> Result<(trace::Trace, u64)> {
    let committed = run
        .steps
        .get(s as usize)
        .ok_or_else(|| usage("--run", format!("the run has no step {s}")))?;
    let from = (0..=s)
        .rev()
        .find(|&c| checkpoint_path(run_dir, c).exists())
        .ok_or_else(|| usage("--run", format!("no checkpoint at or before step {s}")))?;
    let w = Weights::read(&checkpoint_path(run_dir, from))?;
    let mut model = w.model;
    for t in from..s {
        step::train_step(&mut model, data, &batch_rows(task, split, t))?;
    }
    let before = model.clone();
    let tensors = step::train_step(&mut model, data, &batch_rows(task, split, s))?;
    let prev = match s {
        0 => Fr::from(0u64),
        _ => run.steps[s as usize - 1].trace_root,
    };
    let h = header(task, &run.worker, s, prev);
    let tr = trace::commit_step(&before, &tensors, dataset, h)?;
    if tr.root != committed.trace_root {
        return Err(usage(
            "--run",
            format!("step {s} replayed from checkpoint {from} does not recommit to the run's root"),
        ));
    }
    Ok((tr, from))
}

/// Replays step `s` of the run in `run_dir` (its `task.json`, `run.json` and checkpoints) and
/// recommits it, refusing a root that is not the run's: the trace a proof of that step needs.
pub fn replay(run_dir: &Path, s: u64) -> Result<trace::Trace> {
    let task = read_task(&run_dir.join("task.json"))?;
    let run = read_run(&run_dir.join("run.json"))?;
    let (data, split, dataset) = task_dataset(&task)?;
    Ok(replay_in(run_dir, &task, &run, &data, &split, &dataset, s)?.0)
}

/// The challenge a RunRegistry draws for the run in `run_dir` from its sealed beacon block's
/// hash (what `spotproof-validator challenge --block-hash` derives), written to
/// `out/challenge.json` for [`respond`] and the audit.
pub fn block_challenge(run_dir: &Path, hash: &BlockHash, out: &Path) -> Result<PathBuf> {
    let run_path = run_dir.join("run.json");
    let run = read_run(&run_path)?;
    let c = spotproof_verifier::audit::challenge_of(
        &run_path,
        &run,
        ChallengeSource::BlockHash,
        Word(hash.0),
    )?;
    std::fs::create_dir_all(out).map_err(io(out))?;
    let path = out.join("challenge.json");
    let mut text =
        serde_json::to_vec_pretty(&c).map_err(|e| usage("--block-hash", e.to_string()))?;
    text.push(b'\n');
    write_atomic(&path, &text).map_err(io(&path))?;
    Ok(path)
}

/// Answers a challenge: for each challenged step (recomputed from the run root and the beacon,
/// not read from the file), replays it from the nearest checkpoint on the CPU reference,
/// recommits it (refusing when the root is not the run's), proves it under its step beacon and
/// writes `out/step-NNNNNN.json`.
pub fn respond(
    run_dir: &Path,
    challenge: &Path,
    keys: &Path,
    out: &Path,
    log: &mut dyn FnMut(String),
) -> Result<RespondReport> {
    let task = read_task(&run_dir.join("task.json"))?;
    let run = read_run(&run_dir.join("run.json"))?;
    let Some(root) = run.run_root.filter(|_| run.complete()) else {
        return Err(usage("--run", "the run is not complete"));
    };
    let c = read_challenge(challenge)?;
    if c.run_root != root || c.task_id != task.task_id {
        return Err(usage(
            "--challenge",
            format!("{}: a challenge of another run", challenge.display()),
        ));
    }
    let Some(steps) = challenged_steps(&root, &c.beacon, run.steps_total, task.challenge_steps)
    else {
        return Err(usage(
            "--challenge",
            "the task's challenge size does not fit the run",
        ));
    };
    let class = Class::by_name(&task.class)?;
    let (pk, key_files) = prove::load_pk(class, keys)?;
    if format!("0x{}", key_files.vk_hash) != task.vk_hash.to_string() {
        return Err(usage(
            "--keys",
            format!("{}: not the task's verifying key", key_files.vk.display()),
        ));
    }
    let (data, split, dataset) = task_dataset(&task)?;
    std::fs::create_dir_all(out).map_err(io(out))?;
    let mut report = RespondReport {
        bundles: Vec::new(),
        steps: steps.clone(),
        replay_seconds: Vec::new(),
        prove_seconds: Vec::new(),
        peak_bytes: 0,
    };
    for &s in &steps {
        let t0 = Instant::now();
        let (tr, from) = replay_in(run_dir, &task, &run, &data, &split, &dataset, s)?;
        report.replay_seconds.push(t0.elapsed().as_secs_f64());
        let beacon = Beacon::new(step_beacon(&root, &c.beacon, s))
            .ok_or_else(|| usage("--challenge", "a step beacon above 2^93"))?;
        log(format!(
            "step {s}: replayed from checkpoint {from}, proving {} samples ...",
            class.samples
        ));
        let t1 = Instant::now();
        let b = prove::prove_trace(
            &pk,
            &key_files,
            &task.model,
            &tr,
            beacon,
            BeaconSource::External,
        )?;
        report.prove_seconds.push(t1.elapsed().as_secs_f64());
        let path = out.join(format!("step-{s:06}.json"));
        b.write(&path).map_err(io(&path))?;
        report.bundles.push(path);
    }
    report.peak_bytes = peak_rss();
    Ok(report)
}
