//! Openings of sampled elements and the native checker.
//!
//! A validator holds a [`Manifest`] (header, tensor headers and Merkle roots, op table) and
//! recomputes the trace root from it; the beacon then fixes the samples; for each sample the worker
//! supplies the Merkle-opened rows the element depends on, and [`verify_sample`] recomputes the
//! element with the core reference. Rows opened per op kind (element `(i, j)` of the output):
//!
//! | op | rows opened |
//! |---|---|
//! | gather | dataset row `batch_row(seed, step, i)`, input row `i`, labels row `i` |
//! | linear_forward | x row `i`, W row `j`, bias row `j`, y row `i` |
//! | output_error | logits row `i`, labels row `i`, error row `i` |
//! | linear_backward_input | e row `i`, Wᵀ row `j`, a row `i`, d row `i` |
//! | weight_grad | eᵀ row `i`, xᵀ row `j`, g row `i` |
//! | bias_grad | eᵀ row `i`, g row `i` |
//! | sgd_update | master row `i`, gradient row `i`, master′ row `i`, weight′ row `i` |
//! | bias_update | bias row `i`, gradient row `i`, bias′ row `i` |
//!
//! Biases and bias gradients are `N×1` tensors (one value per row), so element `(i, 0)` of them
//! is bias `i`.
//! | transpose | x row `j`, t row `i` |
//!
//! Every sample opens at most two full rows that enter a dot product or a sum (int8, always) and
//! a few rows of which one element is used: this is what keeps the circuit per sample small.
//!
//! Gather checks the label too, and sgd_update its second output, so no output goes unchecked.

use crate::commit::{self, Fr, RowPath, TensorHeader};
use crate::error::{CoreError, OpenError, Result};
use crate::layout::{self, OpDesc, Role};
use crate::model::ModelConfig;
use crate::ops;
use crate::ops::OpKind;
use crate::ops::sampled::{Block, SampleError, Site};
use crate::sampling::{self, Sample, Sampling};
use crate::trace::{self, Manifest, StepHeader, Trace};
use std::collections::HashMap;

/// One opened row: the tensor slot, the row, its values and its Merkle path.
#[derive(Clone, Debug)]
pub struct RowOpening {
    /// Tensor slot in the manifest.
    pub tensor: usize,
    /// Row index.
    pub row: usize,
    /// The row's values.
    pub values: Vec<i64>,
    /// Its path to the tensor's Merkle root.
    pub path: RowPath,
}

