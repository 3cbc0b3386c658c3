//! The training loop: dataset, split, device choice, epochs, evaluation and the report.

use crate::error::{Result, WorkerError};
use serde::Serialize;
use spotproof_core::data::{self, Dataset, Split};
use spotproof_core::model::{Hyper, Model, ModelConfig};
use spotproof_core::step::{self, StepSummary, StepTensors};
use spotproof_shaders::{Gpu, GpuTrainer, ShaderError};
use std::path::PathBuf;
use std::time::Instant;

pub use spotproof_core::data::{DatasetSpec, HOLDOUT_PERCENT};

/// Where the step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceChoice {
    /// A hardware GPU if one exists, else the CPU reference (with a notice); any adapter when
    /// SPOTPROOF_REQUIRE_GPU=1.
    Auto,
    /// The GPU; an error without one.
    Gpu,
    /// The CPU reference.
    Cpu,
}

/// Everything a training run needs.
#[derive(Clone, Debug)]
pub struct TrainConfig {
    /// Training data.
    pub dataset: DatasetSpec,
    /// A separate test set (IDX pair); otherwise 20% of the dataset is held out by seed.
    pub test: Option<(PathBuf, PathBuf)>,
    /// Passes over the training rows.
    pub epochs: usize,
    /// Rows per step.
    pub batch: usize,
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    /// Seed of the split, the shuffles and the initial weights.
    pub seed: u64,
    /// Device choice.
    pub device: DeviceChoice,
    /// Hyper-parameters.
    pub hyper: Hyper,
}

/// One epoch's numbers.
#[derive(Clone, Debug, Serialize)]
pub struct EpochReport {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean squared output error per logit (int8 units) over the epoch's steps.
    pub loss: f64,
    /// Accuracy over the epoch's training batches, as they were trained.
    pub running_accuracy: f64,
    /// Accuracy on the test rows after the epoch.
    pub test_accuracy: f64,
}

/// The result of a run (`--json` prints it).
#[derive(Clone, Debug, Serialize)]
pub struct TrainReport {
    /// Dataset name.
    pub dataset: String,
    /// Adapter name, or "cpu".
    pub device: String,
    /// Epochs run.
    pub epochs: usize,
    /// Training steps run.
    pub steps: usize,
    /// Rows per step.
    pub batch: usize,
    /// Layer widths, input to classes.
    pub widths: Vec<usize>,
    /// Seed.
    pub seed: u64,
    /// Training rows / test rows.
    pub train_rows: usize,
    /// Test rows.
    pub test_rows: usize,
    /// Accuracy of the final model on all training rows.
    pub train_accuracy: f64,
    /// Accuracy of the final model on the test rows.
    pub test_accuracy: f64,
    /// Wall-clock seconds of training and evaluation (not loading).
    pub seconds: f64,
    /// Per-epoch numbers.
    pub per_epoch: Vec<EpochReport>,
}

/// The GPU `choice` asks for, or `None` for the CPU reference (`notice` receives the fallback
/// line): see [`Backend::open`].
pub fn open_gpu(choice: DeviceChoice, notice: &mut dyn FnMut(String)) -> Result<Option<Gpu>> {
    if choice == DeviceChoice::Cpu {
        return Ok(None);
    }
    let required = choice == DeviceChoice::Gpu || spotproof_shaders::gpu_required();
    let gpu = if required {
        Gpu::new()
    } else {
        Gpu::new_hardware()
    };
    match gpu {
        Ok(gpu) => Ok(Some(gpu)),
        Err(e) if required => Err(WorkerError::GpuRequired(e)),
        Err(e @ ShaderError::SoftwareAdapter(_)) => {
            notice(format!(
                "notice: {e}; running the CPU reference, which is faster (--device gpu runs the kernels on it)"
            ));
            Ok(None)
        }
        Err(e) => {
            notice(format!("notice: {e}; running the CPU reference instead"));
            Ok(None)
        }
    }
}

/// Where a step runs: the CPU reference or the device-resident GPU trainer.
pub enum Backend {
    /// The core reference, on all cores.
    Cpu(Box<Model>),
    /// The WGSL kernels.
    Gpu(Box<GpuTrainer>),
}

impl Backend {
    /// Opens the backend `choice` for `model` on `data`; `notice` receives the CPU-fallback line.
    /// `auto` takes a hardware GPU, else the CPU reference — a software adapter (lavapipe) is
    /// an order of magnitude slower than the reference, so it runs only under `gpu` or with
    /// `SPOTPROOF_REQUIRE_GPU=1` (which also makes a missing adapter an error). `cpu` is always
    /// honoured.
    pub fn open(
        choice: DeviceChoice,
        model: Model,
        data: &Dataset,
        notice: &mut dyn FnMut(String),
    ) -> Result<Self> {
        Ok(match open_gpu(choice, notice)? {
            Some(gpu) => Self::Gpu(Box::new(GpuTrainer::new(gpu, &model, data)?)),
            None => Self::Cpu(Box::new(model)),
        })
    }

    /// "cpu" or the adapter's name.
    pub fn device_name(&self) -> String {
        match self {
            Self::Cpu(_) => "cpu".into(),
            Self::Gpu(t) => t.gpu().adapter_name().to_string(),
        }
    }

    /// One training step on the rows `indices`.
    pub fn step(&mut self, data: &Dataset, indices: &[u32]) -> Result<StepSummary> {
        Ok(match self {
            Self::Cpu(m) => step::train_step(m, data, indices)?.summary(),
            Self::Gpu(t) => t.train_step(indices)?,
        })
    }

