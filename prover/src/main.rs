//! `spotproof-worker`: trains integer-only models on the GPU (or the CPU reference), commits
//! and proves their steps.

use clap::{Parser, Subcommand};
use spotproof_circuits::Class;
use spotproof_core::ids::{Beacon, BlockHash, WorkerId};
use spotproof_core::model::Hyper;
use spotproof_prover::demo::{self, SINGLE_PARTY};
use spotproof_prover::progress::Bar;
use spotproof_prover::train::{self, DatasetSpec, DeviceChoice, TrainConfig};
use spotproof_prover::{pipeline, prove};
use spotproof_verifier::cli::{self, Outcome};
use spotproof_verifier::outln;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod run_cmds;

/// The spotproof worker: integer-only training whose every step can be checked.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train an MLP with the integer-only step and report per-epoch loss and accuracy.
    Train(TrainArgs),
    /// Write a task: everything that determines a run (architecture, hyper-parameters, dataset
    /// root, data seed, initial state, steps, circuit class and key, challenge size) and its id.
    Task(TaskCliArgs),
    /// Run a task: train every step (GPU or CPU), commit each as it goes, write the run file,
    /// checkpoints and the final model into a run directory.
    Run {
        /// The task file.
        #[arg(long)]
        task: PathBuf,
        /// The run directory.
        #[arg(long)]
        out: PathBuf,
        /// Where the steps run.
        #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
        device: DeviceChoice,
        /// The worker id, an EVM address (default: the demo's id).
        #[arg(long)]
        worker: Option<WorkerId>,
        /// Continue an interrupted run from its last checkpoint.
        #[arg(long)]
        resume: bool,
        /// Steps between checkpoints.
        #[arg(long, default_value_t = spotproof_prover::run::DEFAULT_CHECKPOINT_EVERY)]
        checkpoint_every: u64,
        /// Print one JSON object with the results on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Verifiable inference: run the forward passes of a batch of queries (GPU, CPU fallback),
    /// commit the inference trace (its model roots are the run's final state), write
    /// `OUT/inference.json`, `OUT/predictions.txt` (one line per query: index, prediction, and
    /// with labels the label and whether it is right) and the private copies `respond` needs.
    Infer {
        #[command(flatten)]
        model: ModelArgs,
        /// The queries: an IDX image file, or `IMAGES,LABELS` (an IDX pair).
        #[arg(long)]
        inputs: String,
        #[command(flatten)]
        common: InferCommon,
    },
    /// Verifiable evaluation: `infer` on a labelled test set, claiming the model's accuracy with
    /// one published correctness bit per test row.
    Evaluate {
        #[command(flatten)]
        model: ModelArgs,
        /// The test set: `IMAGES,LABELS` (an IDX pair), or `heldout` (the held-out split of the
        /// run's task dataset; needs --run).
        #[arg(long)]
        test: String,
        #[command(flatten)]
        common: InferCommon,
    },
    /// Print the RunRegistry's `commit(taskId, runRoot, runFileHash)` call for a complete run
    /// (send it from the run's worker address with the task's bond as value).
    CommitRun {
        /// The run directory (its `task.json` and `run.json`).
        #[arg(long)]
        run: PathBuf,
        /// Print one JSON object: task id, run root, run file hash and the call.
        #[arg(long)]
        json: bool,
    },
    /// Answer a validator's challenge: replay each challenged step from its checkpoint, check
    /// it recommits to the run's root, prove it under its step beacon, write the bundles.
    Respond {
        /// The run directory.
        #[arg(long)]
        run: PathBuf,
        /// The challenge file.
        #[arg(
            long,
            required_unless_present = "block_hash",
            conflicts_with = "block_hash"
        )]
        challenge: Option<PathBuf>,
        /// The hash of the run's sealed beacon block on the RunRegistry (0x and 64 hex digits):
        /// the challenge is derived from it as the registry does, and written to
        /// `OUT/challenge.json`.
        #[arg(long)]
        block_hash: Option<BlockHash>,
        /// The key directory (the task's class).
        #[arg(long)]
        keys: PathBuf,
        /// Directory for the bundles (`step-NNNNNN.json`).
        #[arg(long)]
        out: PathBuf,
        /// Print one JSON object with the results on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Generate the proving and verifying keys of a circuit class (single-party setup).
    Setup {
        /// The class (e.g. mlp2-s64-r128; see papers/protocol.md §7.3).
        #[arg(long)]
        class: String,
        /// Directory for `<class>.pk` and `<class>.vk`.
        #[arg(long)]
        out: PathBuf,
        /// Replace existing keys.
        #[arg(long)]
        force: bool,
    },
    /// Keys from a multi-party ceremony (snarkjs; `scripts/ceremony.sh` runs one): export a
    /// class's constraint system, import the ceremony's final key.
    #[command(subcommand)]
    Ceremony(CeremonyCmd),
    /// Train and commit steps of the digits model; write one trace file per step and print the
    /// trace roots (publish them, then wait for the beacon).
    Commit {
        /// Output directory for `step-NNNNNN.trace.json`.
        #[arg(long)]
        out: PathBuf,
        /// Steps to train and commit.
        #[arg(long, default_value_t = 1)]
        steps: usize,
        /// Where the step runs.
        #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
        device: DeviceChoice,
        /// Seed of the split and the initial weights, and of the batch derivation.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The worker id, an EVM address (the StepRegistry's sender): `0x` and 40 hex digits, or
        /// 64 hex digits of a number below 2^160 (default: the demo's id).
        #[arg(long)]
        worker: Option<WorkerId>,
    },
    /// Prove a committed step (a trace file) under a beacon received after the commitment.
    Prove {
        /// The trace file `commit` wrote.
        #[arg(long)]
        trace: PathBuf,
        /// The beacon (64 hex digits of a number below 2^93), e.g. a validator's challenge.
        #[arg(
            long,
            required_unless_present = "block_hash",
            conflicts_with = "block_hash"
        )]
        beacon: Option<Beacon>,
        /// The hash of the commitment's beacon block (`0x` and 64 hex digits), as the on-chain
        /// StepRegistry reads it: the beacon is the hash's low 93 bits.
        #[arg(long)]
        block_hash: Option<BlockHash>,
        /// The key directory (`setup --out`).
        #[arg(long)]
        keys: PathBuf,
        /// The bundle to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// The run flow on the digits model: a task (setup if the keys are missing), the run (train
    /// and commit every step), the validator's random challenge, the response (prove the
    /// challenged steps), the audit (exit 1 if it rejects the run).
    Demo {
        /// Output directory: `keys/`, `task.json`, `run/`, `challenge.json`, `bundles/` and
        /// `audit.json` go there (an earlier demo's run, challenge and bundles are replaced).
        #[arg(long)]
        out: PathBuf,
        /// Steps of the run (2 of them are challenged and proven).
        #[arg(long, default_value_t = 8)]
        steps: usize,
        /// Hidden layer widths, comma-separated (1 to 4 layers; a deeper model takes its depth's
        /// class, e.g. `64,64` → `mlp3-s63-r128`).
        #[arg(long, default_value = "128", value_delimiter = ',')]
        hidden: Vec<usize>,
        /// Where the step runs.
        #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
        device: DeviceChoice,
        /// Seed of the split and the initial weights, and of the batch derivation.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print one JSON object with the results on stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
#[group(required = true, multiple = false)]
struct ModelArgs {
    /// A complete run's directory: its final model, which must be the run's final state.
    #[arg(long)]
    run: Option<PathBuf>,
    /// A weights file (`model.bin`).
    #[arg(long)]
    model: Option<PathBuf>,
}

#[derive(clap::Args)]
pub(crate) struct InferCommon {
    /// Output directory.
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Where the forward passes run.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub(crate) device: DeviceChoice,
    /// The worker id, an EVM address (default: the demo's id).
    #[arg(long)]
    pub(crate) worker: Option<WorkerId>,
    /// The inference class (default: the smallest that fits the model and the queries).
    #[arg(long)]
    pub(crate) class: Option<String>,
    /// Print one JSON object with the results on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(clap::Args)]
struct TrainArgs {
    /// Dataset: `digits` (embedded, default), `mnist10k` (embedded), or `IMAGES,LABELS` (an IDX
    /// pair, gzipped or not, e.g. the full MNIST).
    #[arg(long, default_value = "digits")]
    dataset: DatasetSpec,
    /// A separate test set as `IMAGES,LABELS`; without it 20% of the dataset is held out by seed.
    #[arg(long, value_parser = parse_pair)]
    test: Option<(PathBuf, PathBuf)>,
    /// Passes over the training rows.
    #[arg(long, default_value_t = 15)]
    epochs: usize,
    /// Rows per training step.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Hidden layer widths, comma-separated (e.g. `128` or `256,64`).
    #[arg(long, default_value = "128", value_delimiter = ',')]
    hidden: Vec<usize>,
    /// Seed of the split, the shuffles and the initial weights.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where the step runs: `auto` takes a hardware GPU, else the CPU reference (a software
    /// adapter such as lavapipe runs only with `gpu` or SPOTPROOF_REQUIRE_GPU=1).
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    device: DeviceChoice,
    /// Master weights move by `grad >> lr-shift` per step.
    #[arg(long, default_value_t = Hyper::default().lr_shift)]
    lr_shift: u32,
    /// Biases move by `grad >> bias-lr-shift` per step.
    #[arg(long, default_value_t = Hyper::default().bias_lr_shift)]
    bias_lr_shift: u32,
    /// The one-hot target's value at the true class (int8 logit units).
    #[arg(long, default_value_t = Hyper::default().target)]
    target: i8,
    /// Error propagation amplifies hidden-layer errors by `2^back-gain`.
    #[arg(long, default_value_t = Hyper::default().back_gain)]
    back_gain: u32,
    /// Print one JSON object with the results on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum CeremonyCmd {
    /// Write a class's constraint system as an iden3 `.r1cs` file (for `snarkjs groth16 setup`).
    R1cs {
        /// The class.
        #[arg(long)]
        class: String,
        /// The `.r1cs` file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Import a ceremony's final `.zkey` as the class's keys (`<class>.pk`, `<class>.vk`),
    /// refused unless it is the class's circuit. Run `snarkjs zkey verify` on it first.
    Import {
        /// The class.
        #[arg(long)]
        class: String,
        /// The ceremony's final key.
        #[arg(long)]
        zkey: PathBuf,
        /// Directory for `<class>.pk` and `<class>.vk`.
        #[arg(long)]
        out: PathBuf,
        /// Replace existing keys.
        #[arg(long)]
        force: bool,
    },
}

#[derive(clap::Args)]
struct TaskCliArgs {
    /// Dataset: `digits`, `mnist10k` (both embedded) or `IMAGES,LABELS` (an IDX pair).
    #[arg(long, default_value = "digits")]
    dataset: DatasetSpec,
    /// Steps of the run.
    #[arg(long)]
    steps: u64,
    /// Hidden layer widths, comma-separated.
    #[arg(long, default_value = "128", value_delimiter = ',')]
    hidden: Vec<usize>,
    /// Rows per training step.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Seed of the split, the initial weights and the batch derivation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Steps a challenge picks (and the worker proves).
    #[arg(long, default_value_t = 4)]
    challenge_steps: u64,
    /// Start from the final state of an earlier run (its directory): a long training is a chain
    /// of runs.
    #[arg(long)]
    from: Option<PathBuf>,
    /// The key directory (the class's setup runs there if its keys are missing).
    #[arg(long, default_value = "keys")]
    keys: PathBuf,
    /// The circuit class (default: the smallest of the model's depth that proves its default
    /// samples per step: 64 for two layers, 63, 56, 70 for 3, 4, 5).
    #[arg(long)]
    class: Option<String>,
    /// Master weights move by `grad >> lr-shift` per step.
    #[arg(long, default_value_t = Hyper::default().lr_shift)]
    lr_shift: u32,
    /// Biases move by `grad >> bias-lr-shift` per step.
    #[arg(long, default_value_t = Hyper::default().bias_lr_shift)]
    bias_lr_shift: u32,
    /// The task file to write.
    #[arg(long)]
    out: PathBuf,
    /// Print the task as JSON on stdout.
    #[arg(long)]
    json: bool,
}

fn parse_pair(s: &str) -> Result<(PathBuf, PathBuf), String> {
    match s.split_once(',') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.into(), b.into())),
        _ => Err(format!("expected IMAGES,LABELS, got {s:?}")),
    }
}

