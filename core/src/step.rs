//! One training step (and inference) chained from the ops: the CPU reference executor.
//!
//! Op order of a step over layers `0..L` (layer `l` maps width `l` to width `l+1`):
//! `gather`; `linear_forward` for `l = 0..L`; `output_error` at the logits;
//! for `l = L-1..0`: `weight_grad`, `bias_grad` and, if `l > 0`, `linear_backward_input` (through
//! the weights *before* the update); then `sgd_update` and `bias_update` for every layer.

use crate::data::Dataset;
use crate::error::{CoreError, Result};
use crate::model::{Layer, Model};
use crate::ops;
use crate::tensor::Mat;
use serde::{Deserialize, Serialize};

/// Every tensor one training step produces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepTensors {
    /// The dataset rows of this batch.
    pub indices: Vec<u32>,
    /// `gather`: the int8 input batch, `B×K0`.
    pub input: Mat<i8>,
    /// `gather`: the labels of the batch.
    pub labels: Vec<u32>,
    /// `linear_forward`: `acts[l]` is layer `l`'s output, `B×N_l`; the last one holds the logits.
    pub acts: Vec<Mat<i8>>,
    /// `errors[l]` is the error at layer `l`'s output (`output_error` for the last layer,
    /// `linear_backward_input` through layer `l+1` for the others).
    pub errors: Vec<Mat<i8>>,
    /// `weight_grad` per layer, `N×K`, i32.
    pub weight_grads: Vec<Mat<i32>>,
    /// `bias_grad` per layer, `N`, i32.
    pub bias_grads: Vec<Vec<i32>>,
    /// `sgd_update` / `bias_update`: the state after the step.
    pub layers: Vec<Layer>,
}

/// What a training loop reports of a step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepSummary {
    /// `Σ e²` over the output errors of the batch.
    pub squared_error: i64,
    /// Rows whose arg-max logit is the label.
    pub correct: usize,
    /// Rows in the batch.
    pub rows: usize,
}

impl StepSummary {
    /// Summarises logits and output errors against labels.
    pub fn of(logits: &Mat<i8>, errors: &Mat<i8>, labels: &[u32]) -> Self {
        let correct = argmax_rows(logits)
            .iter()
            .zip(labels)
            .filter(|(p, l)| p == l)
            .count();
        let squared_error = errors
            .data()
            .iter()
            .map(|&e| i64::from(e) * i64::from(e))
            .sum();
        Self {
            squared_error,
            correct,
            rows: labels.len(),
        }
    }

    /// Adds another summary's counts.
    pub fn add(&mut self, other: StepSummary) {
        self.squared_error += other.squared_error;
        self.correct += other.correct;
        self.rows += other.rows;
    }
}

/// The predicted class of each row: the first index of the largest logit (`ops::predict_elem`).
pub fn argmax_rows(logits: &Mat<i8>) -> Vec<u32> {
    (0..logits.rows())
        .map(|i| ops::predict_elem(logits.row(i)))
        .collect()
}

/// Errors unless the dataset's rows fit the model's input and its labels its classes.
pub fn check_dataset(model: &Model, data: &Dataset) -> Result<()> {
    let k = model.config.widths[0];
    if data.features() != k {
        return Err(CoreError::Shape {
            op: "gather",
            what: "dataset rows",
            expected: (data.len(), k),
            got: data.images.shape(),
        });
    }
    if data.classes > model.classes() {
        return Err(crate::error::ConfigError::DatasetClasses.into());
    }
    Ok(())
}

/// Inference: every `linear_forward` from the gathered input; returns each layer's output.
pub fn forward(model: &Model, input: &Mat<i8>) -> Result<Vec<Mat<i8>>> {
    forward_on(&ops::Reference, model, input)
}

/// [`forward`] on any executor.
pub fn forward_on<E: ops::Executor>(
    ex: &E,
    model: &Model,
    input: &Mat<i8>,
) -> std::result::Result<Vec<Mat<i8>>, E::Error> {
    let cfg = &model.config;
    let mut acts: Vec<Mat<i8>> = Vec::with_capacity(model.layers.len());
    for (l, layer) in model.layers.iter().enumerate() {
        let x = if l == 0 { input } else { &acts[l - 1] };
        let y = ex.linear_forward(x, &layer.weight, &layer.bias, cfg.fwd_shift(l), cfg.relu(l))?;
        acts.push(y);
    }
    Ok(acts)
}

