//! `spotproof-worker`: trains integer-only models on the GPU (or the CPU reference), commits
//! and proves their steps.

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use spotproof_circuits::Class;
use spotproof_core::model::Hyper;
use spotproof_prover::prove;
use spotproof_prover::train::{self, DatasetSpec, DeviceChoice, Progress, TrainConfig};
use spotproof_verifier::solidity;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

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
        worker: Option<String>,
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
        beacon: Option<String>,
        /// The hash of the commitment's beacon block (`0x` and 64 hex digits), as the on-chain
        /// StepRegistry reads it: the beacon is the hash's low 93 bits.
        #[arg(long)]
        block_hash: Option<String>,
        /// The key directory (`setup --out`).
        #[arg(long)]
        keys: PathBuf,
        /// The bundle to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// The whole chain on the digits model: setup if the keys are missing, train N steps,
    /// commit, derive the beacon (Fiat-Shamir), prove, self-verify, write bundles.
    Demo {
        /// Output directory: `keys/` and `bundles/` go there.
        #[arg(long)]
        out: PathBuf,
        /// Steps to train and prove.
        #[arg(long, default_value_t = 2)]
        steps: usize,
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
    /// Where the step runs: `auto` uses the GPU when an adapter exists.
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

fn parse_pair(s: &str) -> Result<(PathBuf, PathBuf), String> {
    match s.split_once(',') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.into(), b.into())),
        _ => Err(format!("expected IMAGES,LABELS, got {s:?}")),
    }
}

/// Progress on stderr: a bar per epoch when stderr is a terminal, plain lines otherwise.
struct Bar {
    bar: ProgressBar,
}

impl Progress for Bar {
    fn line(&mut self, text: String) {
        self.bar.suspend(|| eprintln!("{text}"));
    }
    fn epoch_start(&mut self, epoch: usize, steps: usize) {
        self.bar.reset();
        self.bar.set_length(steps as u64);
        self.bar.set_message(format!("epoch {epoch}"));
    }
    fn step_done(&mut self) {
        self.bar.inc(1);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => train_cmd(args),
        Command::Setup { class, out, force } => setup_cmd(&class, &out, force),
        Command::Demo {
            out,
            steps,
            device,
            seed,
            json,
        } => demo_cmd(&out, steps, device, seed, json),
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
        } => prove_cmd(&trace, beacon, block_hash, &keys, &out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn train_cmd(a: TrainArgs) -> Result<(), Box<dyn std::error::Error>> {
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
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} steps {per_sec}")
            .map_err(|e| e.to_string())?
            .progress_chars("=> "),
    );
    let mut progress = Bar { bar };
    let report = train::run(&cfg, &mut progress)?;
    progress.bar.finish_and_clear();
    eprintln!(
        "{} on {}: {} steps in {:.1} s, train accuracy {:.4}, test accuracy {:.4}",
        report.dataset,
        report.device,
        report.steps,
        report.seconds,
        report.train_accuracy,
        report.test_accuracy
    );
    if a.json {
        println!("{}", serde_json::to_string(&report)?);
    }
    Ok(())
}

const SINGLE_PARTY: &str = "notice: single-party setup: whoever runs it knows the trapdoor and could \
forge proofs for these keys; for a network, run a multi-party ceremony (papers/protocol.md §10)";

fn setup_cmd(class: &str, out: &Path, force: bool) -> Result<(), Box<dyn std::error::Error>> {
    let class = Class::by_name(class)?;
    eprintln!("{SINGLE_PARTY}");
    eprintln!(
        "setting up class {} ({} samples, rows up to {}) ...",
        class.name, class.samples, class.max_row
    );
    let start = Instant::now();
    let (_, k) = prove::setup_keys(class, out, force)?;
    eprintln!("done in {:.1} s", start.elapsed().as_secs_f64());
    println!(
        "proving key   {}  sha256 {}",
        k.pk.display(),
        k.pk_file_hash
    );
    println!("verifying key {}  vk hash {}", k.vk.display(), k.vk_hash);
    Ok(())
}

