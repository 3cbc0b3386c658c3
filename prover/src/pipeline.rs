//! The proving pipeline's training side: steps on beacon-independent, dataset-derived batches,
//! each committed as a trace that chains to the previous one.

use crate::error::{Result, WorkerError};
use crate::train::{Backend, Progress, TrainConfig, prepare};
use spotproof_core::commit::{Fr, to_hex};
use spotproof_core::ids::WorkerId;
use spotproof_core::layout;
use spotproof_core::model::Model;
use spotproof_core::sampling;
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

/// Trains `steps` steps of `cfg` on the batches `sampling::batch_indices(data_seed, t, …)` draws from
/// the committed training rows, and commits each step (worker id `worker`). `progress` gets the
/// device notice and one tick per committed step.
pub fn run_committed(
    cfg: &TrainConfig,
    steps: usize,
    data_seed: u64,
    worker: WorkerId,
    progress: &mut dyn Progress,
) -> Result<CommittedRun> {
    if steps == 0 {
        return Err(WorkerError::Usage {
            arg: "--steps",
            reason: "must be at least 1".into(),
        });
    }
    let worker = worker.fr();
    let (data, split, model) = prepare(cfg)?;
    let dataset = Arc::new(trace::commit_dataset(&data, &split.train)?);
    let initial = model.clone();
    let mut before = model.clone();
    let mut backend = Backend::open(cfg.device, model, &data, &mut |l| progress.line(l))?;
    progress.epoch_start(1, steps);
    let (mut traces, mut summaries) = (Vec::with_capacity(steps), Vec::with_capacity(steps));
    let mut kept = Vec::with_capacity(steps);
    let mut prev_root = Fr::from(0u64);
    for t in 0..steps as u64 {
        // Batch rows index the committed training rows; the device indexes the whole dataset.
        let rows: Vec<u32> = sampling::batch_indices(data_seed, t, cfg.batch, split.train.len())
            .iter()
            .map(|&i| split.train[i as usize])
            .collect();
        let tensors = backend.step_full(&data, &rows)?;
        let header = StepHeader {
            arch_id: layout::arch_id(&before.config),
            step: t,
            prev_root,
            dataset_root: dataset.root,
            data_seed,
            worker,
        };
        let values = layout::step_values(&before, &tensors)?;
        let tr =
            trace::commit_values_after(&before.config, &values, &dataset, header, traces.last())?;
        prev_root = tr.root;
        summaries.push(tensors.summary());
        before.layers = tensors.layers.clone();
        kept.push(tensors);
        traces.push(tr);
        progress.step_done();
    }
    Ok(CommittedRun {
        tensors: kept,
        initial,
        traces,
        summaries,
        device: backend.device_name(),
    })
}

/// A committed step written for the interactive flow: its trace root and file.
pub struct CommittedFile {
    /// The trace root (hex), to publish.
    pub root: String,
    /// The trace file.
    pub path: std::path::PathBuf,
}

/// Trains and commits `steps` steps of `cfg` and writes `out/step-NNNNNN.trace.json` for each
/// (each file atomically): the commitments a worker publishes before its beacon.
pub fn commit_to_dir(
    cfg: &TrainConfig,
    steps: usize,
    worker: WorkerId,
    out: &std::path::Path,
    progress: &mut dyn Progress,
) -> Result<Vec<CommittedFile>> {
    std::fs::create_dir_all(out).map_err(|source| WorkerError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let run = run_committed(cfg, steps, cfg.seed, worker, progress)?;
    let mut before = run.initial;
    let mut files = Vec::with_capacity(run.traces.len());
    for (t, tensors) in run.traces.iter().zip(run.tensors) {
        let path = out.join(format!("step-{:06}.trace.json", t.header.step));
        let next = tensors.layers.clone();
        let root = to_hex(&t.root);
        crate::prove::TraceFile {
            schema: crate::prove::TRACE_SCHEMA,
            dataset: cfg.dataset.name(),
            seed: cfg.seed,
            header: t.header,
            trace_root: t.root,
            before: before.clone(),
            tensors,
        }
        .write(&path)?;
        before.layers = next;
        files.push(CommittedFile { root, path });
    }
    Ok(files)
}
