//! The step trace: every tensor of a training step committed, the ordered op table, a header that
//! chains steps, and one root over all of it (`papers/protocol.md` §4.3); the manifest — what a
//! validator sees of it — hashes to the same root.
//!
//! * header digest: `hash(DOMAIN_HEADER, arch_id, step, prev_root, dataset_root, data_seed, worker)`;
//! * trace root: the Merkle root (same tree as tensors) over the leaves
//!   `[header digest, tensor roots…, op digests…]`, each leaf entered as the one-element input
//!   `hash(DOMAIN_TRACE_LEAF, x)`.

use crate::commit::{self, DType, Fr, TensorCommitment, TensorHeader, fe, hash};
use crate::data::Dataset;
use crate::domain;
use crate::domain::{DOMAIN_HEADER, DOMAIN_TRACE_LEAF};
use crate::error::{ConfigError, CoreError, OpenError, Result};
use crate::layout::{OpDesc, Role, layout, step_values};
use crate::model::{Model, ModelConfig};
use crate::ops::sampled::Operand;
use crate::sampling::{Sample, Sampling, samples_of};
use crate::step::StepTensors;
use ark_crypto_primitives::merkle_tree::MerkleTree;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What binds a step to its model, its place in the chain, its data and its worker. In files,
/// field elements are hex ([`commit::fr_hex`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepHeader {
    /// [`arch_id`] of the model configuration.
    #[serde(with = "commit::fr_hex")]
    pub arch_id: Fr,
    /// Step index (0-based).
    pub step: u64,
    /// The previous step's trace root (zero for the first step).
    #[serde(with = "commit::fr_hex")]
    pub prev_root: Fr,
    /// Root of the committed training rows.
    #[serde(with = "commit::fr_hex")]
    pub dataset_root: Fr,
    /// Seed of the batch derivation.
    pub data_seed: u64,
    /// The worker's id (e.g. its address as a field element).
    #[serde(with = "commit::fr_hex")]
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

/// The committed queries of inference (or a test set): every row of `data` in order, as
/// [`commit_dataset`] commits training rows, so a test set's root is what a task would pin.
pub fn commit_queries(data: &Dataset) -> Result<TensorCommitment> {
    commit_dataset(data, &(0..data.len() as u32).collect::<Vec<_>>())
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

    /// The samples a beacon selects.
    pub fn samples(&self, beacon: Fr, sampling: &Sampling) -> Vec<Sample> {
        Manifest::of(self).samples(self.root, beacon, sampling)
    }
}

/// One tensor slot of a manifest: its role (the tag derives from it), shape and Merkle root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestTensor {
    /// What the tensor is.
    pub role: Role,
    /// Element type.
    pub dtype: DType,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Merkle root of its rows.
    #[serde(with = "commit::fr_hex")]
    pub merkle_root: Fr,
}

impl ManifestTensor {
    /// The committed header: the tag is the role's.
    pub fn header(&self) -> TensorHeader {
        TensorHeader {
            tag: self.role.tag(),
            dtype: self.dtype,
            rows: self.rows,
            cols: self.cols,
        }
    }

    /// The tensor root (header and Merkle root), a leaf of the trace tree.
    pub fn root(&self) -> Fr {
        self.header().root(self.merkle_root)
    }
}

/// What a proof checks: the multiply-accumulates of its sampled dot-product outputs and the
/// number of its sampled element-wise outputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Work {
    /// Multiply-accumulates recomputed.
    pub macs: u64,
    /// Element-wise outputs recomputed.
    pub outputs: u64,
}

/// What a validator needs of a committed step, without any tensor data (a bundle's `header`,
/// `tensors` and `ops`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The header.
    pub header: StepHeader,
    /// The tensor slots.
    pub tensors: Vec<ManifestTensor>,
    /// The op table.
    pub ops: Vec<OpDesc>,
}

impl Manifest {
    /// The manifest of a trace.
    pub fn of(trace: &Trace) -> Self {
        Self {
            header: trace.header,
            tensors: trace
                .roles
                .iter()
                .zip(&trace.tensors)
                .map(|(&role, c)| ManifestTensor {
                    role,
                    dtype: c.header.dtype,
                    rows: c.header.rows,
                    cols: c.header.cols,
                    merkle_root: c.merkle_root,
                })
                .collect(),
            ops: trace.ops.clone(),
        }
    }

