//! The layout of a step: every tensor's role (its tag), the op table with its wiring, the
//! architecture id, and the values a step commits in table order (`papers/protocol.md` §4.1–4.2).
//! What a worker commits to and what a validator checks a manifest against.

use crate::commit::{DType, Fr, TensorHeader, fe, hash};
use crate::domain::{DOMAIN_ARCH, DOMAIN_OP};
use crate::error::Result;
use crate::model::{Model, ModelConfig};
use crate::ops::OpKind;
use crate::step::StepTensors;
use serde::{Deserialize, Serialize};

/// An absent tensor slot in an op descriptor.
pub const NO_TENSOR: u64 = u32::MAX as u64;

/// What a tensor is in a step; its tag is `kind · 2^16 + layer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// The committed training rows `[features…, label]` (u8).
    Dataset,
    /// `gather`'s int8 input batch.
    Input,
    /// `gather`'s labels (u8, `B×1`).
    Labels,
    /// `linear_forward` output of a layer.
    Act(u16),
    /// Error at a layer's output.
    Err(u16),
    /// Weight gradient of a layer.
    WeightGrad(u16),
    /// Bias gradient of a layer (`N×1`: one value per row, so opening one costs one short row).
    BiasGrad(u16),
    /// Master weights of a layer (state).
    Master(u16),
    /// Int8 weights of a layer (state).
    Weight(u16),
    /// Biases of a layer (state, `N×1`).
    Bias(u16),
    /// Transpose of the input batch (`K₀×B`).
    InputT,
    /// Transpose of a layer's output (`N×B`).
    ActT(u16),
    /// Transpose of the error at a layer's output (`N×B`).
    ErrT(u16),
    /// Transpose of a layer's int8 weights (`K×N`, state in).
    WeightT(u16),
    /// The predicted class of each query (inference, `Q×1`).
    Pred,
    /// Whether each prediction is the query's label (inference, `Q×1`, 0 or 1).
    Correct,
}

impl Role {
    /// Weight state (masters, int8 weights, biases): a step's state out is the next step's state in.
    pub fn is_state(self) -> bool {
        matches!(self, Role::Master(_) | Role::Weight(_) | Role::Bias(_))
    }

    /// The tag committed in the tensor root.
    pub fn tag(self) -> u64 {
        let (kind, layer) = match self {
            Role::Dataset => (1, 0),
            Role::Input => (2, 0),
            Role::Labels => (3, 0),
            Role::Act(l) => (4, l),
            Role::Err(l) => (5, l),
            Role::WeightGrad(l) => (6, l),
            Role::BiasGrad(l) => (7, l),
            Role::Master(l) => (8, l),
            Role::Weight(l) => (9, l),
            Role::Bias(l) => (10, l),
            Role::InputT => (11, 0),
            Role::ActT(l) => (12, l),
            Role::ErrT(l) => (13, l),
            Role::WeightT(l) => (14, l),
            Role::Pred => (15, 0),
            Role::Correct => (16, 0),
        };
        (kind << 16) | u64::from(layer)
    }
}

/// What a trace records: a training step or the forward passes of a batch of queries. A trace's
/// kind follows from its op table (only an inference trace has a `predict`), which the trace root
/// binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceKind {
    /// A training step ([`layout`]).
    Train,
    /// Inference on a batch of queries ([`infer_layout`]).
    Infer,
}

impl TraceKind {
    /// The kind of a trace with op table `ops`.
    pub fn of(ops: &[OpDesc]) -> Self {
        if ops.iter().any(|o| o.kind == OpKind::Predict) {
            TraceKind::Infer
        } else {
            TraceKind::Train
        }
    }
}

/// One op of the trace: kind, integer parameters, input and output tensor slots.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpDesc {
    /// The op.
    pub kind: OpKind,
    /// Parameters (shift, floor/relu, target, …; unused = 0).
    pub params: [i64; 4],
    /// Input tensor indices (into the trace's tensor table).
    pub inputs: Vec<usize>,
    /// Output tensor indices.
    pub outputs: Vec<usize>,
}