fn model_source(m: ModelArgs) -> spotproof_prover::infer::ModelSource {
    match (m.run, m.model) {
        (Some(r), _) => spotproof_prover::infer::ModelSource::Run(r),
        (None, Some(w)) => spotproof_prover::infer::ModelSource::Weights(w),
        // clap requires exactly one of them.
        (None, None) => spotproof_prover::infer::ModelSource::Weights(PathBuf::new()),
    }
}

/// What a handler returns: an outcome, or a usage or I/O error (exit 2).
type Handled = Result<Outcome, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let cli: Cli = match cli::parse() {
        Ok(c) => c,
        Err(code) => return code,
    };
    cli::exit(match cli.command {
        Command::Train(args) => train_cmd(args),
        Command::Task(a) => run_cmds::task(
            &spotproof_prover::run::TaskArgs {
                dataset: a.dataset,
                steps: a.steps,
                hidden: a.hidden,
                batch: a.batch,
                hyper: Hyper {
                    lr_shift: a.lr_shift,
                    bias_lr_shift: a.bias_lr_shift,
                    ..Hyper::default()
                },
                seed: a.seed,
                challenge_steps: a.challenge_steps,
                from: a.from,
                keys: a.keys,
                class: a.class,
            },
            &a.out,
            a.json,
        ),
        Command::Run {
            task,
            out,
            device,
            worker,
            resume,
            checkpoint_every,
            json,
        } => run_cmds::run(
            &spotproof_prover::run::RunArgs {
                task,
                out,
                device,
                worker: worker.unwrap_or_else(demo::demo_worker),
                resume,
                checkpoint_every,
            },
            json,
        ),
        Command::Respond {
            run,
            challenge,
            block_hash,
            keys,
            out,
            json,
        } => {
            // A directory of a committed inference, or a run's.
            let inference = spotproof_prover::infer::is_inference_dir(&run);
            let challenge: Result<PathBuf, Box<dyn std::error::Error>> =
                match (challenge, block_hash) {
                    (Some(c), _) => Ok(c),
                    (None, Some(h)) if inference => {
                        spotproof_prover::infer::block_challenge(&run, &h, &out).map_err(Into::into)
                    }
                    (None, Some(h)) => {
                        spotproof_prover::run::block_challenge(&run, &h, &out).map_err(Into::into)
                    }
                    (None, None) => Err("--challenge or --block-hash is required".into()),
                };
            challenge.and_then(|c| {
                if inference {
                    run_cmds::respond_inference(&run, &c, &keys, &out, json)
                } else {
                    run_cmds::respond(&run, &c, &keys, &out, json)
                }
            })
        }
        Command::Infer {
            model,
            inputs,
            common,
        } => {
            let queries = match inputs.split_once(',') {
                Some((i, l)) => spotproof_prover::infer::Queries::Idx(i.into(), Some(l.into())),
                None => spotproof_prover::infer::Queries::Idx(inputs.into(), None),
            };
            run_cmds::infer(model_source(model), queries, common)
        }
        Command::Evaluate {
            model,
            test,
            common,
        } => {
            let queries = match test.as_str() {
                "heldout" => Ok(spotproof_prover::infer::Queries::Heldout),
                t => parse_pair(t)
                    .map(|(i, l)| spotproof_prover::infer::Queries::Idx(i, Some(l)))
                    .map_err(|e| format!("invalid value for --test: {e} (or heldout)")),
            };
            match queries {
                Ok(q) => run_cmds::infer(model_source(model), q, common),
                Err(e) => Err(e.into()),
            }
        }
        Command::CommitRun { run, json } => run_cmds::commit_run(&run, json),
        Command::Setup { class, out, force } => setup_cmd(&class, &out, force),
        Command::Ceremony(c) => ceremony_cmd(c),
        Command::Demo {
            out,
            steps,
            hidden,
            device,
            seed,
            json,
        } => demo_cmd(&out, steps, &hidden, device, seed, json),
        Command::Commit {
            out,
            steps,
            device,
            seed,
            worker,
        } => commit_cmd(&out, steps, device, seed, worker),
        Command::Prove {
            trace,
            beacon,
            block_hash,
            keys,
            out,
        } => {
            // clap requires exactly one of the two.
            match beacon.or(block_hash.map(|h| h.beacon())) {
                Some(b) => prove_cmd(&trace, b, &keys, &out),
                None => Err("give one of --beacon and --block-hash".into()),
            }
        }
    })
}