    /// One training step that returns every tensor it produced (for commitment).
    pub fn step_full(&mut self, data: &Dataset, indices: &[u32]) -> Result<StepTensors> {
        Ok(match self {
            Self::Cpu(m) => step::train_step(m, data, indices)?,
            Self::Gpu(t) => t.train_step_full(indices)?,
        })
    }

    /// Predicted classes of the rows `indices`.
    pub fn predict(&mut self, data: &Dataset, indices: &[u32]) -> Result<Vec<u32>> {
        Ok(match self {
            Self::Cpu(m) => step::predict(m, data, indices)?,
            Self::Gpu(t) => t.predict(indices)?,
        })
    }

    /// The current model (read back from the device if needed).
    pub fn model(&self) -> Result<Model> {
        Ok(match self {
            Self::Cpu(m) => (**m).clone(),
            Self::Gpu(t) => t.model()?,
        })
    }

    /// Fraction of `indices` classified correctly.
    pub fn accuracy(&mut self, data: &Dataset, indices: &[u32]) -> Result<f64> {
        let preds = self.predict(data, indices)?;
        let correct = preds
            .iter()
            .zip(indices)
            .filter(|&(&p, &i)| p == u32::from(data.labels[i as usize]))
            .count();
        Ok(ratio(correct, indices.len()))
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Progress callbacks, so the library stays free of terminal handling.
pub trait Progress {
    /// A line for the user (notices, epoch summaries).
    fn line(&mut self, text: String);
    /// An epoch of `steps` steps starts.
    fn epoch_start(&mut self, epoch: usize, steps: usize);
    /// One step finished.
    fn step_done(&mut self);
}

/// The MLP a dataset implies: its features in, `hidden` widths, its classes out.
pub fn model_config(data: &Dataset, hidden: &[usize], batch: usize, hyper: Hyper) -> ModelConfig {
    let mut widths = vec![data.features()];
    widths.extend_from_slice(hidden);
    widths.push(data.classes);
    ModelConfig {
        widths,
        batch,
        hyper,
        input_scale: data.scale,
    }
}

/// The data, split and model a configuration describes (before any device is opened).
pub fn prepare(cfg: &TrainConfig) -> Result<(Dataset, Split, Model)> {
    if cfg.epochs == 0 {
        return Err(WorkerError::Usage {
            arg: "--epochs",
            reason: "must be at least 1".into(),
        });
    }
    let data = cfg.dataset.load()?;
    let (data, split) = match &cfg.test {
        Some((images, labels)) => {
            let n_train = data.len();
            let (joined, at) = data.append(Dataset::from_idx_files(images, labels)?)?;
            let n = joined.len();
            debug_assert_eq!(at, n_train);
            (joined, Split::at(n, at))
        }
        None => {
            let n = data.len();
            (data, Split::holdout(n, HOLDOUT_PERCENT, cfg.seed))
        }
    };
    if split.train.len() < cfg.batch {
        return Err(WorkerError::Usage {
            arg: "--batch",
            reason: format!(
                "{} is larger than the {} training rows",
                cfg.batch,
                split.train.len()
            ),
        });
    }
    let model = Model::init(
        model_config(&data, &cfg.hidden, cfg.batch, cfg.hyper),
        cfg.seed,
    )?;
    Ok((data, split, model))
}

/// Trains as configured and reports.
pub fn run(cfg: &TrainConfig, progress: &mut dyn Progress) -> Result<TrainReport> {
    let (data, split, model) = prepare(cfg)?;
    let widths = model.config.widths.clone();
    let mut backend = Backend::open(cfg.device, model, &data, &mut |l| progress.line(l))?;
    let start = Instant::now();
    let mut per_epoch = Vec::with_capacity(cfg.epochs);
    let mut steps = 0;
    for epoch in 0..cfg.epochs {
        let batches = data::epoch_batches(&split.train, cfg.batch, cfg.seed, epoch as u64);
        progress.epoch_start(epoch + 1, batches.len());
        let mut sum = StepSummary::default();
        for indices in &batches {
            sum.add(backend.step(&data, indices)?);
            steps += 1;
            progress.step_done();
        }
        let test_accuracy = backend.accuracy(&data, &split.test)?;
        let report = EpochReport {
            epoch: epoch + 1,
            loss: sum.squared_error as f64 / (sum.rows * data.classes).max(1) as f64,
            running_accuracy: ratio(sum.correct, sum.rows),
            test_accuracy,
        };
        progress.line(format!(
            "epoch {:>3}  loss {:>8.2}  train {:.4}  test {:.4}",
            report.epoch, report.loss, report.running_accuracy, report.test_accuracy
        ));
        per_epoch.push(report);
    }
    let train_accuracy = backend.accuracy(&data, &split.train)?;
    let test_accuracy = per_epoch.last().map_or(0.0, |e| e.test_accuracy);
    Ok(TrainReport {
        dataset: cfg.dataset.name(),
        device: backend.device_name(),
        epochs: cfg.epochs,
        steps,
        batch: cfg.batch,
        widths,
        seed: cfg.seed,
        train_rows: split.train.len(),
        test_rows: split.test.len(),
        train_accuracy,
        test_accuracy,
        seconds: start.elapsed().as_secs_f64(),
        per_epoch,
    })
}