impl OpDesc {
    /// `(rows, cols)` of the op's first output among the tensor `shapes` — what its samples'
    /// blocks tile; `(0, 0)` if it has none.
    pub fn output_shape(&self, shapes: &[(usize, usize)]) -> (usize, usize) {
        self.outputs
            .first()
            .and_then(|&t| shapes.get(t))
            .copied()
            .unwrap_or((0, 0))
    }

    /// `hash(DOMAIN_OP, kind, p0..p3, in0..in2, out0, out1)`; parameters enter as field elements
    /// of their (possibly negative) integer value.
    pub fn digest(&self) -> Fr {
        let slot = |v: &Vec<usize>, i: usize| fe(v.get(i).map_or(NO_TENSOR, |&t| t as u64));
        let mut x = vec![fe(DOMAIN_OP), fe(self.kind.code())];
        x.extend(self.params.iter().map(|&p| Fr::from(p)));
        x.extend((0..3).map(|i| slot(&self.inputs, i)));
        x.extend((0..2).map(|i| slot(&self.outputs, i)));
        hash(&x)
    }
}

/// `hash(DOMAIN_ARCH, layers, widths…, batch, lr_shift, bias_lr_shift, target, back_gain, shl, shr)`:
/// everything the step's arithmetic depends on.
pub fn arch_id(cfg: &ModelConfig) -> Fr {
    let h = &cfg.hyper;
    let mut x = vec![fe(DOMAIN_ARCH), fe(cfg.widths.len() as u64)];
    x.extend(cfg.widths.iter().map(|&w| fe(w as u64)));
    x.extend(
        [
            cfg.batch as u64,
            h.lr_shift.into(),
            h.bias_lr_shift.into(),
            h.target as u64,
            h.back_gain.into(),
        ]
        .map(fe),
    );
    x.extend([cfg.input_scale.shl, cfg.input_scale.shr].map(|v| fe(v.into())));
    hash(&x)
}

fn widen<T: Copy + Into<i64>>(v: &[T]) -> Vec<i64> {
    v.iter().map(|&x| x.into()).collect()
}

/// The tensor table and op table a configuration implies: roles, headers and wiring, without
/// values. The worker commits to exactly this layout and a validator checks a manifest against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Role of each slot.
    pub roles: Vec<Role>,
    /// Header of each slot.
    pub headers: Vec<TensorHeader>,
    /// The op table.
    pub ops: Vec<OpDesc>,
}

/// A tensor table being built: slot 0 the dataset, then each pushed role with its header.
struct Table {
    roles: Vec<Role>,
    headers: Vec<TensorHeader>,
}

impl Table {
    fn new(dataset: TensorHeader) -> Self {
        Self {
            roles: vec![Role::Dataset],
            headers: vec![dataset],
        }
    }

    /// Appends a tensor of `role`; returns its slot.
    fn push(&mut self, role: Role, dtype: DType, rows: usize, cols: usize) -> usize {
        self.roles.push(role);
        self.headers.push(TensorHeader {
            tag: role.tag(),
            dtype,
            rows,
            cols,
        });
        self.headers.len() - 1
    }
}

