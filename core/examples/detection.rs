//! Detection per op, per step and per run under block sampling (`papers/protocol.md` §8.1), from
//! the layout of a two-layer model and a class's sampling (`S`, `sampling::BLOCKS`):
//! `cargo run -p spotproof-core --example detection [WIDTHS] [BATCH] [S] [SHAPES]`, e.g.
//! `64,128,10 32 64`; `SHAPES` (default `sampling::BLOCKS`) as for the circuits' `blocks`
//! example: 18 numbers, `rows,cols` per op kind in `OpKind::ALL` order. Also prints what one proof
//! checks on average (multiply-accumulates and element-wise outputs, over the uniform cells).
//!
//! For one op with a fraction `ε` of its `N` outputs wrong (at least one element) and `s` samples,
//! each a uniform cell of the grid that tiles the output with the op's blocks:
//! * spread: `k = ⌈εN⌉` wrong outputs at uniformly random places; a sample misses them with
//!   `mean over cells of C(N − |cell|, k) / C(N, k)` (about `(1 − ε)^|cell|` for a large op, 0
//!   for a block that covers the op), and the op's `s` samples miss together with that to the
//!   `s` (samples are drawn with replacement; cells ≫ s, so the overlap is negligible);
//! * clustered (worst placement): the `⌈εN⌉` wrong outputs fill as few cells as possible (the
//!   largest first); a sample catches them with `touched / cells`.
//!
//! A run that challenges `C` steps, in each of which the worker corrupts the same op, catches it
//! with `1 − (1 − d)^C`, `d` the per-step figure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use spotproof_core::commit::{DType, TensorHeader};
use spotproof_core::layout::{self, Role};
use spotproof_core::model::{Hyper, ModelConfig};
use spotproof_core::ops::InputScale;
use spotproof_core::sampling::{Sampling, grid};

const EPS: [f64; 3] = [0.5, 0.1, 0.01];
const RUNS: [usize; 3] = [2, 4, 16];

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let widths: Vec<usize> = a
        .first()
        .map_or("64,128,10", String::as_str)
        .split(',')
        .map(|w| w.parse().expect("widths"))
        .collect();
    let batch: usize = a.get(1).map_or(32, |b| b.parse().expect("batch"));
    let s_total: usize = a.get(2).map_or(64, |s| s.parse().expect("samples"));
    let mut sampling = Sampling::new(s_total);
    if let Some(shapes) = a.get(3) {
        let v: Vec<usize> = shapes
            .split(',')
            .map(|x| x.parse().expect("shapes"))
            .collect();
        assert_eq!(v.len(), 2 * sampling.blocks.len(), "18 shapes");
        for (k, b) in sampling.blocks.iter_mut().enumerate() {
            *b = [v[2 * k], v[2 * k + 1]];
        }
    }
    let cfg = ModelConfig {
        widths: widths.clone(),
        batch,
        hyper: Hyper::default(),
        input_scale: InputScale { shl: 0, shr: 0 },
    };
    let ds = TensorHeader {
        tag: Role::Dataset.tag(),
        dtype: DType::U8,
        rows: 1000,
        cols: widths[0] + 1,
    };
    let lay = layout::layout(&cfg, ds, 0, 0);
    let n_ops = lay.ops.len();
    println!("model {widths:?}, batch {batch}, S = {s_total} over {n_ops} ops; ε = {EPS:?}\n");
    println!(
        "| op | output | block | cells | s | spread 50% / 10% / 1% | clustered 50% / 10% / 1% | run C = {RUNS:?}, 10% clustered |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let (mut macs, mut outputs) = (0.0, 0.0);
    for (o, op) in lay.ops.iter().enumerate() {
        let h = &lay.headers[op.outputs[0]];
        let (rows, cols) = (h.rows, h.cols);
        let (br, bc) = sampling.block(op.kind);
        let (nr, nc) = grid(rows, cols, br, bc);
        let sizes: Vec<usize> = (0..nr as usize)
            .flat_map(|p| {
                (0..nc as usize).map(move |q| {
                    (((p + 1) * br).min(rows) - p * br) * (((q + 1) * bc).min(cols) - q * bc)
                })
            })
            .collect();
        let cells = sizes.len() as f64;
        let n = rows * cols;
        let s = (0..s_total).filter(|j| j % n_ops == o).count() as i32;
        let eps = |e: f64| e.max(1.0 / n as f64);
        let spread = |e: f64| {
            let k = (eps(e) * n as f64).ceil() as usize;
            // C(N − c, k) / C(N, k) = Π_{i<k} (N − c − i) / (N − i).
            let avoid = |c: usize| {
                (0..k)
                    .map(|i| (n.saturating_sub(c + i)) as f64 / (n - i) as f64)
                    .product::<f64>()
            };
            let miss = sizes.iter().map(|&c| avoid(c)).sum::<f64>() / cells;
            1.0 - miss.powi(s)
        };
        let clustered = |e: f64| {
            let k = (eps(e) * n as f64).ceil() as usize;
            let mut by_size = sizes.clone();
            by_size.sort_unstable_by(|a, b| b.cmp(a));
            let (mut covered, mut touched) = (0, 0);
            for c in by_size {
                if covered >= k {
                    break;
                }
                covered += c;
                touched += 1;
            }
            1.0 - (1.0 - touched as f64 / cells).powi(s)
        };
        let pct = |v: Vec<f64>| {
            v.iter()
                .map(|d| format!("{:.1}", 100.0 * d))
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let d10 = clustered(0.1);
        // What the op's samples check on average: a uniform cell's outputs, each as many
        // multiply-accumulates as the inner row is long for a dot product.
        let mean = sizes.iter().sum::<usize>() as f64 / cells * f64::from(s);
        match spotproof_core::ops::sampled_op(op.kind).inner() {
            Some(spotproof_core::ops::sampled::Operand::Input(k)) => {
                macs += mean * lay.headers[op.inputs[k]].cols as f64;
            }
            _ => outputs += mean,
        }
        println!(
            "| {} | {rows}×{cols} | {}×{} | {} | {s} | {} | {} | {} |",
            op.kind.name(),
            br.min(rows),
            bc.min(cols),
            sizes.len(),
            pct(EPS.iter().map(|&e| spread(e)).collect()),
            pct(EPS.iter().map(|&e| clustered(e)).collect()),
            pct(RUNS
                .iter()
                .map(|&c| 1.0 - (1.0 - d10).powi(c as i32))
                .collect()),
        );
    }
    println!(
        "\none proof checks on average {macs:.0} multiply-accumulates and {outputs:.0} element-wise outputs"
    );
}
