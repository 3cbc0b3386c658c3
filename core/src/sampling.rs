//! Randomness and sampling: the batch rows a step trains on (data provenance), the beacon and
//! the worker id the proof binds, the Fiat–Shamir beacon, the sampling seed and the samples
//! (`papers/protocol.md` §5–6).

use crate::commit::{Fr, fe, hash};
use crate::domain::{DOMAIN_BATCH, DOMAIN_FS_BEACON, DOMAIN_SAMPLE, DOMAIN_SEED};
use crate::layout::OpDesc;
use crate::ops::OpKind;
use ark_ff::{BigInteger, Field, PrimeField};
use serde::{Deserialize, Serialize};

/// Samples per proven step unless configured otherwise: with the 14 ops of a two-layer model,
/// every op receives 4 or 5 (detection table in `papers/protocol.md` §8.1).
pub const DEFAULT_SAMPLES: usize = 64;

/// The default samples per step of a model with `layers` linear layers: [`DEFAULT_SAMPLES`] for
/// two; for more, the multiple of its op count (`7·layers`) nearest 64, so that every op receives
/// the same number (63 for 3 layers, 56 for 4, 70 for 5), and never fewer than one per op.
pub fn default_samples(layers: usize) -> usize {
    if layers <= 2 {
        return DEFAULT_SAMPLES;
    }
    let ops = crate::layout::template(layers).ops.len();
    let per_op = ((DEFAULT_SAMPLES + ops / 2) / ops).max(1);
    per_op * ops
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

/// The block shapes `[rows, cols]` of every circuit class, in [`OpKind::ALL`] order
/// (`papers/protocol.md` §6.1): an element-wise op's sample checks a run of outputs of one or two
/// rows (gather 64, a digits input row; output_error 2 × 16), a dot-product op's and a
/// transpose's a 2×2 tile (its two input rows and two weight rows opened once and reused), a bias
/// op's four consecutive biases. Chosen from the measured constraints per sample
/// (`vectors/constraints.csv`); every size is a power of two, so that a block's rows are one
/// subtree of their tensor's Merkle tree.
pub const BLOCKS: [[usize; 2]; OpKind::ALL.len()] = [
    [1, 64], // gather
    [2, 2],  // linear_forward
    [2, 16], // output_error
    [2, 2],  // linear_backward_input
    [2, 2],  // weight_grad
    [4, 1],  // bias_grad
    [2, 2],  // sgd_update
    [4, 1],  // bias_update
    [2, 2],  // transpose
    [1, 1],  // predict
];

/// Block shapes for few, large samples (the `mlp2-s14-b32-w64x128x16` class, one sample per op
/// of a two-layer step): 16×16 tiles of the dot products, whose input and weight rows each serve
/// 16 dot products; 8×8 transposes, 4×16 output errors and 16×1 biases. The other end of the
/// trade in `papers/protocol.md` §9.1: many checked multiply-accumulates and outputs per op, one
/// sample per op against clustered corruption.
pub const TILE_BLOCKS: [[usize; 2]; OpKind::ALL.len()] = [
    [1, 64],  // gather
    [16, 16], // linear_forward
    [4, 16],  // output_error
    [16, 16], // linear_backward_input
    [16, 16], // weight_grad
    [16, 1],  // bias_grad
    [16, 16], // sgd_update
    [16, 1],  // bias_update
    [8, 8],   // transpose
    [1, 1],   // predict
];

/// How a class samples: `S` samples per step and, per op kind, the shape of the block of output
/// elements one sample checks (`papers/protocol.md` §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sampling {
    /// Samples per step (`S`).
    pub samples: usize,
    /// Block shape `[rows, cols]` per op kind, in [`OpKind::ALL`] order; a zero is taken as one.
    pub blocks: [[usize; 2]; OpKind::ALL.len()],
}

impl Sampling {
    /// `s` samples of the classes' block shapes ([`BLOCKS`]).
    pub const fn new(samples: usize) -> Self {
        Self {
            samples,
            blocks: BLOCKS,
        }
    }

    /// `s` samples of single elements (1×1 blocks).
    pub const fn elements(samples: usize) -> Self {
        Self {
            samples,
            blocks: [[1, 1]; OpKind::ALL.len()],
        }
    }

    /// The block shape `(rows, cols)` of `kind`'s samples (each at least 1).
    pub fn block(&self, kind: OpKind) -> (usize, usize) {
        let [r, c] = self.blocks[kind.index()];
        (r.max(1), c.max(1))
    }
}

/// One checked block: op `j mod n_ops`, and cell `reduce(hash(DOMAIN_SAMPLE, seed, j), cells)` of
/// the grid that tiles the op's first output with `rows × cols` blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Sample number.
    pub j: u64,
    /// Index into the op table.
    pub op: usize,
    /// Row-major index of the block in the output's grid of blocks.
    pub cell: u64,
    /// Rows of a block of this op.
    pub rows: usize,
    /// Columns of a block of this op.
    pub cols: usize,
}

/// How an `rows × cols` output is tiled by `br × bc` blocks: `(⌈rows/br⌉, ⌈cols/bc⌉)` cells.
/// The last block row and column are clipped to the output.
pub fn grid(rows: usize, cols: usize, br: usize, bc: usize) -> (u64, u64) {
    (
        rows.div_ceil(br.max(1)) as u64,
        cols.div_ceil(bc.max(1)) as u64,
    )
}

