//! Constraints per sample for a table of block shapes: how `sampling::BLOCKS` was chosen
//! (`papers/protocol.md` §6.1).
//!
//! `cargo run --release -p spotproof-circuits --example blocks -- BOUNDS SHAPES SAMPLES`, where
//! `BOUNDS` is one row length for every dimension or `B,W0,W1,W2` (batch and widths), and
//! `SHAPES` is 18 comma-separated numbers, `rows,cols` per op kind in `OpKind::ALL` order
//! (gather, linear_forward, output_error, linear_backward_input, weight_grad, bias_grad,
//! sgd_update, bias_update, transpose), e.g. `128 1,64,2,2,2,16,2,2,1,1,4,1,2,2,4,1,2,2 64`.
//! Prints the class's constraints, its fixed part and the most expensive sample of each kind
//! (in hundreds of constraints).

#![allow(clippy::expect_used, clippy::panic)]

use spotproof_circuits::class::{Blocks, Class};
use spotproof_circuits::step::profile;

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: blocks BOUNDS SHAPES SAMPLES (see the file's header)";
    let bounds: Vec<usize> = a
        .first()
        .expect(usage)
        .split(',')
        .map(|x| x.parse().expect(usage))
        .collect();
    let (batch, widths) = match bounds[..] {
        [r] => (r, vec![r; 3]),
        [b, w0, w1, w2] => (b, vec![w0, w1, w2]),
        _ => panic!("{usage}"),
    };
    let v: Vec<usize> = a
        .get(1)
        .expect(usage)
        .split(',')
        .map(|x| x.parse().expect(usage))
        .collect();
    let samples: usize = a.get(2).and_then(|v| v.parse().ok()).expect(usage);
    // The training kinds (9 pairs); predict, inference's, keeps 1×1.
    assert_eq!(v.len(), 18, "{usage}");
    let mut blocks: Blocks = [[1, 1]; spotproof_core::ops::OpKind::ALL.len()];
    for (k, b) in blocks.iter_mut().take(9).enumerate() {
        *b = [v[2 * k], v[2 * k + 1]];
    }
    let class = Class {
        name: "blocks",
        kind: spotproof_core::layout::TraceKind::Train,
        layers: 2,
        samples,
        batch,
        widths: widths.leak(),
        dataset_depth: 16,
        blocks,
    };
    let p = profile(class).expect("synthesis");
    let mut worst = std::collections::BTreeMap::new();
    for (k, n) in &p.samples {
        let w = worst.entry(k.name()).or_insert(0);
        *w = (*w).max(*n);
    }
    let per: Vec<String> = worst
        .iter()
        .map(|(k, n)| format!("{k}={}", n / 100))
        .collect();
    println!(
        "constraints {} fixed {} | {}",
        p.constraints,
        p.fixed,
        per.join(" ")
    );
}
