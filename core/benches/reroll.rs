//! Cost of one Fiat–Shamir re-roll of a committed step, on the CPU:
//! `cargo bench -p spotproof-core --bench reroll`. Prints Markdown rows for `papers/benchmarks.md`.
//! A benchmark, not a test: nothing here asserts a time.
//!
//! Offline, the beacon is `hash(11, R) mod 2^93` of the trace root `R`, so a worker who corrupted
//! one op re-rolls `R` until that op's samples miss the corruption. A re-roll changes ONE trace
//! leaf, not the whole step:
//! * **header** — a new `prev_root` (free when the predecessor is not shown to the validator):
//!   header digest, trace leaf 0 and its path;
//! * **output** — one already-wrong value of the op's output (the layer-0 forward activation):
//!   that row's leaf and path in the tensor tree, the tensor root, its trace leaf and path;
//!
//! then the beacon, the seed and the op's own `s` sample hashes. The trees are ark's
//! `MerkleTree::<commit::MerkleConfig>` rebuilt exactly as `core` builds them (checked against the
//! committed roots, and one re-roll against `trace::Manifest::root` from scratch); a re-roll is
//! `MerkleTree::update`.

#![allow(clippy::expect_used)] // a benchmark that cannot set up should stop loudly
#![allow(clippy::panic)] // … or whose rebuilt trees disagree with core's

use ark_crypto_primitives::merkle_tree::MerkleTree;
use rayon::prelude::*;
use spotproof_core::commit::{self, Fr, MerkleConfig, TensorHeader, fe, hash};
use spotproof_core::data::{Dataset, Split};
use spotproof_core::domain;
use spotproof_core::layout;
use spotproof_core::layout::Role;
use spotproof_core::model::{Hyper, Model, ModelConfig};
use spotproof_core::ops::OpKind;
use spotproof_core::sampling;
use spotproof_core::sampling::DEFAULT_SAMPLES;
use spotproof_core::trace::Manifest;
use spotproof_core::trace::{self, StepHeader};
use spotproof_core::{step, trace::Trace};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The row of the output tensor whose values the output re-roll changes.
const ROW: usize = 0;
/// Wall time of each timing loop.
const RUN: Duration = Duration::from_secs(3);

/// Permutations of `hash` over `k ≥ 1` inputs: the rate-2 sponge permutes once per full block
/// before the last and once to squeeze, `⌈k/2⌉`.
fn perms(k: usize) -> usize {
    k.div_ceil(2)
}

/// Permutations of `MerkleTree::update` in a tree over `n` entries, the leaf hash excluded: every
/// non-leaf node on the way up, root included.
fn path_perms(n: usize) -> usize {
    commit::tree_path_len(n) + 1
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Reroll {
    Header,
    Output,
}

impl Reroll {
    fn name(self) -> &'static str {
        match self {
            Reroll::Header => "header leaf (`prev_root`)",
            Reroll::Output => "one output element (row of `Act(0)`)",
        }
    }
}

/// What one re-rolling worker holds: the trees it updates and the corrupted op's coordinates.
#[derive(Clone)]
struct Attack {
    header: StepHeader,
    trace_tree: MerkleTree<MerkleConfig>,
    n_leaves: usize,
    /// Trace slot of the corrupted op's output, its header, tree and row `ROW`.
    slot: usize,
    out: TensorHeader,
    out_tree: MerkleTree<MerkleConfig>,
    row: Vec<i64>,
    original: Vec<i64>,
    /// The corrupted op, the op count and the samples per step.
    op: usize,
    n_ops: usize,
    samples: usize,
}

fn trace_tree(leaves: &[Fr]) -> MerkleTree<MerkleConfig> {
    let mut digests: Vec<Fr> = leaves
        .iter()
        .map(|x| hash(&[fe(domain::DOMAIN_TRACE_LEAF), *x]))
        .collect();
    digests.resize(
        digests.len().next_power_of_two().max(2),
        hash(&[fe(domain::DOMAIN_PAD)]),
    );
    MerkleTree::new_with_leaf_digest(&(), &(), digests).expect("trace tree")
}

