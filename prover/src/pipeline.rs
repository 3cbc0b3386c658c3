//! The proving pipeline's training side: steps on beacon-independent, dataset-derived batches,
//! each committed as a trace that chains to the previous one.

use crate::error::Result;
use crate::train::{Backend, TrainConfig, prepare};
use spotproof_core::commit::Fr;
use spotproof_core::model::Model;
use spotproof_core::step::StepSummary;
use spotproof_core::trace::{self, StepHeader, Trace};
use std::sync::Arc;

/// A run of committed steps.
pub struct CommittedRun {
    /// Every step's tensors (for trace files).
    pub tensors: Vec<spotproof_core::step::StepTensors>,
    /// The model before the first step.
    pub initial: Model,
    /// One trace per step, chained.
    pub traces: Vec<Trace>,
    /// Loss and accuracy counts per step.
    pub summaries: Vec<StepSummary>,
    /// "cpu" or the adapter's name.
    pub device: String,
}

/// Trains `steps` steps of `cfg` on the batches `trace::batch_indices(data_seed, t, …)` draws from
/// the committed training rows, and commits each step (worker id `worker`).
pub fn run_committed(
    cfg: &TrainConfig,
    steps: usize,
    data_seed: u64,
    worker: Fr,
    notice: &mut dyn FnMut(String),
) -> Result<CommittedRun> {
    let (data, split, model) = prepare(cfg)?;
    let dataset = Arc::new(trace::commit_dataset(&data, &split.train)?);
    let initial = model.clone();
    let mut before = model.clone();
    let mut backend = Backend::open(cfg.device, model, &data, notice)?;
    let (mut traces, mut summaries) = (Vec::with_capacity(steps), Vec::with_capacity(steps));
    let mut kept = Vec::with_capacity(steps);
    let mut prev_root = Fr::from(0u64);
    for t in 0..steps as u64 {
        // Batch rows index the committed training rows; the device indexes the whole dataset.
        let rows: Vec<u32> = trace::batch_indices(data_seed, t, cfg.batch, split.train.len())
            .iter()
            .map(|&i| split.train[i as usize])
            .collect();
        let tensors = backend.step_full(&data, &rows)?;
        let header = StepHeader {
            arch_id: trace::arch_id(&before.config),
            step: t,
            prev_root,
            dataset_root: dataset.root,
            data_seed,
            worker,
        };
        let tr = trace::commit_step(&before, &tensors, &dataset, header)?;
        prev_root = tr.root;
        summaries.push(tensors.summary());
        before.layers = tensors.layers.clone();
        kept.push(tensors);
        traces.push(tr);
    }
    Ok(CommittedRun {
        tensors: kept,
        initial,
        traces,
        summaries,
        device: backend.device_name(),
    })
}