fn train_cmd(a: TrainArgs) -> Handled {
    let cfg = TrainConfig {
        dataset: a.dataset,
        test: a.test,
        epochs: a.epochs,
        batch: a.batch,
        hidden: a.hidden,
        seed: a.seed,
        device: a.device,
        hyper: Hyper {
            lr_shift: a.lr_shift,
            bias_lr_shift: a.bias_lr_shift,
            target: a.target,
            back_gain: a.back_gain,
        },
    };
    let mut progress = Bar::steps();
    let report = train::run(&cfg, &mut progress);
    progress.finish();
    let report = report?;
    cli::errln(format_args!(
        "{} on {}: {} steps in {:.1} s, train accuracy {:.4}, test accuracy {:.4}",
        report.dataset,
        report.device,
        report.steps,
        report.seconds,
        report.train_accuracy,
        report.test_accuracy
    ));
    if a.json {
        outln!("{}", serde_json::to_string(&report)?)?;
    }
    Ok(Outcome::Verified)
}

fn setup_cmd(class: &str, out: &Path, force: bool) -> Handled {
    let class = Class::by_name(class)?;
    cli::errln(format_args!("{SINGLE_PARTY}"));
    cli::errln(format_args!(
        "setting up class {} ({} samples, rows up to {}) ...",
        class.name,
        class.samples,
        class.max_row()
    ));
    let start = std::time::Instant::now();
    let (_, k) = prove::setup_keys(class, out, force)?;
    cli::errln(format_args!(
        "done in {:.1} s",
        start.elapsed().as_secs_f64()
    ));
    print_keys(&k)
}