fn tensor_tree(h: &TensorHeader, values: &[i64]) -> MerkleTree<MerkleConfig> {
    let mut digests: Vec<Fr> = values
        .chunks(h.cols)
        .map(|row| hash(&commit::row_leaf(h.dtype, row).expect("row in range")))
        .collect();
    digests.resize(h.leaves(), hash(&[fe(domain::DOMAIN_PAD)]));
    MerkleTree::new_with_leaf_digest(&(), &(), digests).expect("tensor tree")
}

impl Attack {
    fn new(trace: &Trace, samples: usize) -> Self {
        let m = Manifest::of(trace);
        let slot = trace.slot(Role::Act(0)).expect("layer-0 activation");
        let op = m
            .ops
            .iter()
            .position(|o| o.kind == OpKind::LinearForward && o.outputs.first() == Some(&slot))
            .expect("the op writing Act(0)");
        let mut leaves = vec![m.header.digest()];
        leaves.extend(m.tensors.iter().map(trace::ManifestTensor::root));
        leaves.extend(m.ops.iter().map(layout::OpDesc::digest));
        let trace_tree = trace_tree(&leaves);
        assert_eq!(trace_tree.root(), trace.root, "rebuilt trace tree");
        let c = &trace.tensors[slot];
        let out = c.header;
        let values: Vec<i64> = (0..out.rows)
            .flat_map(|r| c.row(r).expect("row").to_vec())
            .collect();
        let out_tree = tensor_tree(&out, &values);
        assert_eq!(out_tree.root(), c.merkle_root, "rebuilt tensor tree");
        let row = c.row(ROW).expect("row").to_vec();
        Self {
            header: trace.header,
            trace_tree,
            n_leaves: leaves.len(),
            slot,
            out,
            out_tree,
            original: row.clone(),
            row,
            op,
            n_ops: m.ops.len(),
            samples,
        }
    }

    /// Samples the corrupted op receives.
    fn s(&self) -> usize {
        (self.op..self.samples).step_by(self.n_ops).count()
    }

    /// Output elements of the corrupted op.
    fn out_size(&self) -> u64 {
        (self.out.rows * self.out.cols) as u64
    }

    /// Permutations of one attempt, counted from the sizes (`hash` of `k` inputs: `⌈k/2⌉`).
    fn perms(&self, how: Reroll) -> usize {
        let leaf = match how {
            // hash(5, arch, step, prev, dataset, seed, worker)
            Reroll::Header => perms(7),
            // row leaf [1, packed…], its path, hash(3, tag, dtype, rows, cols, merkle_root)
            Reroll::Output => {
                perms(1 + self.out.dtype.packed_len(self.out.cols))
                    + path_perms(self.out.rows)
                    + perms(6)
            }
        };
        // trace leaf [6, x] and its path, beacon hash(11, R), seed hash(8, R, b), s × hash(9, seed, j)
        leaf + perms(2) + path_perms(self.n_leaves) + perms(2) + perms(3) + self.s() * perms(3)
    }

    /// Re-roll number `i`: change one leaf, return the new trace root.
    fn reroll(&mut self, how: Reroll, i: u64) -> Fr {
        let (index, x) = match how {
            Reroll::Header => {
                self.header.prev_root = Fr::from(i + 1);
                (0, self.header.digest())
            }
            Reroll::Output => {
                // Column `i mod cols` takes the `k`-th of the 255 other int8 values.
                let c = (i % self.out.cols as u64) as usize;
                let k = (i / self.out.cols as u64) % 255;
                self.row[c] = (self.original[c] + 128 + 1 + k as i64) % 256 - 128;
                let leaf = commit::row_leaf(self.out.dtype, &self.row).expect("int8 row");
                self.out_tree.update(ROW, &leaf).expect("row update");
                (1 + self.slot, self.out.root(self.out_tree.root()))
            }
        };
        self.trace_tree
            .update(index, &[fe(domain::DOMAIN_TRACE_LEAF), x])
            .expect("trace update");
        self.trace_tree.root()
    }