/// The four kinds of cell of the grid tiling an `rows × cols` output with `br × bc` blocks (the
/// last block row and column are clipped): `(size, count)`; none for an empty output.
fn cell_kinds(rows: usize, cols: usize, br: usize, bc: usize) -> Vec<(u64, u64)> {
    let (br, bc) = (br.max(1), bc.max(1));
    let (nr, nc) = grid(rows, cols, br, bc);
    if nr == 0 || nc == 0 {
        return Vec::new();
    }
    let (lr, lc) = (
        (rows - (nr as usize - 1) * br) as u64,
        (cols - (nc as usize - 1) * bc) as u64,
    );
    let (br, bc) = (br as u64, bc as u64);
    vec![
        (br.saturating_mul(bc), (nr - 1) * (nc - 1)),
        (br.saturating_mul(lc), nr - 1),
        (lr.saturating_mul(bc), nc - 1),
        (lr * lc, 1),
    ]
}

/// The chance that one sample misses an output whose elements are each wrong independently with
/// probability `eps` (spread corruption, or made-up values): the mean over cells of
/// `(1 − eps)^|cell|` (`papers/protocol.md` §8.1).
pub fn spread_miss(rows: usize, cols: usize, br: usize, bc: usize, eps: f64) -> f64 {
    let kinds = cell_kinds(rows, cols, br, bc);
    let cells: u64 = kinds.iter().map(|k| k.1).sum();
    if cells == 0 {
        return 1.0;
    }
    let miss: f64 = kinds
        .iter()
        .map(|&(size, count)| count as f64 * (1.0 - eps).powf(size as f64))
        .sum();
    miss / cells as f64
}

/// The least chance that one sample of an `rows × cols` output tiled by `br × bc` blocks hits
/// its wrong outputs, over every placement of `⌈eps·rows·cols⌉` (at least one) wrong outputs:
/// placed to touch as few cells as possible (they fill the largest cells first), a sample, a
/// uniform cell, hits them with `touched / cells` (`papers/protocol.md` §8.1, clustered).
pub fn worst_hit(rows: usize, cols: usize, br: usize, bc: usize, eps: f64) -> f64 {
    let mut kinds = cell_kinds(rows, cols, br, bc);
    let cells: u64 = kinds.iter().map(|k| k.1).sum();
    if cells == 0 {
        return 0.0;
    }
    kinds.sort_unstable_by_key(|k| std::cmp::Reverse(k.0));
    let n = (rows * cols) as u64;
    let mut left = ((eps * n as f64).ceil() as u64).clamp(1, n);
    let mut touched = 0u64;
    for (size, count) in kinds {
        let take = left.div_ceil(size).min(count);
        touched += take;
        left = left.saturating_sub(take * size);
        if left == 0 {
            break;
        }
    }
    touched as f64 / cells as f64
}

/// The index sample `j` hashes for its cell: `j` in a training step; `⌊j / n_ops⌋` in inference,
/// so that the `n_ops` consecutive samples of a group (every op once) draw the same cell index.
/// An inference class's blocks are one row of each op's output whole ([`infer_blocks`]), so every
/// op of a group checks the same query: each group proves one query's whole forward pass and its
/// prediction.
pub fn draw(coupled: bool, j: u64, n_ops: u64) -> u64 {
    if coupled { j / n_ops.max(1) } else { j }
}

/// The block shapes of an inference class whose layer boundaries are at most `widths[0]` (input)
/// and `max(widths[1..])` wide: one whole row of each op's output (a query's input row, a layer's
/// outputs for the query, its prediction). The other kinds do not occur in inference.
pub const fn infer_blocks(input: usize, width: usize) -> [[usize; 2]; OpKind::ALL.len()] {
    let mut b = [[1, 1]; OpKind::ALL.len()];
    b[OpKind::Gather.index()] = [1, input];
    b[OpKind::LinearForward.index()] = [1, width];
    b
}

/// Sample `j` of `S`: op `j mod n_ops` and cell `reduce(hash(DOMAIN_SAMPLE, seed, j), cells)` of
/// that op's first output tiled by its kind's block shape, with `seed = sample_seed(root,
/// beacon)` (`j` replaced by [`draw`]'s group index in inference). `shapes[slot]` is each tensor slot's `(rows, cols)`.
pub fn samples_of(
    ops: &[OpDesc],
    shapes: &[(usize, usize)],
    root: Fr,
    beacon: Fr,
    sampling: &Sampling,
) -> Vec<Sample> {
    let seed = sample_seed(root, beacon);
    let n_ops = ops.len().max(1) as u64;
    let coupled = crate::layout::TraceKind::of(ops) == crate::layout::TraceKind::Infer;
    (0..sampling.samples as u64)
        .map(|j| {
            let op = (j % n_ops) as usize;
            let desc = ops.get(op);
            let (br, bc) = desc.map_or((1, 1), |o| sampling.block(o.kind));
            let (rows, cols) = desc
                .and_then(|o| o.outputs.first())
                .and_then(|&t| shapes.get(t))
                .copied()
                .unwrap_or((1, 1));
            let (nr, nc) = grid(rows, cols, br, bc);
            Sample {
                j,
                op,
                cell: reduce(
                    &hash(&[fe(DOMAIN_SAMPLE), seed, fe(draw(coupled, j, n_ops))]),
                    nr.saturating_mul(nc),
                ),
                rows: br,
                cols: bc,
            }
        })
        .collect()
}
