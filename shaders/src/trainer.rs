//! A model and a dataset resident on the device; a whole training step in one submission.

use crate::error::Result;
use crate::gpu::{Dispatch, Gpu};
use crate::ops::{self, mat as to_mat, narrow, pack_rows, widen};
use spotproof_core::CoreError;
use spotproof_core::data::Dataset;
use spotproof_core::model::{Layer, Model, ModelConfig};
use spotproof_core::ops::InputScale;
use spotproof_core::ops::{
    bias_grad::BiasGrad, bias_update::BiasUpdate, gather::Gather,
    linear_backward_input::LinearBackwardInput, linear_forward::LinearForward,
    output_error::OutputError, sgd_update::SgdUpdate, weight_grad::WeightGrad,
};
use spotproof_core::step::{self, StepSummary, StepTensors};

/// Device buffers of one layer's state and gradients.
struct LayerBufs {
    master: wgpu::Buffer,
    weight: wgpu::Buffer,
    bias: wgpu::Buffer,
    wgrad: wgpu::Buffer,
    bgrad: wgpu::Buffer,
}

/// The activations of one batch size: input, per-layer outputs and errors.
struct BatchBufs {
    rows: usize,
    indices: wgpu::Buffer,
    x: wgpu::Buffer,
    labels: wgpu::Buffer,
    acts: Vec<wgpu::Buffer>,
    errors: Vec<wgpu::Buffer>,
}

/// Trains a model on the GPU, bit-identical to [`spotproof_core::step::train_step`].
///
/// Weights, biases and the dataset stay on the device between steps; a step uploads only the
/// batch's row indices, runs every op in one submission and reads back the logits and output
/// errors (for the loss and accuracy), or with [`GpuTrainer::train_step_full`] every tensor.
pub struct GpuTrainer {
    gpu: Gpu,
    config: ModelConfig,
    rows: usize,
    classes: usize,
    scale: InputScale,
    images: wgpu::Buffer,
    labels: wgpu::Buffer,
    layers: Vec<LayerBufs>,
    train: BatchBufs,
    step_dispatches: Vec<Dispatch>,
    eval: Option<(BatchBufs, Vec<Dispatch>)>,
}

/// Rows per inference launch.
const EVAL_BATCH: usize = 512;