    /// The elements of the corrupted op that the Fiat–Shamir beacon of `root` samples, with 1×1
    /// blocks (a cell is an element; the hashing per attempt is the same with any block shape).
    fn op_samples(&self, root: Fr) -> impl Iterator<Item = u64> + '_ {
        let beacon = sampling::fiat_shamir_beacon(root);
        let seed = sampling::sample_seed(root, beacon);
        (self.op..self.samples).step_by(self.n_ops).map(move |j| {
            let h = hash(&[fe(domain::DOMAIN_SAMPLE), seed, fe(j as u64)]);
            sampling::reduce(&h, self.out_size())
        })
    }

    /// One attempt against a corruption of every even element (half the outputs): whether all of
    /// the op's samples miss it. Every sample is hashed (an attacker could stop at the first hit).
    fn attempt(&mut self, how: Reroll, i: u64) -> bool {
        let root = self.reroll(how, i);
        self.op_samples(root)
            .fold(true, |miss, e| miss & (e % 2 == 1))
    }

    /// One re-roll checked against everything computed from scratch: the manifest's root, the
    /// committed tensor and the samples `samples_of` draws.
    fn check_once(&self, trace: &Trace, how: Reroll) {
        let mut a = self.clone();
        let root = a.reroll(how, 12345);
        let mut m = Manifest::of(trace);
        m.header = a.header;
        let mut values: Vec<i64> = (0..a.out.rows)
            .flat_map(|r| trace.tensors[a.slot].row(r).expect("row").to_vec())
            .collect();
        values[ROW * a.out.cols..(ROW + 1) * a.out.cols].copy_from_slice(&a.row);
        let fresh = commit::commit_tensor(a.out, &values).expect("commit");
        assert_eq!(fresh.merkle_root, a.out_tree.root(), "updated tensor tree");
        m.tensors[a.slot].merkle_root = fresh.merkle_root;
        assert_eq!(m.root().expect("manifest root"), root, "updated trace root");
        assert_ne!(root, trace.root, "the re-roll changed the root");
        let beacon = sampling::fiat_shamir_beacon(root);
        let want: Vec<u64> = m
            .samples(root, beacon, &sampling::Sampling::elements(a.samples))
            .into_iter()
            .filter(|s| s.op == a.op)
            .map(|s| s.cell)
            .collect();
        assert_eq!(a.op_samples(root).collect::<Vec<_>>(), want, "op samples");
    }
}

/// Attempts per second on this thread alone, and the escapes seen.
fn single(base: &Attack, how: Reroll) -> (f64, u64, u64) {
    let mut a = base.clone();
    let (mut n, mut escapes) = (0u64, 0u64);
    let t = Instant::now();
    while t.elapsed() < RUN {
        for _ in 0..16 {
            escapes += u64::from(black_box(a.attempt(how, n)));
            n += 1;
        }
    }
    (n as f64 / t.elapsed().as_secs_f64(), n, escapes)
}

/// Attempts per second on every rayon thread, each thread with its own copy of the trees.
fn parallel(base: &Attack, how: Reroll, n: u64) -> (f64, u64) {
    let t = Instant::now();
    let escapes: u64 = (0..n)
        .into_par_iter()
        .map_init(|| base.clone(), |a, i| u64::from(a.attempt(how, i)))
        .sum();
    (n as f64 / t.elapsed().as_secs_f64(), escapes)
}

fn human(secs: f64) -> String {
    let units = [
        (365.25 * 86400.0, "years"),
        (86400.0, "days"),
        (3600.0, "h"),
        (60.0, "min"),
        (1.0, "s"),
        (1e-3, "ms"),
    ];
    units
        .iter()
        .find(|(u, _)| secs >= *u)
        .map_or(format!("{:.0} µs", secs * 1e6), |(u, name)| {
            format!("{:.3} {name}", secs / u)
        })
}

/// Attempts for an even chance that one attempt's samples all miss: `ln 2 / −ln(1 − m)` (≈ ln2/m).
fn attempts_for_half(m: f64) -> f64 {
    std::f64::consts::LN_2 / -(-m).ln_1p()
}

struct Model2 {
    name: &'static str,
    data: Dataset,
    widths: Vec<usize>,
}

