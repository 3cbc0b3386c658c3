//! `spotproof-worker`: trains integer-only models on the GPU (or the CPU reference).

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use spotproof_core::model::Hyper;
use spotproof_prover::train::{self, DatasetSpec, DeviceChoice, Progress, TrainConfig};
use std::path::PathBuf;
use std::process::ExitCode;

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