/// The layout of step `step` of `cfg` over a dataset committed with header `dataset`.
pub fn layout(cfg: &ModelConfig, dataset: TensorHeader, data_seed: u64, step: u64) -> Layout {
    let n_layers = cfg.layers();
    let b = cfg.batch;
    let mut t = Table::new(dataset);
    let input = t.push(Role::Input, DType::I8, b, cfg.widths[0]);
    let labels = t.push(Role::Labels, DType::U8, b, 1);
    let state = |t: &mut Table| -> Vec<[usize; 3]> {
        (0..n_layers)
            .map(|l| {
                let (k, n, l) = (cfg.widths[l], cfg.widths[l + 1], l as u16);
                [
                    t.push(Role::Master(l), DType::I16, n, k),
                    t.push(Role::Weight(l), DType::I8, n, k),
                    t.push(Role::Bias(l), DType::I32, n, 1),
                ]
            })
            .collect()
    };
    let state_in = state(&mut t);
    let mut act = Vec::new();
    let mut err = Vec::new();
    // The gradients are computed but not committed: an update's sample recomputes its gradient
    // element from the committed error and input columns (`ops::sgd_update`, `ops::bias_update`).
    for l in 0..n_layers {
        let (n, l16) = (cfg.widths[l + 1], l as u16);
        act.push(t.push(Role::Act(l16), DType::I8, b, n));
        err.push(t.push(Role::Err(l16), DType::I8, b, n));
    }
    let state_out = state(&mut t);
    // Transposes of the operands read by column (see `ops::transpose`).
    let input_t = t.push(Role::InputT, DType::I8, cfg.widths[0], b);
    let act_t: Vec<usize> = (0..n_layers - 1)
        .map(|l| t.push(Role::ActT(l as u16), DType::I8, cfg.widths[l + 1], b))
        .collect();
    let err_t: Vec<usize> = (0..n_layers)
        .map(|l| t.push(Role::ErrT(l as u16), DType::I8, cfg.widths[l + 1], b))
        .collect();
    let weight_t: Vec<Option<usize>> = (0..n_layers)
        .map(|l| {
            (l > 0).then(|| {
                t.push(
                    Role::WeightT(l as u16),
                    DType::I8,
                    cfg.widths[l],
                    cfg.widths[l + 1],
                )
            })
        })
        .collect();
    let x = |l: usize| if l == 0 { input } else { act[l - 1] };
    let x_t = |l: usize| if l == 0 { input_t } else { act_t[l - 1] };
    let op = |kind, params, inputs, outputs| OpDesc {
        kind,
        params,
        inputs,
        outputs,
    };
    let transpose = |from: usize, to: usize| op(OpKind::Transpose, [0; 4], vec![from], vec![to]);
    let mut ops = vec![
        op(
            OpKind::Gather,
            [
                cfg.input_scale.shl.into(),
                cfg.input_scale.shr.into(),
                data_seed as i64,
                step as i64,
            ],
            vec![0],
            vec![input, labels],
        ),
        transpose(input, input_t),
    ];
    for (l, wt) in weight_t.iter().enumerate() {
        if let Some(wt) = *wt {
            ops.push(transpose(state_in[l][1], wt));
        }
    }
    for l in 0..n_layers {
        let floor = i64::from(crate::ops::activation_floor(cfg.relu(l)));
        ops.push(op(
            OpKind::LinearForward,
            [cfg.fwd_shift(l).into(), floor, 0, 0],
            vec![x(l), state_in[l][1], state_in[l][2]],
            vec![act[l]],
        ));
        if l + 1 < n_layers {
            ops.push(transpose(act[l], act_t[l]));
        }
    }
    let last = n_layers - 1;
    ops.push(op(
        OpKind::OutputError,
        [cfg.hyper.target.into(), 0, 0, 0],
        vec![act[last], labels],
        vec![err[last]],
    ));
    for l in (0..n_layers).rev() {
        ops.push(transpose(err[l], err_t[l]));
        if let Some(wt) = weight_t[l] {
            ops.push(op(
                OpKind::LinearBackwardInput,
                [cfg.back_shift(l).into(), 0, 0, 0],
                vec![err[l], wt, act[l - 1]],
                vec![err[l - 1]],
            ));
        }
    }
    for l in 0..n_layers {
        let (lr, blr) = (cfg.update_shift().into(), cfg.hyper.bias_lr_shift.into());
        ops.push(op(
            OpKind::SgdUpdate,
            [lr, 0, 0, 0],
            vec![err_t[l], x_t(l), state_in[l][0]],
            vec![state_out[l][0], state_out[l][1]],
        ));
        ops.push(op(
            OpKind::BiasUpdate,
            [blr, 0, 0, 0],
            vec![err_t[l], state_in[l][2]],
            vec![state_out[l][2]],
        ));
    }
    Layout {
        roles: t.roles,
        headers: t.headers,
        ops,
    }
}

