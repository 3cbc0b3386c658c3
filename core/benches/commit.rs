//! Commitment cost of one mnist10k training step against the step's compute, on the CPU:
//! `cargo bench -p spotproof-core --bench commit`. Prints Markdown rows for `papers/benchmarks.md`.
//! A benchmark, not a test: nothing here asserts a time.

#![allow(clippy::expect_used)] // a benchmark that cannot set up should stop loudly

use ark_crypto_primitives::crh::CRHScheme;
use ark_crypto_primitives::crh::poseidon::CRH;
use ark_crypto_primitives::sponge::poseidon::{PoseidonConfig, find_poseidon_ark_and_mds};
use spotproof_core::commit::{self, DType, Fr, TensorHeader};
use spotproof_core::data::{Dataset, Split};
use spotproof_core::layout;
use spotproof_core::model::{Hyper, Model, ModelConfig};
use spotproof_core::poseidon2;
use spotproof_core::sampling;
use spotproof_core::{step, trace};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

fn secs(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

/// Protocol v1's hash: ark-crypto-primitives' Poseidon sponge, width 3, 8 + 57 rounds.
fn ark_poseidon() -> PoseidonConfig<Fr> {
    let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(254, 2, 8, 57, 0);
    PoseidonConfig::new(8, 57, 5, mds, ark, 2, 1)
}

/// Native hashing per absorbed field element, one core: ark's Poseidon sponge (v1) against
/// the Poseidon2 sponge (v2), for a Merkle node (2 inputs) and a row leaf (28 inputs).
fn hash_table() {
    let cfg = ark_poseidon();
    println!("| hash, one core | ark Poseidon sponge (v1) | Poseidon2 sponge (v2) | speed-up |");
    println!("|---|---|---|---|");
    for n in [2usize, 28] {
        let inputs: Vec<Fr> = (0..n as u64).map(|i| Fr::from(i * 7 + 1)).collect();
        let reps = 20_000 / n.max(1) * 2;
        let ark_s = secs(|| {
            for _ in 0..reps {
                black_box(CRH::<Fr>::evaluate(&cfg, black_box(inputs.as_slice())).expect("hash"));
            }
        });
        let p2_s = secs(|| {
            for _ in 0..reps {
                black_box(poseidon2::hash(black_box(&inputs)));
            }
        });
        let per = |s: f64| s / (reps * n) as f64 * 1e6;
        println!(
            "| {n} inputs, per absorbed element | {:.2} µs | {:.2} µs | {:.1}× |",
            per(ark_s),
            per(p2_s),
            ark_s / p2_s
        );
    }
    println!();
}

fn main() {
    hash_table();
    let data = Dataset::mnist10k().expect("embedded data");
    let split = Split::holdout(data.len(), 20, 1);
    let cfg = ModelConfig {
        widths: vec![784, 128, 10],
        batch: 32,
        hyper: Hyper::default(),
        input_scale: data.scale,
    };
    let model = Model::init(cfg, 1).expect("config");
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
    let mut last = None;
    for batch in [32usize, 256] {
        let mut cfg = model.config.clone();
        cfg.batch = batch;
        let mut model = Model::init(cfg, 1).expect("config");
        let steps = if batch == 32 { 10 } else { 4 };
        let (mut compute, mut fresh, mut carried) = (0.0, 0.0, 0.0);
        let mut prev: Option<trace::Trace> = None;
        for s in 0..steps {
            let before = model.clone();
            let idx = sampling::batch_indices(7, s, batch, view.len());
            let mut t = None;
            compute += secs(|| t = Some(step::train_step(&mut model, &view, &idx).expect("step")));
            let t = t.expect("step");
            let header = trace::StepHeader {
                arch_id: layout::arch_id(&before.config),
                step: s,
                prev_root: prev.as_ref().map_or(Fr::from(0u64), |p| p.root),
                dataset_root: ds.root,
                data_seed: 7,
                worker: Fr::from(1u64),
            };
            fresh += secs(|| {
                trace::commit_step(&before, &t, &ds, header).expect("commit");
            });
            let values = layout::step_values(&before, &t).expect("values");
            let mut tr = None;
            carried += secs(|| {
                tr = Some(
                    trace::commit_values_after(&before.config, &values, &ds, header, prev.as_ref())
                        .expect("commit"),
                )
            });
            prev = tr;
            if batch == 32 {
                last = Some(t);
            }
        }
        let n = steps as f64;
        let (compute, fresh, carried) = (compute / n, fresh / n, carried / n);
        println!(
            "| mnist10k step compute (CPU reference, 784-128-10, batch {batch}) | {:.2} ms |",
            compute * 1e3
        );
        println!(
            "| commit every tensor of that step + trace root | {:.1} ms ({:.0}×) |",
            fresh * 1e3,
            fresh / compute
        );
        println!(
            "| the same, state in carried from the previous step | {:.1} ms ({:.0}×) |",
            carried * 1e3,
            carried / compute
        );
    }
    let t = last.expect("steps ran");
    let l0 = &t.layers[0];
    let parts: [(&str, DType, usize, usize, Vec<i64>); 4] = [
        (
            "layer-0 weight gradient 128×784 i32 (×0: recomputed, not committed)",
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
