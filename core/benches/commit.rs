//! Commitment cost of one mnist10k training step against the step's compute, on the CPU:
//! `cargo bench -p spotproof-core --bench commit`. Prints Markdown rows for `papers/benchmarks.md`.
//! A benchmark, not a test: nothing here asserts a time.

#![allow(clippy::expect_used)] // a benchmark that cannot set up should stop loudly

use spotproof_core::commit::{self, DType, Fr, TensorHeader};
use spotproof_core::data::{Dataset, Split};
use spotproof_core::layout;
use spotproof_core::model::{Hyper, Model, ModelConfig};
use spotproof_core::sampling;
use spotproof_core::{step, trace};
use std::sync::Arc;
use std::time::Instant;

fn secs(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

fn main() {
    let data = Dataset::mnist10k().expect("embedded data");
    let split = Split::holdout(data.len(), 20, 1);
    let cfg = ModelConfig {
        widths: vec![784, 128, 10],
        batch: 32,
        hyper: Hyper::default(),
        input_scale: data.scale,
    };
    let mut model = Model::init(cfg, 1).expect("config");
    println!("machine: {} rayon threads\n", rayon::current_num_threads());
    let mut ds = None;
    let dataset_s = secs(|| {
        ds = Some(Arc::new(
            trace::commit_dataset(&data, &split.train).expect("dataset"),
        ))
    });
    let ds = ds.expect("dataset");
    println!("| measurement | time |");
    println!("|---|---|");
    println!(
        "| commit the 8000×785 training rows (once per run) | {:.1} ms |",
        dataset_s * 1e3
    );
    let view = data.subset(&split.train).expect("training rows");
    let steps = 10;
    let (mut compute, mut commit_s) = (0.0, 0.0);
    let mut last = None;
    for s in 0..steps {
        let before = model.clone();
        let idx = sampling::batch_indices(7, s, 32, view.len());
        let mut t = None;
        compute += secs(|| t = Some(step::train_step(&mut model, &view, &idx).expect("step")));
        let t = t.expect("step");
        let header = trace::StepHeader {
            arch_id: layout::arch_id(&before.config),
            step: s,
            prev_root: Fr::from(0u64),
            dataset_root: ds.root,
            data_seed: 7,
            worker: Fr::from(1u64),
        };
        commit_s += secs(|| {
            trace::commit_step(&before, &t, &ds, header).expect("commit");
        });
        last = Some(t);
    }
    let (compute, commit_s) = (compute / steps as f64, commit_s / steps as f64);
    println!(
        "| mnist10k step compute (CPU reference, 784-128-10, batch 32) | {:.2} ms |",
        compute * 1e3
    );
    println!(
        "| commit every tensor of that step + trace root | {:.1} ms |",
        commit_s * 1e3
    );
    println!("| ratio commit / compute | {:.0}× |", commit_s / compute);
    // Where the time goes: the step's tensors by size.
    let t = last.expect("steps ran");
    let l0 = &t.layers[0];
    let parts: [(&str, DType, usize, usize, Vec<i64>); 4] = [
        (
            "layer-0 weight gradient 128×784 i32 (×1)",
            DType::I32,
            128,
            784,
            t.weight_grads[0].data().iter().map(|&v| v.into()).collect(),
        ),
        (
            "layer-0 masters 128×784 i16 (×2: in, out)",
            DType::I16,
            128,
            784,
            l0.master.data().iter().map(|&v| v.into()).collect(),
        ),
        (
            "layer-0 int8 weights 128×784 i8 (×2: in, out)",
            DType::I8,
            128,
            784,
            l0.weight.data().iter().map(|&v| v.into()).collect(),
        ),
        (
            "input batch 32×784 i8 (×1)",
            DType::I8,
            32,
            784,
            t.input.data().iter().map(|&v| v.into()).collect(),
        ),
    ];
    for (name, dtype, rows, cols, values) in parts {
        let h = TensorHeader {
            tag: 1,
            dtype,
            rows,
            cols,
        };
        let s = secs(|| {
            commit::commit_tensor(h, &values).expect("commit");
        });
        let perms = rows * (1 + dtype.packed_len(cols)).div_ceil(2) + h.leaves();
        println!("| — {name} | {:.1} ms (~{perms} permutations) |", s * 1e3);
    }
}
