//! The step trace: every tensor of a training step committed, the ordered op table, a header that
//! chains steps, and one root over all of it; plus the data-provenance batch formula and the
//! beacon-seeded sampling of checked elements.
//!
//! Layout (specified in `papers/protocol.md`, "Step trace"):
//! * each tensor's tag is its **role** ([`Role`]), so a weight state has the same root whether a
//!   step outputs it or the next step inputs it;
//! * op descriptor digest: `hash(DOMAIN_OP, kind, p0, p1, p2, p3, in0, in1, in2, out0, out1)`
//!   (tensor slots are indices into the trace's tensor table, absent = `2^32 - 1`);
//! * header digest: `hash(DOMAIN_HEADER, arch_id, step, prev_root, dataset_root, data_seed, worker)`;
//! * trace root: the Merkle root (same tree as tensors) over the leaves
//!   `[header digest, tensor roots…, op digests…]`, each leaf entered as the one-element input
//!   `hash(DOMAIN_TRACE_LEAF, x)`.

use crate::commit::{self, DType, Fr, TensorCommitment, TensorHeader, fe, hash};
use crate::data::Dataset;
use crate::error::{CoreError, Result};
use crate::model::{Model, ModelConfig};
use crate::ops::OpKind;
use crate::step::StepTensors;
use ark_crypto_primitives::merkle_tree::MerkleTree;
use ark_ff::{BigInteger, Field, PrimeField};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Domain tag of an op descriptor.
pub const DOMAIN_OP: u64 = 4;
/// Domain tag of a step header.
pub const DOMAIN_HEADER: u64 = 5;
/// Domain tag of a trace leaf.
pub const DOMAIN_TRACE_LEAF: u64 = 6;
/// Domain tag of a batch index derivation.
pub const DOMAIN_BATCH: u64 = 7;
/// Domain tag of the sampling seed.
pub const DOMAIN_SEED: u64 = 8;
/// Domain tag of one sample.
pub const DOMAIN_SAMPLE: u64 = 9;
/// Domain tag of the architecture id.
pub const DOMAIN_ARCH: u64 = 10;
/// Domain tag of the offline (Fiat–Shamir) beacon.
pub const DOMAIN_FS_BEACON: u64 = 11;

/// Samples per proven step unless configured otherwise: with the 18 ops of a two-layer model,
/// every op receives 3 or 4 (detection table in `papers/protocol.md` §8.1).
pub const DEFAULT_SAMPLES: usize = 64;

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
}

impl Role {
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
        };
        (kind << 16) | u64::from(layer)
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

/// What binds a step to its model, its place in the chain, its data and its worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepHeader {
    /// [`arch_id`] of the model configuration.
    pub arch_id: Fr,
    /// Step index (0-based).
    pub step: u64,
    /// The previous step's trace root (zero for the first step).
    pub prev_root: Fr,
    /// Root of the committed training rows.
    pub dataset_root: Fr,
    /// Seed of the batch derivation.
    pub data_seed: u64,
    /// The worker's id (e.g. its address as a field element).
    pub worker: Fr,
}