/// The layout of inference with `cfg`'s model on the `Q = dataset.rows` queries committed with
/// header `dataset` (rows `[features…, label]`, label 0 for queries without one): `gather` of
/// every query in order (query `i` is input row `i`), each layer's `linear_forward` from the
/// model's int8 weights and biases (the same roles, so the same roots, as a training step's
/// state), and `predict` of the last layer's logits. `cfg.batch` is ignored: the batch is `Q`.
pub fn infer_layout(cfg: &ModelConfig, dataset: TensorHeader) -> Layout {
    let n_layers = cfg.layers();
    let q = dataset.rows;
    let mut t = Table::new(dataset);
    let input = t.push(Role::Input, DType::I8, q, cfg.widths[0]);
    let labels = t.push(Role::Labels, DType::U8, q, 1);
    let model: Vec<[usize; 2]> = (0..n_layers)
        .map(|l| {
            let (k, n, l) = (cfg.widths[l], cfg.widths[l + 1], l as u16);
            [
                t.push(Role::Weight(l), DType::I8, n, k),
                t.push(Role::Bias(l), DType::I32, n, 1),
            ]
        })
        .collect();
    let act: Vec<usize> = (0..n_layers)
        .map(|l| t.push(Role::Act(l as u16), DType::I8, q, cfg.widths[l + 1]))
        .collect();
    let pred = t.push(Role::Pred, DType::I16, q, 1);
    let correct = t.push(Role::Correct, DType::U8, q, 1);
    let op = |kind, params, inputs, outputs| OpDesc {
        kind,
        params,
        inputs,
        outputs,
    };
    let mut ops = vec![op(
        OpKind::Gather,
        [cfg.input_scale.shl.into(), cfg.input_scale.shr.into(), 0, 0],
        vec![0],
        vec![input, labels],
    )];
    for l in 0..n_layers {
        let floor = i64::from(crate::ops::activation_floor(cfg.relu(l)));
        ops.push(op(
            OpKind::LinearForward,
            [cfg.fwd_shift(l).into(), floor, 0, 0],
            vec![
                if l == 0 { input } else { act[l - 1] },
                model[l][0],
                model[l][1],
            ],
            vec![act[l]],
        ));
    }
    ops.push(op(
        OpKind::Predict,
        [0; 4],
        vec![act[n_layers - 1], labels],
        vec![pred, correct],
    ));
    Layout {
        roles: t.roles,
        headers: t.headers,
        ops,
    }
}

/// The layout of `kind` for `cfg` (any dataset header, step and seed 0): what a class's circuit is
/// built over.
pub fn layout_of(kind: TraceKind, cfg: &ModelConfig, dataset: TensorHeader) -> Layout {
    match kind {
        TraceKind::Train => layout(cfg, dataset, 0, 0),
        TraceKind::Infer => infer_layout(cfg, dataset),
    }
}

/// Where a step's state tensors sit among its trace leaves (leaf 0 is the header digest, leaf
/// `1 + slot` the tensor in `slot`, then the op digests): fixed by the number of layers, so a
/// contract for a class can hold it as constants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceLeaves {
    /// Per state role, layer by layer master, weight, bias (the order of [`state_roots`]): the
    /// leaf of its state in.
    pub state_in: Vec<usize>,
    /// The same roles' leaves of their state out.
    pub state_out: Vec<usize>,
    /// Trace leaves in all (header, tensors, ops).
    pub leaves: usize,
}

/// The op table and tensor table every model of `layers` layers has (shapes aside: every width
/// 1, batch 1).
pub fn template(layers: usize) -> Layout {
    template_of(TraceKind::Train, layers)
}

/// [`template`] for traces of `kind`.
pub fn template_of(kind: TraceKind, layers: usize) -> Layout {
    let cfg = ModelConfig {
        widths: vec![1; layers.max(1) + 1],
        batch: 1,
        hyper: crate::model::Hyper::default(),
        input_scale: crate::ops::InputScale { shl: 0, shr: 0 },
    };
    let dataset = TensorHeader {
        tag: Role::Dataset.tag(),
        dtype: DType::U8,
        rows: 1,
        cols: 2,
    };
    layout_of(kind, &cfg, dataset)
}