    /// `(rows, cols)` of each tensor slot.
    pub fn shapes(&self) -> Vec<(usize, usize)> {
        self.tensors.iter().map(|t| (t.rows, t.cols)).collect()
    }

    /// The samples a beacon selects for the trace root `root`.
    pub fn samples(&self, root: Fr, beacon: Fr, sampling: &Sampling) -> Vec<Sample> {
        samples_of(&self.ops, &self.shapes(), root, beacon, sampling)
    }

    /// What the samples `samples` check: each output element of a sampled block of a dot-product
    /// op is as many multiply-accumulates as its inner operand's row is long; any other op's is
    /// one element-wise output.
    pub fn work(&self, samples: &[Sample]) -> Work {
        let mut w = Work::default();
        let shapes = self.shapes();
        for s in samples {
            let Some(op) = self.ops.get(s.op) else {
                continue;
            };
            let (rows, cols) = op.output_shape(&shapes);
            let n =
                crate::ops::sampled::Block::cell(s.cell, rows, cols, s.rows, s.cols).len() as u64;
            let inner = crate::ops::sampled_op(op.kind).inner().and_then(|operand| {
                let slot = match operand {
                    Operand::Input(k) => op.inputs.get(k),
                    Operand::Output(k) => op.outputs.get(k),
                };
                slot.and_then(|&t| self.tensors.get(t))
                    .map(|t| t.cols as u64)
            });
            match inner {
                Some(k) => w.macs += n * k,
                None => w.outputs += n,
            }
        }
        w
    }

    /// The trace leaves: header digest, tensor roots, op digests.
    pub fn leaves(&self) -> Vec<Fr> {
        let mut leaves = vec![self.header.digest()];
        leaves.extend(self.tensors.iter().map(ManifestTensor::root));
        leaves.extend(self.ops.iter().map(OpDesc::digest));
        leaves
    }

    /// The trace root these contents commit to.
    pub fn root(&self) -> Result<Fr> {
        trace_root(&self.leaves())
    }
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
    commit_values_after(cfg, values, dataset, header, None)
}

/// [`commit_values`] for the step after `prev`: a state-in tensor (masters, int8 weights,
/// biases) that equals `prev`'s state out, header and values, is that commitment, carried and
/// not hashed again (`W_in(t) = W_out(t−1)` root for root, §1). Anything else is committed; the
/// tensors are committed in parallel.
pub fn commit_values_after(
    cfg: &ModelConfig,
    values: &[Vec<i64>],
    dataset: &Arc<TensorCommitment>,
    header: StepHeader,
    prev: Option<&Trace>,
) -> Result<Trace> {
    commit_layout(
        layout(cfg, dataset.header, header.data_seed, header.step),
        values,
        dataset,
        header,
        prev,
    )
}

/// Commits inference with `model` on the queries committed in `queries` (rows `[features…,
/// label]`): the tensors of [`crate::layout::infer_layout`] from `t` under `header`, whose step,
/// previous root and data seed are 0 ([`infer_header`]).
pub fn commit_inference(
    model: &Model,
    t: &crate::step::InferTensors,
    queries: &Arc<TensorCommitment>,
    worker: Fr,
) -> Result<Trace> {
    let lay = crate::layout::infer_layout(&model.config, queries.header);
    let values = crate::layout::infer_values(model, t)?;
    commit_layout(
        lay,
        &values,
        queries,
        infer_header(&model.config, queries.root, worker),
        None,
    )
}

/// The header of an inference trace: the model's architecture id, step 0, no previous root, the
/// queries' root as the dataset and data seed 0.
pub fn infer_header(cfg: &ModelConfig, queries_root: Fr, worker: Fr) -> StepHeader {
    StepHeader {
        arch_id: crate::layout::arch_id(cfg),
        step: 0,
        prev_root: Fr::from(0u64),
        dataset_root: queries_root,
        data_seed: 0,
        worker,
    }
}

