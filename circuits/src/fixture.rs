//! A small committed run that fits the smallest class (`mlp2-s18-r32`): the middle 32 pixels of
//! 300 digits, a `32-16-10` model, batch 8. Tests, examples and benchmarks share it.

use spotproof_core::commit::{Fr, TensorCommitment};
use spotproof_core::data::{Dataset, Split};
use spotproof_core::layout;
use spotproof_core::model::{Hyper, Model, ModelConfig};
use spotproof_core::sampling;
use spotproof_core::tensor::Mat;
use spotproof_core::trace::{self, StepHeader, Trace};
use spotproof_core::{CoreError, step};
use std::sync::Arc;

/// A run of chained, committed steps.
pub struct SmallRun {
    /// The model configuration.
    pub config: ModelConfig,
    /// The model before each step.
    pub before: Vec<Model>,
    /// Each step's tensor values (slots `1..`, `layout::step_values`).
    pub values: Vec<Vec<Vec<i64>>>,
    /// The committed dataset.
    pub dataset: Arc<TensorCommitment>,
    /// Each step's header.
    pub headers: Vec<StepHeader>,
    /// Each step's trace.
    pub traces: Vec<Trace>,
}

/// The data seed of the fixture's batches.
pub const DATA_SEED: u64 = 5;

/// The fixture's data: the middle 32 pixels of the digits rows `rows`.
pub fn digits32(rows: std::ops::Range<usize>) -> Result<Dataset, CoreError> {
    let full = Dataset::digits()?;
    let images: Vec<u8> = rows
        .clone()
        .flat_map(|r| full.images.row(r)[16..48].to_vec())
        .collect();
    Ok(Dataset {
        name: "digits-32".into(),
        images: Mat::new(rows.len(), 32, images)?,
        labels: full.labels[rows].to_vec(),
        classes: 10,
        scale: full.scale,
    })
}

/// Trains and commits `steps` chained steps (worker id `worker`) of the `32-16-10` model.
pub fn small_run(steps: usize, worker: Fr) -> Result<SmallRun, CoreError> {
    small_run_of(&[32, 16, 10], steps, worker)
}

/// [`small_run`] of a model with layer widths `widths` (32 inputs, 10 classes: `[32, …, 10]`).
pub fn small_run_of(widths: &[usize], steps: usize, worker: Fr) -> Result<SmallRun, CoreError> {
    let n = 300;
    let data = digits32(0..n)?;
    let split = Split::holdout(n, 20, 1);
    let config = ModelConfig {
        widths: widths.to_vec(),
        batch: 8,
        hyper: Hyper::default(),
        input_scale: data.scale,
    };
    let mut model = Model::init(config.clone(), 4)?;
    let dataset = Arc::new(trace::commit_dataset(&data, &split.train)?);
    let mut run = SmallRun {
        config,
        before: Vec::new(),
        values: Vec::new(),
        dataset,
        headers: Vec::new(),
        traces: Vec::new(),
    };
    let mut prev_root = Fr::from(0u64);
    for t in 0..steps as u64 {
        let idx: Vec<u32> = sampling::batch_indices(DATA_SEED, t, 8, split.train.len())
            .iter()
            .map(|&i| split.train[i as usize])
            .collect();
        let before = model.clone();
        let tensors = step::train_step(&mut model, &data, &idx)?;
        let header = StepHeader {
            arch_id: layout::arch_id(&before.config),
            step: t,
            prev_root,
            dataset_root: run.dataset.root,
            data_seed: DATA_SEED,
            worker,
        };
        let values = layout::step_values(&before, &tensors)?;
        let tr = trace::commit_values(&before.config, &values, &run.dataset, header)?;
        prev_root = tr.root;
        run.before.push(before);
        run.values.push(values);
        run.headers.push(header);
        run.traces.push(tr);
    }
    Ok(run)
}

impl SmallRun {
    /// Commits step `t` with other tensor values.
    pub fn recommit(&self, t: usize, values: &[Vec<i64>]) -> Result<Trace, CoreError> {
        trace::commit_values(&self.config, values, &self.dataset, self.headers[t])
    }
}