fn commit_one(spec: &Model2) -> (Trace, f64) {
    let data = &spec.data;
    let split = Split::holdout(data.len(), 20, 1);
    let cfg = ModelConfig {
        widths: spec.widths.clone(),
        batch: 32,
        hyper: Hyper::default(),
        input_scale: data.scale,
    };
    let mut model = Model::init(cfg, 1).expect("config");
    let before = model.clone();
    let ds = Arc::new(trace::commit_dataset(data, &split.train).expect("dataset"));
    let view = data.subset(&split.train).expect("training rows");
    let idx = sampling::batch_indices(7, 0, 32, view.len());
    let t = step::train_step(&mut model, &view, &idx).expect("step");
    let header = StepHeader {
        arch_id: layout::arch_id(&before.config),
        step: 0,
        prev_root: Fr::from(0u64),
        dataset_root: ds.root,
        data_seed: 7,
        worker: fe(0x5107_9200_5107_9200),
    };
    let start = Instant::now();
    let tr = trace::commit_step(&before, &t, &ds, header).expect("commit");
    (tr, start.elapsed().as_secs_f64())
}

fn main() {
    let threads = rayon::current_num_threads();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "machine: {threads} rayon threads, load average at start {}\n",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let (x, y) = (fe(1), fe(2));
    let n = 20_000;
    let t = Instant::now();
    let mut acc = x;
    for _ in 0..n {
        acc = hash(&[black_box(acc), y]);
    }
    black_box(acc);
    let perm_us = t.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("one Poseidon permutation (`hash` of 2 inputs), one thread: {perm_us:.1} µs\n");

    let models = [
        Model2 {
            name: "digits 64-128-10",
            data: Dataset::digits().expect("embedded data"),
            widths: vec![64, 128, 10],
        },
        Model2 {
            name: "mnist10k 784-128-10",
            data: Dataset::mnist10k().expect("embedded data"),
            widths: vec![784, 128, 10],
        },
    ];
    let mut rows = Vec::new();
    println!(
        "| model | re-roll | s | permutations | µs / attempt (1 thread) | attempts/s ({threads} threads) | escapes seen / expected (ε = 0.5) | full recommit ({threads} threads) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for spec in &models {
        let (tr, commit_s) = commit_one(spec);
        let base = Attack::new(&tr, DEFAULT_SAMPLES);
        for how in [Reroll::Header, Reroll::Output] {
            base.check_once(&tr, how);
            let (rate1, n1, esc1) = single(&base, how);
            let n = (rate1 * threads as f64 * RUN.as_secs_f64()) as u64;
            let (rate_all, esc_all) = parallel(&base, how, n.max(1));
            let s = base.s();
            let expected = 0.5f64.powi(s as i32);
            let seen = (esc1 + esc_all) as f64 / (n1 + n) as f64;
            println!(
                "| {} | {} | {s} | {} | {:.0} | {:.0} | {seen:.4} / {expected:.4} | {:.0} ms |",
                spec.name,
                how.name(),
                base.perms(how),
                1e6 / rate1,
                rate_all,
                commit_s * 1e3,
            );
            rows.push((spec.name, how, 1e6 / rate1));
        }
        println!(
            "| ({} trace leaves; op {} of {} writes `Act(0)`, {}×{} {}) | | | | | | | |",
            base.n_leaves,
            base.op,
            base.n_ops,
            base.out.rows,
            base.out.cols,
            base.out.dtype.name(),
        );
    }

    let year = 365.25 * 86400.0;
    let cases = [
        ("skipped op, s = 3", (1.0f64 / 256.0).powi(3)),
        ("skipped op, s = 4", (1.0f64 / 256.0).powi(4)),
        ("half wrong, s = 3", 0.5f64.powi(3)),
        ("half wrong, s = 4", 0.5f64.powi(4)),
    ];
    println!();
    print!("| model | re-roll | 2^40 attempts (core-years) |");
    for (name, m) in cases {
        print!(" {name}: {:.3e} attempts |", attempts_for_half(m));
    }
    println!();
    println!("|---|---|---|{}", "---|".repeat(cases.len()));
    for (name, how, us) in rows {
        print!(
            "| {name} | {} | {:.1} |",
            how.name(),
            2f64.powi(40) * us * 1e-6 / year
        );
        for (_, m) in cases {
            print!(" {} |", human(attempts_for_half(m) * us * 1e-6));
        }
        println!();
    }
    println!(
        "\n(times of one core; an s = 3 attempt is two permutations cheaper than the s measured)"
    );
}