/// The key files written and their hashes.
fn print_keys(k: &prove::KeyFiles) -> Handled {
    outln!(
        "proving key   {}  sha256 {}",
        k.pk.display(),
        k.pk_file_hash
    )?;
    outln!("verifying key {}  vk hash {}", k.vk.display(), k.vk_hash)?;
    Ok(Outcome::Verified)
}

fn ceremony_cmd(c: CeremonyCmd) -> Handled {
    match c {
        CeremonyCmd::R1cs { class, out } => {
            let class = Class::by_name(&class)?;
            let bytes = spotproof_circuits::ceremony::r1cs(class)
                .map_err(spotproof_prover::WorkerError::from)?;
            spotproof_verifier::files::write_atomic(&out, &bytes).map_err(|source| {
                spotproof_prover::WorkerError::Io {
                    path: out.clone(),
                    source,
                }
            })?;
            outln!(
                "class {} constraint system -> {} ({} bytes)",
                class.name,
                out.display(),
                bytes.len()
            )?;
        }
        CeremonyCmd::Import {
            class,
            zkey,
            out,
            force,
        } => {
            let class = Class::by_name(&class)?;
            let (_, k) = prove::import_keys(class, &zkey, &out, force)?;
            return print_keys(&k);
        }
    }
    Ok(Outcome::Verified)
}