impl StepHeader {
    /// `hash(DOMAIN_HEADER, arch_id, step, prev_root, dataset_root, data_seed, worker)`.
    pub fn digest(&self) -> Fr {
        hash(&[
            fe(DOMAIN_HEADER),
            self.arch_id,
            fe(self.step),
            self.prev_root,
            self.dataset_root,
            fe(self.data_seed),
            self.worker,
        ])
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

/// The low 128 bits of a field element's canonical integer.
pub fn low128(x: &Fr) -> u128 {
    let limbs = x.into_bigint().0;
    u128::from(limbs[0]) | (u128::from(limbs[1]) << 64)
}

/// Reduces a hash output to `0..n`: `low128(x) mod n`. The statistical distance from uniform is
/// below `n / 2^128` (for `n < 2^32`: below 2^-96); computable in a circuit from a 254-bit
/// decomposition and one range-checked division.
pub fn reduce(x: &Fr, n: u64) -> u64 {
    (low128(x) % u128::from(n.max(1))) as u64
}

/// Row `j` of step `step`'s batch: `reduce(hash(DOMAIN_BATCH, data_seed, step, j), rows)`.
/// Rows are drawn with replacement, independently per step, from the committed training rows.
pub fn batch_row(data_seed: u64, step: u64, j: u64, rows: u64) -> u32 {
    reduce(
        &hash(&[fe(DOMAIN_BATCH), fe(data_seed), fe(step), fe(j)]),
        rows,
    ) as u32
}

/// The whole batch of step `step`.
pub fn batch_indices(data_seed: u64, step: u64, batch: usize, rows: usize) -> Vec<u32> {
    (0..batch as u64)
        .map(|j| batch_row(data_seed, step, j, rows as u64))
        .collect()
}

/// Bits of a beacon: beacons are integers below 2^93.
pub const BEACON_BITS: u32 = 93;
/// Bits of a worker id: worker ids are EVM addresses, integers below 2^160.
pub const WORKER_BITS: u32 = 160;

/// Whether `x` is below 2^`bits`.
pub(crate) fn fits(x: &Fr, bits: u32) -> bool {
    x.into_bigint().num_bits() <= bits
}

/// `x mod 2^BEACON_BITS`: how a beacon is taken from a wider random value (a hash, a block hash).
pub fn beacon_of(x: Fr) -> Fr {
    let mut limbs = x.into_bigint().0;
    limbs[1] &= (1u64 << (BEACON_BITS - 64)) - 1;
    limbs[2] = 0;
    limbs[3] = 0;
    Fr::from(u128::from(limbs[0]) | (u128::from(limbs[1]) << 64))
}

/// The circuit's second public input, `worker + 2^160 · beacon` (below 2^253 < r, so it
/// determines both). `None` unless the worker id fits 160 bits and the beacon 93.
///
/// Packing the two into one input saves the on-chain verifier a scalar multiplication
/// (6,150 gas; papers/onchain.md).
pub fn challenge(beacon: Fr, worker: Fr) -> Option<Fr> {
    (fits(&beacon, BEACON_BITS) && fits(&worker, WORKER_BITS))
        .then(|| worker + beacon * Fr::from(2u64).pow([u64::from(WORKER_BITS)]))
}

/// The offline beacon (Fiat–Shamir): `hash(DOMAIN_FS_BEACON, trace_root) mod 2^93`. A worker can
/// only re-roll it by changing the trace, i.e. by recommitting (see the grinding bound in the
/// paper).
pub fn fiat_shamir_beacon(trace_root: Fr) -> Fr {
    beacon_of(hash(&[fe(DOMAIN_FS_BEACON), trace_root]))
}

/// The sampling seed: `hash(DOMAIN_SEED, trace_root, beacon)`.
pub fn sample_seed(trace_root: Fr, beacon: Fr) -> Fr {
    hash(&[fe(DOMAIN_SEED), trace_root, beacon])
}

/// One checked element: op `j mod n_ops`, output element `reduce(hash(DOMAIN_SAMPLE, seed, j), size)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Sample number.
    pub j: u64,
    /// Index into the op table.
    pub op: usize,
    /// Row-major index into the op's (first) output tensor.
    pub element: u64,
}

/// The committed training rows as one u8 tensor: row `i` is `[features…, label]` of training row
/// `train[i]`.
pub fn commit_dataset(data: &Dataset, train: &[u32]) -> Result<TensorCommitment> {
    let cols = data.features() + 1;
    let mut values = Vec::with_capacity(train.len() * cols);
    for &r in train {
        let r = r as usize;
        if r >= data.len() {
            return Err(CoreError::Index {
                op: "commit_dataset",
                index: r,
                len: data.len(),
            });
        }
        values.extend(data.images.row(r).iter().map(|&p| i64::from(p)));
        values.push(i64::from(data.labels[r]));
    }
    commit::commit_tensor(
        TensorHeader {
            tag: Role::Dataset.tag(),
            dtype: DType::U8,
            rows: train.len(),
            cols,
        },
        &values,
    )
}

/// A committed step: header, tensor table, op table and root. It keeps the trees for openings.
pub struct Trace {
    /// The header.
    pub header: StepHeader,
    /// Role of each tensor, in table order.
    pub roles: Vec<Role>,
    /// Commitment of each tensor (the dataset's is shared by every step of a run).
    pub tensors: Vec<Arc<TensorCommitment>>,
    /// The op table, in execution order.
    pub ops: Vec<OpDesc>,
    /// The trace root.
    pub root: Fr,
    tree: MerkleTree<commit::MerkleConfig>,
}

impl Trace {
    /// Index of the tensor with `role`.
    pub fn slot(&self, role: Role) -> Option<usize> {
        self.roles.iter().position(|&r| r == role)
    }

    /// The root of the tensor with `role`.
    pub fn root_of(&self, role: Role) -> Option<Fr> {
        self.slot(role).map(|i| self.tensors[i].root)
    }

    /// The trace-tree path of leaf `index` (0 header, `1 + slot` tensor, `1 + n_tensors + op` op).
    pub fn open_leaf(&self, index: usize) -> Result<commit::RowPath> {
        if index >= trace_leaves(self.tensors.len(), self.ops.len()) {
            return Err(CoreError::Index {
                op: "open_leaf",
                index,
                len: trace_leaves(self.tensors.len(), self.ops.len()),
            });
        }
        self.tree
            .generate_proof(index)
            .map_err(|e| CoreError::Merkle(e.to_string()))
    }