/// The digits run the demo and the interactive flow train.
fn demo_config(seed: u64, device: DeviceChoice) -> TrainConfig {
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

/// The demo's worker id: an address, like every worker id (the circuit takes 160 bits).
fn demo_worker() -> spotproof_core::commit::Fr {
    spotproof_core::commit::fe(0x5107_9200_5107_9200)
}

fn commit_cmd(
    out: &Path,
    steps: usize,
    device: DeviceChoice,
    seed: u64,
    worker: Option<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    if steps == 0 {
        return Err("--steps must be at least 1".into());
    }
    let worker = match worker {
        None => demo_worker(),
        Some(w) => solidity::worker_of_address(&w)
            .or_else(|| {
                spotproof_core::commit::from_hex(&w)
                    .filter(|x| solidity::worker_address(x).is_some())
            })
            .ok_or_else(|| {
                format!(
                    "--worker {w:?} is not an address (0x and 40 hex digits, or 64 hex digits of a number below 2^160)"
                )
            })?,
    };
    let cfg = demo_config(seed, device);
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let run = spotproof_prover::pipeline::run_committed(&cfg, steps, seed, worker, &mut |n| {
        eprintln!("{n}")
    })?;
    let mut before = run.initial;
    for (t, tensors) in run.traces.iter().zip(run.tensors) {
        let m = spotproof_core::check::Manifest::of(t);
        let (header, _) = spotproof_verifier::bundle::Bundle::manifest_json(&m);
        let path = out.join(format!("step-{:06}.trace.json", t.header.step));
        let root = spotproof_core::commit::to_hex(&t.root);
        let next = tensors.layers.clone();
        prove::TraceFile {
            schema: prove::TRACE_SCHEMA,
            dataset: "digits".into(),
            seed,
            header,
            trace_root: root.clone(),
            before: before.clone(),
            tensors,
        }
        .write(&path)?;
        before.layers = next;
        println!("{root}  {}", path.display());
    }
    Ok(())
}

/// The beacon from `--beacon` or `--block-hash` (reduced as the registry does).
fn parse_beacon(
    beacon: Option<String>,
    block_hash: Option<String>,
) -> Result<spotproof_core::commit::Fr, String> {
    match (beacon, block_hash) {
        (Some(b), None) => spotproof_core::commit::from_hex(&b)
            .filter(|x| spotproof_core::trace::challenge(*x, 0u64.into()).is_some())
            .ok_or_else(|| format!("--beacon {b:?} is not 64 hex digits of a number below 2^93")),
        (None, Some(h)) => h
            .strip_prefix("0x")
            .filter(|d| d.len() == 64)
            .and_then(|d| hex::decode(d).ok())
            .and_then(|bytes| <solidity::Word>::try_from(bytes).ok())
            .map(|w| solidity::beacon_of_block_hash(&w))
            .ok_or_else(|| format!("--block-hash {h:?} is not 0x and 64 hex digits")),
        _ => Err("give exactly one of --beacon and --block-hash".into()),
    }
}

fn prove_cmd(
    trace: &Path,
    beacon: Option<String>,
    block_hash: Option<String>,
    keys: &Path,
    out: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let beacon = parse_beacon(beacon, block_hash)?;
    let file = prove::TraceFile::read(trace)?;
    let t = file.recommit()?;
    let class = Class::smallest_for(
        &file.before.config,
        t.tensors[0].header.rows,
        spotproof_core::trace::DEFAULT_SAMPLES,
    )?;
    let (pk, k) = prove::load_pk(class, keys)?;
    let start = Instant::now();
    let b = prove::prove_trace(
        &pk,
        &k,
        &file.before.config,
        &t,
        beacon,
        spotproof_verifier::bundle::BeaconSource::External,
    )?;
    b.write(out)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    eprintln!(
        "proved and self-verified in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    println!("{}", out.display());
    Ok(())
}

fn demo_cmd(
    out: &Path,
    steps: usize,
    device: DeviceChoice,
    seed: u64,
    json: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    if steps == 0 {
        return Err("--steps must be at least 1".into());
    }
    let cfg = demo_config(seed, device);
    let (data, split, model) = train::prepare(&cfg)?;
    drop(data);
    let class = Class::smallest_for(
        &model.config,
        split.train.len(),
        spotproof_core::trace::DEFAULT_SAMPLES,
    )?;
    let key_dir = out.join("keys");
    let bundle_dir = out.join("bundles");
    std::fs::create_dir_all(&bundle_dir)
        .map_err(|e| format!("cannot create {}: {e}", bundle_dir.display()))?;
    let (pk_path, _) = spotproof_verifier::keys::paths(&key_dir, class);
    let mut setup_seconds = 0.0;
    if !pk_path.exists() {
        eprintln!("{SINGLE_PARTY}");
        eprintln!(
            "[1/4] setup of class {} (once; keys in {}) ...",
            class.name,
            key_dir.display()
        );
        let start = Instant::now();
        prove::setup_keys(class, &key_dir, false)?;
        setup_seconds = start.elapsed().as_secs_f64();
        eprintln!("      {setup_seconds:.1} s");
    } else {
        eprintln!(
            "[1/4] keys of class {} found in {}",
            class.name,
            key_dir.display()
        );
    }
    let start = Instant::now();
    let (pk, keys) = prove::load_pk(class, &key_dir)?;
    let load_seconds = start.elapsed().as_secs_f64();
    eprintln!(
        "[2/4] training and committing {steps} steps of {:?} on digits ...",
        model.config.widths
    );
    let start = Instant::now();
    let worker = demo_worker();
    let run = spotproof_prover::pipeline::run_committed(&cfg, steps, seed, worker, &mut |n| {
        eprintln!("{n}")
    })?;
    let commit_seconds = start.elapsed().as_secs_f64();
    eprintln!(
        "      {} steps on {} in {commit_seconds:.1} s",
        run.traces.len(),
        run.device
    );
    let mut bundles = Vec::new();
    let mut prove_seconds = Vec::new();
    for (k, t) in run.traces.iter().enumerate() {
        eprintln!(
            "[3/4] step {k}: beacon = hash(11, root) mod 2^93, proving {} samples ...",
            class.samples
        );
        let path = bundle_dir.join(format!("step-{k:06}.json"));
        let (_, seconds) = prove::prove_offline(&pk, &keys, &model.config, t, &path)?;
        eprintln!(
            "      proved and self-verified in {seconds:.1} s -> {}",
            path.display()
        );
        bundles.push(path);
        prove_seconds.push(seconds);
    }
    eprintln!(
        "[4/4] verify with: spotproof-validator verify --vk {} {}",
        keys.vk.display(),
        bundles
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    if json {
        let d = spotproof_verifier::bundle::Detection::of(class.samples, run.traces[0].ops.len());
        println!(
            "{}",
            serde_json::json!({
                "vk": keys.vk.display().to_string(),
                "vk_hash": keys.vk_hash,
                "bundles": bundles.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                "class": class.name,
                "samples_per_step": class.samples,
                "device": run.device,
                "setup_seconds": setup_seconds,
                "key_load_seconds": load_seconds,
                "train_commit_seconds": commit_seconds,
                "prove_seconds": prove_seconds,
                "detection": d,
            })
        );
    }
    Ok(())
}