/// Why a sample does not check out (a rejection, as opposed to malformed input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckFailure {
    /// The manifest does not hash to the claimed trace root.
    #[error("the manifest does not hash to the claimed trace root")]
    RootMismatch,
    /// An opening that the sample needs is missing.
    #[error("sample {j}: row {row} of tensor {tensor} is not opened")]
    MissingOpening {
        /// Sample number.
        j: u64,
        /// Tensor slot.
        tensor: usize,
        /// Row.
        row: usize,
    },
    /// An opening's path does not reach the tensor's root.
    #[error("sample {j}: row {row} of tensor {tensor} is not the committed row ({reason})")]
    BadOpening {
        /// Sample number.
        j: u64,
        /// Tensor slot.
        tensor: usize,
        /// Row.
        row: usize,
        /// What is wrong with it.
        reason: OpenError,
    },
    /// The committed output differs from the reference recomputation.
    #[error(
        "sample {j}: op {op} ({kind:?}) element {element}: committed {committed}, recomputed {expected}"
    )]
    WrongElement {
        /// Sample number.
        j: u64,
        /// Op index.
        op: usize,
        /// Op kind.
        kind: OpKind,
        /// Element index.
        element: u64,
        /// The committed value.
        committed: i64,
        /// What the reference computes from the committed inputs.
        expected: i64,
    },
    /// The manifest is not the layout its architecture implies.
    #[error("the manifest does not follow its architecture: {0}")]
    Nonconforming(&'static str),
    /// The step does not continue the previous one.
    #[error("the step does not continue the previous one: {0}")]
    ChainBreak(&'static str),
    /// The manifest's op table is malformed (slots, shapes or parameters).
    #[error("op {op}: {reason}")]
    BadOp {
        /// Op index.
        op: usize,
        /// What is wrong.
        reason: &'static str,
    },
}

/// The op a sample checks, as its module sees it ([`ops::sampled::Site`]), and the rejection its
/// failures become.
fn with_site<T>(
    m: &Manifest,
    s: &Sample,
    f: impl FnOnce(&OpDesc, &Site) -> std::result::Result<T, SampleError>,
) -> std::result::Result<T, CheckFailure> {
    let op = m.ops.get(s.op).ok_or(CheckFailure::BadOp {
        op: s.op,
        reason: "no such op",
    })?;
    let shapes = m.shapes();
    let (out_rows, out_cols) = op.output_shape(&shapes);
    let infer = layout::TraceKind::of(&m.ops) == layout::TraceKind::Infer;
    // Inference gathers every query in order: batch row i is query i.
    let batch_row = |i: u64, rows: u64| {
        if infer {
            i as usize
        } else {
            sampling::batch_row(m.header.data_seed, m.header.step, i, rows) as usize
        }
    };
    let block = Block::cell(s.cell, out_rows, out_cols, s.rows, s.cols);
    if block.is_empty() {
        return Err(CheckFailure::BadOp {
            op: s.op,
            reason: "the sampled block is outside the op's output",
        });
    }
    let site = Site {
        params: op.params,
        inputs: &op.inputs,
        outputs: &op.outputs,
        shapes: &shapes,
        block,
        batch_row: &batch_row,
    };
    f(op, &site).map_err(|e| match e {
        SampleError::Bad(reason) => CheckFailure::BadOp { op: s.op, reason },
        SampleError::Missing { tensor, row } => CheckFailure::MissingOpening {
            j: s.j,
            tensor,
            row,
        },
        SampleError::Wrong {
            i,
            j,
            committed,
            expected,
        } => CheckFailure::WrongElement {
            j: s.j,
            op: s.op,
            kind: op.kind,
            element: (i * out_cols.max(1) + j) as u64,
            committed,
            expected,
        },
    })
}

/// The block of its op's first output that a sample checks (empty if the op is not in the table).
pub fn block_of(m: &Manifest, s: &Sample) -> Block {
    let (rows, cols) = m
        .ops
        .get(s.op)
        .map_or((0, 0), |o| o.output_shape(&m.shapes()));
    Block::cell(s.cell, rows, cols, s.rows, s.cols)
}

/// Rows `(tensor slot, row)` a sample needs opened, in a fixed order: the op's
/// [`ops::SampledOp::rows`].
pub fn rows_needed(
    m: &Manifest,
    s: &Sample,
) -> std::result::Result<Vec<(usize, usize)>, CheckFailure> {
    with_site(m, s, |op, site| ops::sampled_op(op.kind).rows(site))
}

/// A row plan that a worker's own op table refuses (a bug, not a rejection).
pub(crate) fn malformed(s: &Sample, e: CheckFailure) -> CoreError {
    CoreError::MalformedOp {
        op: s.op,
        reason: match e {
            CheckFailure::BadOp { reason, .. } => reason,
            _ => "its rows cannot be planned",
        },
    }
}

/// The worker's side: the openings a sample needs, from its trace.
pub fn open_sample(trace: &Trace, s: &Sample) -> Result<Vec<RowOpening>> {
    let m = Manifest::of(trace);
    let rows = rows_needed(&m, s).map_err(|e| malformed(s, e))?;
    rows.into_iter()
        .map(|(t, r)| {
            let c = &trace.tensors[t];
            Ok(RowOpening {
                tensor: t,
                row: r,
                values: c.row(r)?.to_vec(),
                path: c.open_row(r)?,
            })
        })
        .collect()
}

/// Checks one sample against the manifest: every needed row opened and committed, and the
/// sampled element equal to the reference's recomputation from the opened inputs.
pub fn verify_sample(
    m: &Manifest,
    s: &Sample,
    openings: &[RowOpening],
) -> std::result::Result<(), CheckFailure> {
    // The row plan is checked first: a malformed op table is named before any opening.
    rows_needed(m, s)?;
    let mut rows: HashMap<(usize, usize), &[i64]> = HashMap::new();
    for o in openings {
        let bad = |reason| CheckFailure::BadOpening {
            j: s.j,
            tensor: o.tensor,
            row: o.row,
            reason,
        };
        let t = m
            .tensors
            .get(o.tensor)
            .ok_or(bad(OpenError::NoSuchTensor))?;
        commit::verify_row(&t.header(), t.merkle_root, o.row, &o.values, &o.path).map_err(bad)?;
        rows.insert((o.tensor, o.row), &o.values);
    }
    let get = |k: (usize, usize)| {
        rows.get(&k).copied().ok_or(SampleError::Missing {
            tensor: k.0,
            row: k.1,
        })
    };
    with_site(m, s, |op, site| ops::sampled_op(op.kind).check(site, &get))
}

/// The native checker: recomputes the trace root from the manifest, derives the `S` samples from
/// the beacon, and checks each with its openings (`openings[j]` for sample `j`).
pub fn verify_samples(
    m: &Manifest,
    claimed_root: Fr,
    beacon: Fr,
    sampling: &Sampling,
    openings: &[Vec<RowOpening>],
) -> std::result::Result<(), CheckFailure> {
    if m.root().ok() != Some(claimed_root) {
        return Err(CheckFailure::RootMismatch);
    }
    let chosen = m.samples(claimed_root, beacon, sampling);
    if openings.len() != chosen.len() {
        return Err(CheckFailure::BadOp {
            op: 0,
            reason: "one set of openings per sample expected",
        });
    }
    chosen
        .iter()
        .zip(openings)
        .try_for_each(|(s, o)| verify_sample(m, s, o))
}

/// Checks that a manifest is exactly the layout `cfg` implies: its architecture id, every tensor's
/// role and header, and the op table (kinds, parameters, wiring).
pub fn check_conformance(m: &Manifest, cfg: &ModelConfig) -> std::result::Result<(), CheckFailure> {
    conforms(m, cfg, layout::TraceKind::Train)
}

/// [`check_conformance`] for an inference trace: the layout [`layout::infer_layout`] of `cfg`
/// over the manifest's queries, and a header with step 0, no previous root and data seed 0.
pub fn check_infer_conformance(
    m: &Manifest,
    cfg: &ModelConfig,
) -> std::result::Result<(), CheckFailure> {
    conforms(m, cfg, layout::TraceKind::Infer)
}

fn conforms(
    m: &Manifest,
    cfg: &ModelConfig,
    kind: layout::TraceKind,
) -> std::result::Result<(), CheckFailure> {
    use CheckFailure::Nonconforming as N;
    if m.header.arch_id != layout::arch_id(cfg) {
        return Err(N("architecture id"));
    }
    let Some(slot0) = m.tensors.first().filter(|t| t.role == Role::Dataset) else {
        return Err(N("slot 0 must be the dataset"));
    };
    let dataset = slot0.header();
    let expected = TensorHeader {
        tag: Role::Dataset.tag(),
        dtype: commit::DType::U8,
        rows: dataset.rows,
        cols: cfg.widths[0] + 1,
    };
    if dataset != expected || dataset.rows == 0 {
        return Err(N("dataset header"));
    }
    if slot0.root() != m.header.dataset_root {
        return Err(N("the dataset tensor is not the header's dataset"));
    }
    let lay = match kind {
        layout::TraceKind::Train => layout::layout(cfg, dataset, m.header.data_seed, m.header.step),
        layout::TraceKind::Infer => {
            let h = &m.header;
            if h.step != 0 || h.data_seed != 0 || h.prev_root != Fr::from(0u64) {
                return Err(N(
                    "an inference header has step 0, no previous root and seed 0",
                ));
            }
            layout::infer_layout(cfg, dataset)
        }
    };
    if m.tensors.len() != lay.roles.len() {
        return Err(N("number of tensors"));
    }
    for (t, (r, h)) in m.tensors.iter().zip(lay.roles.iter().zip(&lay.headers)) {
        if t.role != *r || t.header() != *h {
            return Err(N("tensor role or shape"));
        }
    }
    if m.ops != lay.ops {
        return Err(N("op table"));
    }
    Ok(())
}

/// The roots of a manifest's weight state `(in, out)`: per layer master, weight, bias.
pub fn state_roots(m: &Manifest) -> (Vec<Fr>, Vec<Fr>) {
    let (mut first, mut second) = (Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    for t in &m.tensors {
        if matches!(t.role, Role::Master(_) | Role::Weight(_) | Role::Bias(_)) {
            let r = t.root();
            if seen.insert(t.role) {
                first.push(r)
            } else {
                second.push(r)
            }
        }
    }
    (first, second)
}

/// Checks that `next` continues `prev` (whose trace root is `prev_root`): the header names it,
/// the step index advances by one, the architecture, dataset and data seed are the same, and the
/// weight state `next` starts from is, root for root, the state `prev` ended with.
pub fn check_chain(
    prev: &Manifest,
    prev_root: Fr,
    next: &Manifest,
) -> std::result::Result<(), CheckFailure> {
    use CheckFailure::ChainBreak as C;
    let (p, n) = (&prev.header, &next.header);
    if n.prev_root != prev_root {
        return Err(C("previous root"));
    }
    if n.step != p.step + 1 {
        return Err(C("step index"));
    }
    if n.arch_id != p.arch_id || n.dataset_root != p.dataset_root || n.data_seed != p.data_seed {
        return Err(C("architecture, dataset or data seed"));
    }
    let (_, out) = state_roots(prev);
    let (input, _) = state_roots(next);
    if out.is_empty() || out != input {
        return Err(C("weight state"));
    }
    Ok(())
}

/// One sample with everything a verifier that knows only the trace root (and the architecture's
/// layout) needs: the header's fields, trace-tree paths to the header, the op descriptor and the
/// roots of the tensors involved, and the opened rows.
#[derive(Clone, Debug)]
pub struct SampleProof {
    /// The header's fields (its digest is trace leaf 0).
    pub header: StepHeader,
    /// Trace-tree path of the header digest.
    pub header_path: RowPath,
    /// Trace-tree path of the sampled op's descriptor digest.
    pub op_path: RowPath,
    /// `(slot, merkle root, trace-tree path of that tensor's root)` for every tensor opened.
    pub tensor_roots: Vec<(usize, Fr, RowPath)>,
    /// The opened rows.
    pub rows: Vec<RowOpening>,
}

/// The worker's side of [`verify_sample_proof`].
pub fn prove_sample(trace: &Trace, s: &Sample) -> Result<SampleProof> {
    let rows = open_sample(trace, s)?;
    let mut slots: Vec<usize> = rows.iter().map(|o| o.tensor).collect();
    slots.sort_unstable();
    slots.dedup();
    let tensor_roots = slots
        .into_iter()
        .map(|t| Ok((t, trace.tensors[t].merkle_root, trace.open_leaf(1 + t)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(SampleProof {
        header: trace.header,
        header_path: trace.open_leaf(0)?,
        op_path: trace.open_leaf(1 + trace.tensors.len() + s.op)?,
        tensor_roots,
        rows,
    })
}

/// Verifies a sample against the trace root alone, given the layout the architecture implies:
/// the header, the op descriptor and every involved tensor root are opened from the trace tree,
/// the dataset tensor must be the header's dataset, then [`verify_sample`] checks rows and element.
pub fn verify_sample_proof(
    lay: &layout::Layout,
    root: Fr,
    s: &Sample,
    p: &SampleProof,
) -> std::result::Result<(), CheckFailure> {
    let n_leaves = trace::trace_leaves(lay.headers.len(), lay.ops.len());
    let leaf = |index: usize, x: Fr, path: &RowPath| {
        trace::verify_trace_leaf(root, n_leaves, index, x, path).map_err(|e| {
            CheckFailure::BadOpening {
                j: s.j,
                tensor: index,
                row: 0,
                reason: e,
            }
        })
    };
    leaf(0, p.header.digest(), &p.header_path)?;
    let op = lay.ops.get(s.op).ok_or(CheckFailure::BadOp {
        op: s.op,
        reason: "no such op",
    })?;
    leaf(1 + lay.headers.len() + s.op, op.digest(), &p.op_path)?;
    let mut merkle_roots = vec![Fr::from(0u64); lay.headers.len()];
    for (slot, merkle_root, path) in &p.tensor_roots {
        let h = lay.headers.get(*slot).ok_or(CheckFailure::BadOp {
            op: s.op,
            reason: "tensor slot out of range",
        })?;
        leaf(1 + slot, h.root(*merkle_root), path)?;
        if *slot == 0 && h.root(*merkle_root) != p.header.dataset_root {
            return Err(CheckFailure::Nonconforming(
                "the dataset tensor is not the header's dataset",
            ));
        }
        merkle_roots[*slot] = *merkle_root;
    }
    let m = Manifest {
        header: p.header,
        tensors: lay
            .roles
            .iter()
            .zip(&lay.headers)
            .zip(merkle_roots)
            .map(|((&role, h), merkle_root)| trace::ManifestTensor {
                role,
                dtype: h.dtype,
                rows: h.rows,
                cols: h.cols,
                merkle_root,
            })
            .collect(),
        ops: lay.ops.clone(),
    };
    verify_sample(&m, s, &p.rows)
}