    /// The `s` samples a beacon selects.
    pub fn samples(&self, beacon: Fr, s: usize) -> Vec<Sample> {
        samples_of(&crate::check::Manifest::of(self), self.root, beacon, s)
    }
}

/// Sample `j` of `s`: op `j mod n_ops` and element `reduce(hash(DOMAIN_SAMPLE, seed, j), |out|)`
/// of that op's first output, with `seed = sample_seed(root, beacon)`.
pub fn samples_of(m: &crate::check::Manifest, root: Fr, beacon: Fr, s: usize) -> Vec<Sample> {
    let seed = sample_seed(root, beacon);
    (0..s as u64)
        .map(|j| {
            let op = (j % m.ops.len().max(1) as u64) as usize;
            let out = m
                .ops
                .get(op)
                .and_then(|o| o.outputs.first())
                .and_then(|&t| m.tensors.get(t))
                .map_or(1, |t| {
                    let h = t.1;
                    (h.rows * h.cols) as u64
                });
            Sample {
                j,
                op,
                element: reduce(&hash(&[fe(DOMAIN_SAMPLE), seed, fe(j)]), out),
            }
        })
        .collect()
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

/// The layout of step `step` of `cfg` over a dataset committed with header `dataset`.
pub fn layout(cfg: &ModelConfig, dataset: TensorHeader, data_seed: u64, step: u64) -> Layout {
    let n_layers = cfg.layers();
    let b = cfg.batch;
    let (mut roles, mut headers) = (vec![Role::Dataset], vec![dataset]);
    let mut push = |role: Role, dtype: DType, rows: usize, cols: usize| {
        roles.push(role);
        headers.push(TensorHeader {
            tag: role.tag(),
            dtype,
            rows,
            cols,
        });
        headers.len() - 1
    };
    let input = push(Role::Input, DType::I8, b, cfg.widths[0]);
    let labels = push(Role::Labels, DType::U8, b, 1);
    let state = |push: &mut dyn FnMut(Role, DType, usize, usize) -> usize| -> Vec<[usize; 3]> {
        (0..n_layers)
            .map(|l| {
                let (k, n, l) = (cfg.widths[l], cfg.widths[l + 1], l as u16);
                [
                    push(Role::Master(l), DType::I16, n, k),
                    push(Role::Weight(l), DType::I8, n, k),
                    push(Role::Bias(l), DType::I32, n, 1),
                ]
            })
            .collect()
    };
    let state_in = state(&mut push);
    let mut act = Vec::new();
    let mut err = Vec::new();
    let mut wg = Vec::new();
    let mut bg = Vec::new();
    for l in 0..n_layers {
        let (k, n, l16) = (cfg.widths[l], cfg.widths[l + 1], l as u16);
        act.push(push(Role::Act(l16), DType::I8, b, n));
        err.push(push(Role::Err(l16), DType::I8, b, n));
        wg.push(push(Role::WeightGrad(l16), DType::I32, n, k));
        bg.push(push(Role::BiasGrad(l16), DType::I32, n, 1));
    }
    let state_out = state(&mut push);
    // Transposes of the operands read by column (see `ops::transpose`).
    let input_t = push(Role::InputT, DType::I8, cfg.widths[0], b);
    let act_t: Vec<usize> = (0..n_layers - 1)
        .map(|l| push(Role::ActT(l as u16), DType::I8, cfg.widths[l + 1], b))
        .collect();
    let err_t: Vec<usize> = (0..n_layers)
        .map(|l| push(Role::ErrT(l as u16), DType::I8, cfg.widths[l + 1], b))
        .collect();
    let weight_t: Vec<Option<usize>> = (0..n_layers)
        .map(|l| {
            (l > 0).then(|| {
                push(
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
        ops.push(op(
            OpKind::WeightGrad,
            [0; 4],
            vec![err_t[l], x_t(l)],
            vec![wg[l]],
        ));
        ops.push(op(OpKind::BiasGrad, [0; 4], vec![err_t[l]], vec![bg[l]]));
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
        let (lr, blr) = (cfg.hyper.lr_shift.into(), cfg.hyper.bias_lr_shift.into());
        ops.push(op(
            OpKind::SgdUpdate,
            [lr, 0, 0, 0],
            vec![state_in[l][0], wg[l]],
            vec![state_out[l][0], state_out[l][1]],
        ));
        ops.push(op(
            OpKind::BiasUpdate,
            [blr, 0, 0, 0],
            vec![state_in[l][2], bg[l]],
            vec![state_out[l][2]],
        ));
    }
    Layout {
        roles,
        headers,
        ops,
    }
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
        return Err(CoreError::Config(
            "the step's tensors do not match the model's layers",
        ));
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
        values.extend([
            widen(t.acts[l].data()),
            widen(t.errors[l].data()),
            widen(t.weight_grads[l].data()),
            widen(&t.bias_grads[l]),
        ]);
    }
    state(&t.layers, &mut values);
    let transposed = std::iter::once(&t.input)
        .chain(&t.acts[..n_layers - 1])
        .chain(&t.errors)
        .chain(before.layers[1..].iter().map(|l| &l.weight));
    values.extend(transposed.map(|m| widen(crate::ops::transpose(m).data())));
    Ok(values)
}

/// Commits the step that turned `before` into `t.layers` on the rows `t.indices` of the committed
/// dataset, in the [`layout`] of `before.config`, and computes its root.
pub fn commit_step(
    before: &Model,
    t: &StepTensors,
    dataset: &Arc<TensorCommitment>,
    header: StepHeader,
) -> Result<Trace> {
    commit_values(&before.config, &step_values(before, t)?, dataset, header)
}

/// Commits the tensors `values` (slots `1..` of the [`layout`] of `cfg`, e.g. from
/// [`step_values`]) under `header`.
pub fn commit_values(
    cfg: &ModelConfig,
    values: &[Vec<i64>],
    dataset: &Arc<TensorCommitment>,
    header: StepHeader,
) -> Result<Trace> {
    let lay = layout(cfg, dataset.header, header.data_seed, header.step);
    if values.len() + 1 != lay.headers.len() {
        return Err(CoreError::Config(
            "the step's tensors do not match the model's layout",
        ));
    }
    let mut tensors = vec![dataset.clone()];
    for (h, v) in lay.headers[1..].iter().zip(values) {
        tensors.push(Arc::new(commit::commit_tensor(*h, v)?));
    }
    let mut leaves = vec![header.digest()];
    leaves.extend(tensors.iter().map(|c| c.root));
    leaves.extend(lay.ops.iter().map(OpDesc::digest));
    let tree = trace_tree(&leaves)?;
    Ok(Trace {
        header,
        roles: lay.roles,
        tensors,
        ops: lay.ops,
        root: tree.root(),
        tree,
    })
}

/// Leaves of a trace tree: header digest, `n_tensors` tensor roots, `n_ops` op digests.
pub fn trace_leaves(n_tensors: usize, n_ops: usize) -> usize {
    1 + n_tensors + n_ops
}

/// The Merkle tree over trace leaves: leaf inputs `[DOMAIN_TRACE_LEAF, x]`, padded like a tensor.
fn trace_tree(leaves: &[Fr]) -> Result<MerkleTree<commit::MerkleConfig>> {
    let mut digests: Vec<Fr> = leaves
        .iter()
        .map(|x| hash(&[fe(DOMAIN_TRACE_LEAF), *x]))
        .collect();
    digests.resize(
        digests.len().next_power_of_two().max(2),
        hash(&[fe(commit::DOMAIN_PAD)]),
    );
    let p = commit::poseidon();
    MerkleTree::<commit::MerkleConfig>::new_with_leaf_digest(p, p, digests)
        .map_err(|e| CoreError::Merkle(e.to_string()))
}

/// The trace root over `leaves`.
pub(crate) fn trace_root(leaves: &[Fr]) -> Result<Fr> {
    trace_tree(leaves).map(|t| t.root())
}

/// Checks that `x` is leaf `index` of a trace tree with `n_leaves` leaves and root `root`.
pub fn verify_trace_leaf(
    root: Fr,
    n_leaves: usize,
    index: usize,
    x: Fr,
    path: &commit::RowPath,
) -> Result<()> {
    let h = TensorHeader {
        tag: 0,
        dtype: DType::U8,
        rows: n_leaves,
        cols: 1,
    };
    if index >= n_leaves || path.leaf_index != index || path.auth_path.len() != h.path_len() {
        return Err(CoreError::PathShape {
            row: index,
            leaf_index: path.leaf_index,
            path_len: path.auth_path.len(),
            expected_len: h.path_len(),
        });
    }
    let p = commit::poseidon();
    match path.verify(p, p, &root, [fe(DOMAIN_TRACE_LEAF), x].as_slice()) {
        Ok(true) => Ok(()),
        Ok(false) => Err(CoreError::RowMismatch { row: index }),
        Err(e) => Err(CoreError::Merkle(e.to_string())),
    }
}