/// Commits the tensors `values` (slots `1..` of `lay`) under `header`, carrying `prev`'s state out
/// where it is a state in ([`commit_values_after`]).
fn commit_layout(
    lay: crate::layout::Layout,
    values: &[Vec<i64>],
    dataset: &Arc<TensorCommitment>,
    header: StepHeader,
    prev: Option<&Trace>,
) -> Result<Trace> {
    if values.len() + 1 != lay.headers.len() {
        return Err(ConfigError::StepLayout.into());
    }
    // The previous step's state out: the last slot of each state role.
    let mut carried: Vec<(Role, &Arc<TensorCommitment>)> = Vec::new();
    if let Some(p) = prev {
        for (role, c) in p.roles.iter().zip(&p.tensors).rev() {
            if role.is_state() && !carried.iter().any(|(r, _)| r == role) {
                carried.push((*role, c));
            }
        }
    }
    let committed = lay.headers[1..]
        .par_iter()
        .zip(&lay.roles[1..])
        .zip(values)
        .map(
            |((h, role), v)| match carried.iter().find(|(r, c)| r == role && c.is(h, v)) {
                Some((_, c)) => Ok(Arc::clone(c)),
                None => commit::commit_tensor(*h, v).map(Arc::new),
            },
        )
        .collect::<Result<Vec<_>>>()?;
    let mut tensors = vec![dataset.clone()];
    tensors.extend(committed);
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

/// The leaf digests of a trace tree: `hash(DOMAIN_TRACE_LEAF, x)` per leaf, padded like a tensor.
fn trace_digests(leaves: &[Fr]) -> Vec<Fr> {
    let mut digests: Vec<Fr> = leaves
        .iter()
        .map(|x| hash(&[fe(DOMAIN_TRACE_LEAF), *x]))
        .collect();
    digests.resize(
        digests.len().next_power_of_two().max(2),
        hash(&[fe(domain::DOMAIN_PAD)]),
    );
    digests
}

/// The Merkle tree over trace leaves ([`trace_digests`]).
fn trace_tree(leaves: &[Fr]) -> Result<MerkleTree<commit::MerkleConfig>> {
    MerkleTree::<commit::MerkleConfig>::new_with_leaf_digest(&(), &(), trace_digests(leaves))
        .map_err(|e| CoreError::Merkle(e.to_string()))
}

/// The siblings of leaf `index` in the trace tree over `leaves`, from the leaf's level up, as a
/// contract folds them: the leaf's digest is `hash(DOMAIN_TRACE_LEAF, x)`, a node
/// `hash2(left, right)`. `None` if `index` is not a leaf.
pub fn trace_siblings(leaves: &[Fr], index: usize) -> Option<Vec<Fr>> {
    if index >= leaves.len() {
        return None;
    }
    let mut level = trace_digests(leaves);
    let (mut i, mut out) = (index, Vec::new());
    while level.len() > 1 {
        out.push(level[i ^ 1]);
        level = level
            .chunks(2)
            .map(|p| crate::poseidon2::hash2(p[0], p[1]))
            .collect();
        i /= 2;
    }
    Some(out)
}

/// Folds `siblings` from leaf `index` with value `x` up to a trace root ([`trace_siblings`]).
pub fn fold_trace_path(index: usize, x: Fr, siblings: &[Fr]) -> Fr {
    let mut h = hash(&[fe(DOMAIN_TRACE_LEAF), x]);
    for (k, s) in siblings.iter().enumerate() {
        h = if (index >> k) & 1 == 0 {
            crate::poseidon2::hash2(h, *s)
        } else {
            crate::poseidon2::hash2(*s, h)
        };
    }
    h
}

/// The trace root over `leaves`.
fn trace_root(leaves: &[Fr]) -> Result<Fr> {
    trace_tree(leaves).map(|t| t.root())
}

/// Checks that `x` is leaf `index` of a trace tree with `n_leaves` leaves and root `root`.
pub fn verify_trace_leaf(
    root: Fr,
    n_leaves: usize,
    index: usize,
    x: Fr,
    path: &commit::RowPath,
) -> std::result::Result<(), OpenError> {
    let h = TensorHeader {
        tag: 0,
        dtype: DType::U8,
        rows: n_leaves,
        cols: 1,
    };
    if index >= n_leaves || path.leaf_index != index || path.auth_path.len() != h.path_len() {
        return Err(OpenError::PathShape {
            row: index,
            leaf_index: path.leaf_index,
            path_len: path.auth_path.len(),
            expected_len: h.path_len(),
        });
    }
    match path.verify(&(), &(), &root, [fe(DOMAIN_TRACE_LEAF), x].as_slice()) {
        Ok(true) => Ok(()),
        Ok(false) => Err(OpenError::RowMismatch { row: index }),
        Err(e) => Err(OpenError::Merkle(e.to_string())),
    }
}