/// Every tensor of inference on a batch of queries: the preprocessed input and labels, each
/// layer's output, the predictions and their correctness bits (`layout::infer_layout`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferTensors {
    /// `gather`'s input, `Q×K0`.
    pub input: Mat<i8>,
    /// The queries' labels (0 where a query has none).
    pub labels: Vec<u32>,
    /// Each layer's output; the last is the logits.
    pub acts: Vec<Mat<i8>>,
    /// `predict`'s classes.
    pub pred: Vec<u32>,
    /// `predict`'s correctness bits.
    pub correct: Vec<u32>,
}

/// Inference on the CPU: every query of `queries` in order, through `gather`, each
/// `linear_forward` and `predict`.
pub fn infer(model: &Model, queries: &Dataset) -> Result<InferTensors> {
    infer_on(&ops::Reference, model, queries)
}

/// [`infer`] on any executor (the GPU runner implements it too).
pub fn infer_on<E: ops::Executor>(
    ex: &E,
    model: &Model,
    queries: &Dataset,
) -> std::result::Result<InferTensors, E::Error> {
    check_dataset(model, queries)?;
    let all: Vec<u32> = (0..queries.len() as u32).collect();
    let (input, labels) = ex.gather(&queries.images, &queries.labels, &all, queries.scale)?;
    let acts = forward_on(ex, model, &input)?;
    let logits = acts
        .last()
        .ok_or(CoreError::from(crate::error::ConfigError::StepLayers))?;
    let (pred, correct) = ex.predict(logits, &labels)?;
    Ok(InferTensors {
        input,
        labels,
        acts,
        pred,
        correct,
    })
}

/// Predicted classes of the dataset rows at `indices`.
pub fn predict(model: &Model, data: &Dataset, indices: &[u32]) -> Result<Vec<u32>> {
    check_dataset(model, data)?;
    let (x, _) = ops::gather(&data.images, &data.labels, indices, data.scale)?;
    let acts = forward(model, &x)?;
    Ok(acts.last().map(argmax_rows).unwrap_or_default())
}

/// One training step on the CPU: every op of the step in order, updating `model` and returning
/// every tensor produced. `indices.len()` must be the configured batch size.
pub fn train_step(model: &mut Model, data: &Dataset, indices: &[u32]) -> Result<StepTensors> {
    check_dataset(model, data)?;
    let cfg = model.config.clone();
    if indices.len() != cfg.batch {
        return Err(CoreError::Shape {
            op: "gather",
            what: "batch indices",
            expected: (cfg.batch, 1),
            got: (indices.len(), 1),
        });
    }
    let (input, labels) = ops::gather(&data.images, &data.labels, indices, data.scale)?;
    let acts = forward(model, &input)?;
    let n_layers = model.layers.len();
    let logits = &acts[n_layers - 1];
    let mut errors = vec![ops::output_error(logits, &labels, cfg.hyper.target, 0)?];
    let mut weight_grads = Vec::with_capacity(n_layers);
    let mut bias_grads = Vec::with_capacity(n_layers);
    for l in (0..n_layers).rev() {
        let e = &errors[n_layers - 1 - l];
        let x = if l == 0 { &input } else { &acts[l - 1] };
        weight_grads.push(ops::weight_grad(e, x)?);
        bias_grads.push(ops::bias_grad(e));
        if l > 0 {
            let d = ops::linear_backward_input(
                e,
                &model.layers[l].weight,
                &acts[l - 1],
                cfg.back_shift(l),
            )?;
            errors.push(d);
        }
    }
    errors.reverse();
    weight_grads.reverse();
    bias_grads.reverse();
    for (l, layer) in model.layers.iter_mut().enumerate() {
        let (master, weight) =
            ops::sgd_update(&layer.master, &weight_grads[l], cfg.update_shift())?;
        let bias = ops::bias_update(&layer.bias, &bias_grads[l], cfg.hyper.bias_lr_shift)?;
        *layer = Layer {
            master,
            weight,
            bias,
        };
    }
    Ok(StepTensors {
        indices: indices.to_vec(),
        input,
        labels,
        acts,
        errors,
        weight_grads,
        bias_grads,
        layers: model.layers.clone(),
    })
}

impl StepTensors {
    /// The summary a training loop reports.
    pub fn summary(&self) -> StepSummary {
        match (self.acts.last(), self.errors.last()) {
            (Some(y), Some(e)) => StepSummary::of(y, e, &self.labels),
            _ => StepSummary::default(),
        }
    }
}