fn commit_cmd(
    out: &Path,
    steps: usize,
    device: DeviceChoice,
    seed: u64,
    worker: Option<WorkerId>,
) -> Handled {
    let cfg = demo::digits_config(seed, device);
    let mut bar = Bar::steps();
    let files = pipeline::commit_to_dir(
        &cfg,
        steps,
        worker.unwrap_or_else(demo::demo_worker),
        out,
        &mut bar,
    );
    bar.finish();
    for f in files? {
        outln!("{}  {}", f.root, f.path.display())?;
    }
    Ok(Outcome::Verified)
}

fn prove_cmd(trace: &Path, beacon: Beacon, keys: &Path, out: &Path) -> Handled {
    let (_, seconds) = prove::prove_trace_file(trace, beacon, keys, out)?;
    cli::errln(format_args!("proved and self-verified in {seconds:.1} s"));
    outln!("{}", out.display())?;
    Ok(Outcome::Verified)
}

fn demo_cmd(
    out: &Path,
    steps: usize,
    hidden: &[usize],
    device: DeviceChoice,
    seed: u64,
    json: bool,
) -> Handled {
    let (report, audit) = demo::run(out, steps, hidden, device, seed, &mut |line| {
        cli::errln(format_args!("{line}"))
    })?;
    cli::errln(format_args!(
        "      per op of a challenged step: {}",
        report.detection.per_op.describe()
    ));
    cli::errln(format_args!(
        "audit with: spotproof-validator audit --task {} --run {} --challenge {} --vk {} {}",
        report.task.display(),
        report.run.display(),
        report.challenge.display(),
        report.vk.display(),
        report
            .bundles
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    ));
    if json {
        outln!("{}", serde_json::to_string(&report)?)?;
    }
    Ok(Outcome::of(audit.reasons()))
}