impl GpuTrainer {
    /// Uploads `model` and `data` to `gpu` and prepares every launch of a step.
    pub fn new(gpu: Gpu, model: &Model, data: &Dataset) -> Result<Self> {
        model.config.validate()?;
        step::check_dataset(model, data)?;
        let (packed, _) = pack_rows(&data.images);
        let images = gpu.storage("images", &packed)?;
        let labels = gpu.storage("labels", &widen::<u8>(&data.labels))?;
        let layers = model
            .layers
            .iter()
            .map(|l| {
                let (n, k) = l.master.shape();
                Ok(LayerBufs {
                    master: gpu.storage("master", &widen(l.master.data()))?,
                    weight: gpu.storage("weight", &widen(l.weight.data()))?,
                    bias: gpu.storage("bias", &l.bias)?,
                    wgrad: gpu.zeroed("weight_grad", n * k)?,
                    bgrad: gpu.zeroed("bias_grad", n)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let train = batch_bufs(&gpu, &model.config, model.config.batch)?;
        let mut t = Self {
            gpu,
            config: model.config.clone(),
            rows: data.len(),
            classes: data.classes,
            scale: data.scale,
            images,
            labels,
            layers,
            train,
            step_dispatches: Vec::new(),
            eval: None,
        };
        t.step_dispatches = t.step_launches(data)?;
        Ok(t)
    }

    /// The device this trainer runs on.
    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    fn gather_launch(
        &self,
        bufs: &BatchBufs,
        data_cols: usize,
        scale: InputScale,
    ) -> Result<Dispatch> {
        self.gpu.dispatch(
            &Gather,
            ops::gather::params(bufs.rows, data_cols, scale),
            &[
                &self.images,
                &self.labels,
                &bufs.indices,
                &bufs.x,
                &bufs.labels,
            ],
        )
    }

    fn forward_launches(&self, bufs: &BatchBufs) -> Result<Vec<Dispatch>> {
        let cfg = &self.config;
        (0..cfg.layers())
            .map(|l| {
                let (k, n) = (cfg.widths[l], cfg.widths[l + 1]);
                let input = if l == 0 { &bufs.x } else { &bufs.acts[l - 1] };
                let params =
                    ops::linear_forward::params(bufs.rows, n, k, cfg.fwd_shift(l), cfg.relu(l));
                let lb = &self.layers[l];
                self.gpu.dispatch(
                    &LinearForward,
                    params,
                    &[input, &lb.weight, &lb.bias, &bufs.acts[l]],
                )
            })
            .collect()
    }

    /// The launches of one step, in the order of `spotproof_core::step::train_step`.
    fn step_launches(&self, data: &Dataset) -> Result<Vec<Dispatch>> {
        let cfg = &self.config;
        let (b, last) = (cfg.batch, cfg.layers() - 1);
        let t = &self.train;
        let mut d = vec![self.gather_launch(t, data.features(), self.scale)?];
        d.extend(self.forward_launches(t)?);
        let n_out = cfg.widths[last + 1];
        d.push(self.gpu.dispatch(
            &OutputError,
            ops::output_error::params(b, n_out, cfg.hyper.target, 0),
            &[&t.acts[last], &t.labels, &t.errors[last]],
        )?);
        for l in (0..=last).rev() {
            let (k, n) = (cfg.widths[l], cfg.widths[l + 1]);
            let input = if l == 0 { &t.x } else { &t.acts[l - 1] };
            let lb = &self.layers[l];
            d.push(self.gpu.dispatch(
                &WeightGrad,
                ops::weight_grad::params(n, k, b),
                &[&t.errors[l], input, &lb.wgrad],
            )?);
            d.push(self.gpu.dispatch(
                &BiasGrad,
                ops::bias_grad::params(b, n),
                &[&t.errors[l], &lb.bgrad],
            )?);
            if l > 0 {
                d.push(self.gpu.dispatch(
                    &LinearBackwardInput,
                    ops::linear_backward_input::params(b, k, n, cfg.back_shift(l)),
                    &[&t.errors[l], &lb.weight, &t.acts[l - 1], &t.errors[l - 1]],
                )?);
            }
        }
        for (l, lb) in self.layers.iter().enumerate() {
            let (k, n) = (cfg.widths[l], cfg.widths[l + 1]);
            d.push(self.gpu.dispatch(
                &SgdUpdate,
                ops::sgd_update::params(n * k, cfg.update_shift()),
                &[&lb.master, &lb.wgrad, &lb.weight],
            )?);
            d.push(self.gpu.dispatch(
                &BiasUpdate,
                ops::bias_update::params(n, cfg.hyper.bias_lr_shift),
                &[&lb.bias, &lb.bgrad],
            )?);
        }
        Ok(d)
    }

    fn upload_indices(&self, bufs: &BatchBufs, indices: &[u32]) -> Result<()> {
        if indices.len() != bufs.rows {
            return Err(CoreError::Shape {
                op: "gather",
                what: "batch indices",
                expected: (bufs.rows, 1),
                got: (indices.len(), 1),
            }
            .into());
        }
        if let Some(&bad) = indices.iter().find(|&&i| i as usize >= self.rows) {
            return Err(CoreError::Index {
                op: "gather",
                index: bad as usize,
                len: self.rows,
            }
            .into());
        }
        self.gpu.write(&bufs.indices, indices);
        Ok(())
    }

    /// One training step on the dataset rows `indices`; returns the loss and accuracy counts.
    pub fn train_step(&mut self, indices: &[u32]) -> Result<StepSummary> {
        self.upload_indices(&self.train, indices)?;
        let last = self.config.layers() - 1;
        let (b, n) = (self.config.batch, self.config.widths[last + 1]);
        let t = &self.train;
        let mut out = self.gpu.run(
            &self.step_dispatches,
            &[
                (&t.acts[last], b * n),
                (&t.errors[last], b * n),
                (&t.labels, b),
            ],
        )?;
        let labels: Vec<u32> = narrow("labels", out.pop().unwrap_or_default())?;
        let errors = to_mat::<i8>("errors", b, n, out.pop().unwrap_or_default())?;
        let logits = to_mat::<i8>("logits", b, n, out.pop().unwrap_or_default())?;
        Ok(StepSummary::of(&logits, &errors, &labels))
    }

    /// One training step that reads back every tensor it produced (slower: for tests and traces).
    pub fn train_step_full(&mut self, indices: &[u32]) -> Result<StepTensors> {
        self.upload_indices(&self.train, indices)?;
        let cfg = &self.config;
        let b = cfg.batch;
        let t = &self.train;
        let mut reads: Vec<(&wgpu::Buffer, usize)> =
            vec![(&t.x, b * cfg.widths[0]), (&t.labels, b)];
        for l in 0..cfg.layers() {
            reads.push((&t.acts[l], b * cfg.widths[l + 1]));
            reads.push((&t.errors[l], b * cfg.widths[l + 1]));
        }
        for (l, lb) in self.layers.iter().enumerate() {
            let (k, n) = (cfg.widths[l], cfg.widths[l + 1]);
            reads.extend([
                (&lb.wgrad, n * k),
                (&lb.bgrad, n),
                (&lb.master, n * k),
                (&lb.weight, n * k),
                (&lb.bias, n),
            ]);
        }
        let mut out = self.gpu.run(&self.step_dispatches, &reads)?.into_iter();
        let mut next = || out.next().unwrap_or_default();
        let input = to_mat("input", b, cfg.widths[0], next())?;
        let labels = narrow("labels", next())?;
        let (mut acts, mut errors) = (Vec::new(), Vec::new());
        for l in 0..cfg.layers() {
            acts.push(to_mat("acts", b, cfg.widths[l + 1], next())?);
            errors.push(to_mat("errors", b, cfg.widths[l + 1], next())?);
        }
        let (mut weight_grads, mut bias_grads, mut layers) = (Vec::new(), Vec::new(), Vec::new());
        for l in 0..cfg.layers() {
            let (k, n) = (cfg.widths[l], cfg.widths[l + 1]);
            weight_grads.push(to_mat("weight_grad", n, k, next())?);
            bias_grads.push(next());
            let master = to_mat("master", n, k, next())?;
            let weight = to_mat("weight", n, k, next())?;
            layers.push(Layer {
                master,
                weight,
                bias: next(),
            });
        }
        Ok(StepTensors {
            indices: indices.to_vec(),
            input,
            labels,
            acts,
            errors,
            weight_grads,
            bias_grads,
            layers,
        })
    }

    /// Predicted classes of the dataset rows `indices` (inference: gather + forward on the device).
    pub fn predict(&mut self, indices: &[u32]) -> Result<Vec<u32>> {
        if self.eval.is_none() {
            let bufs = batch_bufs(&self.gpu, &self.config, EVAL_BATCH)?;
            let mut d = vec![self.gather_launch(&bufs, self.config.widths[0], self.scale)?];
            d.extend(self.forward_launches(&bufs)?);
            self.eval = Some((bufs, d));
        }
        let Some((bufs, launches)) = &self.eval else {
            return Ok(Vec::new());
        };
        let last = self.config.layers() - 1;
        let n = self.config.widths[last + 1];
        let mut preds = Vec::with_capacity(indices.len());
        for chunk in indices.chunks(EVAL_BATCH) {
            let mut padded = chunk.to_vec();
            padded.resize(EVAL_BATCH, chunk[0]);
            self.upload_indices(bufs, &padded)?;
            let out = self
                .gpu
                .run(launches, &[(&bufs.acts[last], EVAL_BATCH * n)])?;
            let logits = to_mat::<i8>(
                "logits",
                EVAL_BATCH,
                n,
                out.into_iter().next().unwrap_or_default(),
            )?;
            preds.extend_from_slice(&step::argmax_rows(&logits)[..chunk.len()]);
        }
        Ok(preds)
    }

    /// Reads the model's current state back from the device.
    pub fn model(&self) -> Result<Model> {
        let cfg = &self.config;
        let reads: Vec<(&wgpu::Buffer, usize)> = self
            .layers
            .iter()
            .enumerate()
            .flat_map(|(l, lb)| {
                let (k, n) = (cfg.widths[l], cfg.widths[l + 1]);
                [(&lb.master, n * k), (&lb.weight, n * k), (&lb.bias, n)]
            })
            .collect();
        let mut out = self.gpu.run(&[], &reads)?.into_iter();
        let layers = (0..cfg.layers())
            .map(|l| {
                let (k, n) = (cfg.widths[l], cfg.widths[l + 1]);
                let master = to_mat("master", n, k, out.next().unwrap_or_default())?;
                let weight = to_mat("weight", n, k, out.next().unwrap_or_default())?;
                Ok(Layer {
                    master,
                    weight,
                    bias: out.next().unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Model {
            config: cfg.clone(),
            layers,
        })
    }

    /// Number of classes of the resident dataset.
    pub fn classes(&self) -> usize {
        self.classes
    }
}

fn batch_bufs(gpu: &Gpu, cfg: &ModelConfig, rows: usize) -> Result<BatchBufs> {
    let per_layer = |what| -> Result<Vec<wgpu::Buffer>> {
        (1..cfg.widths.len())
            .map(|l| gpu.zeroed(what, rows * cfg.widths[l]))
            .collect()
    };
    Ok(BatchBufs {
        rows,
        indices: gpu.zeroed("indices", rows)?,
        x: gpu.zeroed("x", rows * cfg.widths[0])?,
        labels: gpu.zeroed("batch_labels", rows)?,
        acts: per_layer("acts")?,
        errors: per_layer("errors")?,
    })
}
