//! Throughput of the int8 matmul (`linear_forward`) on the GPU kernel and on the CPU reference,
//! and of one full mnist10k training step on each device. Prints Markdown rows for
//! `papers/benchmarks.md`:
//!
//! `cargo bench -p spotproof-shaders --bench throughput`
//!
//! A benchmark, not a test: nothing here asserts a time.

#![allow(clippy::expect_used)] // a benchmark that cannot set up should stop loudly

use spotproof_core::data::{Dataset, Split, epoch_batches};
use spotproof_core::model::{Hyper, Model, ModelConfig};
use spotproof_core::rng::SplitMix64;
use spotproof_core::{Mat, ops, step};
use spotproof_shaders::{Gpu, GpuTrainer};
use std::time::Instant;

fn random_i8(r: &mut SplitMix64, rows: usize, cols: usize) -> Mat<i8> {
    Mat::new(
        rows,
        cols,
        (0..rows * cols)
            .map(|_| (r.below(256) as i64 - 128) as i8)
            .collect(),
    )
    .expect("shape")
}

/// Median of `runs` timings of `f`, in seconds.
fn median(runs: usize, mut f: impl FnMut() -> f64) -> f64 {
    let mut t: Vec<f64> = (0..runs).map(|_| f()).collect();
    t.sort_by(f64::total_cmp);
    t[runs / 2]
}

fn main() {
    let gpu = match Gpu::new() {
        Ok(g) => Some(g),
        Err(e) => {
            eprintln!("notice: {e}; GPU rows skipped");
            None
        }
    };
    let device = gpu
        .as_ref()
        .map_or("none".to_string(), |g| g.adapter_details());
    println!(
        "machine: {} CPU threads (rayon), GPU: {device}\n",
        rayon::current_num_threads()
    );
    println!("| measurement | device | size | time | throughput |");
    println!("|---|---|---|---|---|");
    let mut r = SplitMix64::new(1);
    for n in [256usize, 1024] {
        let x = random_i8(&mut r, n, n);
        let w = random_i8(&mut r, n, n);
        let ops_count = 2.0 * (n as f64).powi(3);
        let shift = 12;
        let cpu = median(5, || {
            let t = Instant::now();
            std::hint::black_box(
                ops::linear_forward(&x, &w, &vec![0; n], shift, true).expect("shapes"),
            );
            t.elapsed().as_secs_f64()
        });
        println!(
            "| int8 matmul (linear_forward) | CPU reference | {n}³ | {:.2} ms | {:.2} GOPS |",
            cpu * 1e3,
            ops_count / cpu / 1e9
        );
        if let Some(g) = &gpu {
            let reps = if n == 256 { 20 } else { 3 };
            let t = median(3, || {
                g.time_linear_forward(&x, &w, shift, reps).expect("gpu")
            });
            println!(
                "| int8 matmul (linear_forward) | WGSL kernel | {n}³ | {:.2} ms | {:.2} GOPS |",
                t * 1e3,
                ops_count / t / 1e9
            );
        }
    }
    let data = Dataset::mnist10k().expect("embedded data");
    let config = ModelConfig {
        widths: vec![784, 128, 10],
        batch: 32,
        hyper: Hyper::default(),
        input_scale: data.scale,
    };
    let split = Split::holdout(data.len(), 20, 1);
    let batches = epoch_batches(&split.train, 32, 1, 0);
    let steps = 40;
    let mut model = Model::init(config, 1).expect("config");
    let gpu_model = model.clone();
    let t = Instant::now();
    for idx in batches.iter().take(steps) {
        std::hint::black_box(step::train_step(&mut model, &data, idx).expect("step"));
    }
    let cpu_step = t.elapsed().as_secs_f64() / steps as f64;
    println!(
        "| mnist10k training step, 784-128-10, batch 32 | CPU reference | {steps} steps | {:.2} ms/step | {:.0} steps/s |",
        cpu_step * 1e3,
        1.0 / cpu_step
    );
    if let Some(g) = gpu {
        let mut trainer = GpuTrainer::new(g, &gpu_model, &data).expect("upload");
        trainer.train_step(&batches[0]).expect("warm-up");
        let t = Instant::now();
        for idx in batches.iter().skip(1).take(steps) {
            std::hint::black_box(trainer.train_step(idx).expect("step"));
        }
        let gpu_step = t.elapsed().as_secs_f64() / steps as f64;
        println!(
            "| mnist10k training step, 784-128-10, batch 32 | WGSL kernels (1 submission + logits readback) | {steps} steps | {:.2} ms/step | {:.0} steps/s |",
            gpu_step * 1e3,
            1.0 / gpu_step
        );
    }
}