/// The [`TraceLeaves`] of models with `layers` layers (`layers ≥ 1`).
pub fn trace_leaves(layers: usize) -> TraceLeaves {
    let lay = template(layers);
    let (mut state_in, mut state_out) = (Vec::new(), Vec::new());
    for (slot, role) in lay.roles.iter().enumerate() {
        if !role.is_state() {
            continue;
        }
        if lay.roles[..slot].contains(role) {
            state_out.push(1 + slot);
        } else {
            state_in.push(1 + slot);
        }
    }
    TraceLeaves {
        state_in,
        state_out,
        leaves: 1 + lay.roles.len() + lay.ops.len(),
    }
}

/// The tensor roots of a model's state, per layer master, weight and bias: what a run's manifests
/// commit as a step's state in and state out (same roles, so the same roots), and what a task
/// binds as its initial state.
pub fn state_roots(model: &Model) -> Result<Vec<crate::commit::Fr>> {
    let mut roots = Vec::with_capacity(3 * model.layers.len());
    for (l, layer) in model.layers.iter().enumerate() {
        let (n, k) = layer.master.shape();
        let l = l as u16;
        let root = |role: Role, dtype: DType, rows: usize, cols: usize, values: Vec<i64>| {
            let h = TensorHeader {
                tag: role.tag(),
                dtype,
                rows,
                cols,
            };
            crate::commit::commit_tensor(h, &values).map(|c| c.root)
        };
        roots.push(root(
            Role::Master(l),
            DType::I16,
            n,
            k,
            widen(layer.master.data()),
        )?);
        roots.push(root(
            Role::Weight(l),
            DType::I8,
            n,
            k,
            widen(layer.weight.data()),
        )?);
        roots.push(root(Role::Bias(l), DType::I32, n, 1, widen(&layer.bias))?);
    }
    Ok(roots)
}

/// The values of every tensor of a step but the dataset (slots `1..`), in [`layout`] order: what
/// [`commit_step`] commits. The transposes are computed here with [`crate::ops::transpose`].
pub fn step_values(before: &Model, t: &StepTensors) -> Result<Vec<Vec<i64>>> {
    let n_layers = before.config.layers();
    if t.layers.len() != n_layers
        || before.layers.len() != n_layers
        || t.acts.len() != n_layers
        || t.errors.len() != n_layers
    {
        return Err(crate::error::ConfigError::StepLayers.into());
    }
    let mut values: Vec<Vec<i64>> = vec![widen(t.input.data()), widen(&t.labels)];
    let state = |layers: &[crate::model::Layer], values: &mut Vec<Vec<i64>>| {
        for layer in layers {
            values.extend([
                widen(layer.master.data()),
                widen(layer.weight.data()),
                widen(&layer.bias),
            ]);
        }
    };
    state(&before.layers, &mut values);
    for l in 0..n_layers {
        values.extend([widen(t.acts[l].data()), widen(t.errors[l].data())]);
    }
    state(&t.layers, &mut values);
    let transposed = std::iter::once(&t.input)
        .chain(&t.acts[..n_layers - 1])
        .chain(&t.errors)
        .chain(before.layers[1..].iter().map(|l| &l.weight));
    values.extend(transposed.map(|m| widen(crate::ops::transpose(m).data())));
    Ok(values)
}

/// The values of every tensor of an inference trace but the queries (slots `1..` of
/// [`infer_layout`]), from the model and the tensors its forward pass produced.
pub fn infer_values(model: &Model, t: &crate::step::InferTensors) -> Result<Vec<Vec<i64>>> {
    let n_layers = model.config.layers();
    if t.acts.len() != n_layers || model.layers.len() != n_layers {
        return Err(crate::error::ConfigError::StepLayers.into());
    }
    let mut values: Vec<Vec<i64>> = vec![widen(t.input.data()), widen(&t.labels)];
    for layer in &model.layers {
        values.extend([widen(layer.weight.data()), widen(&layer.bias)]);
    }
    values.extend(t.acts.iter().map(|a| widen(a.data())));
    values.extend([widen(&t.pred), widen(&t.correct)]);
    Ok(values)
}
