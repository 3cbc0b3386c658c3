//! Bit-exactness of every WGSL kernel against the core reference (`assert_eq!`, no tolerance).
//!
//! `device_tests!` stamps each test body once per device: `cpu` runs `spotproof_core::ops`,
//! `gpu` runs the kernels. The bodies check the golden vectors, exhaustive element-wise tables and
//! edge values against the element functions of the specification, so both forms are held to the
//! same expectations. The `gpu_vs_reference` tests compare kernels with the reference directly
//! over seeded random shapes (not multiples of the 16×16 tile) and whole training steps.
//!
//! Without an adapter the GPU tests print a notice and pass, unless `SPOTPROOF_REQUIRE_GPU=1`,
//! which CI sets (lavapipe), makes them fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed check is a panic here

use spotproof_core::layout;
use spotproof_core::model::{Hyper, Model, ModelConfig};
use spotproof_core::ops::{self as core_ops, BIAS_MAX, Executor, InputScale, MAX_I8_PRODUCT};
use spotproof_core::rng::SplitMix64;
use spotproof_core::sampling;
use spotproof_core::vectors::{self, OpVector};
use spotproof_core::{Mat, data::Dataset, step};
use spotproof_shaders::{Gpu, GpuTrainer, ShaderError};
use std::fmt::Debug;
use std::sync::OnceLock;

/// The shared GPU, or `None` (with a notice) when there is no adapter and none is required.
fn gpu() -> Option<&'static Gpu> {
    static GPU: OnceLock<Option<Gpu>> = OnceLock::new();
    GPU.get_or_init(|| match Gpu::new() {
        Ok(g) => {
            eprintln!("kernel tests on {}", g.adapter_details());
            Some(g)
        }
        Err(e) if spotproof_shaders::gpu_required() => {
            panic!("SPOTPROOF_REQUIRE_GPU is set but: {e}")
        }
        Err(e) => {
            eprintln!("notice: skipping GPU kernel tests: {e}");
            None
        }
    })
    .as_ref()
}

macro_rules! device_tests {
    ($($name:ident),* $(,)?) => {
        mod cpu {
            $(#[test] fn $name() { super::$name(&spotproof_core::ops::Reference); })*
        }
        mod gpu {
            $(#[test] fn $name() { if let Some(g) = super::gpu() { super::$name(g); } })*
        }
    };
}

device_tests!(
    golden_op_vectors,
    exhaustive_linear_forward_int8_pairs,
    exhaustive_output_error_int8_pairs,
    exhaustive_backward_mask_int8_pairs,
    exhaustive_sgd_update_and_derive_over_i16,
    exhaustive_gather_over_pixels_and_scales,
    bias_update_edges,
    transpose_every_int8_value,
    predict_every_int8_pair_and_wide_rows,
    largest_k_forward_is_exact,
    largest_fan_out_backward_is_exact,
    largest_batch_gradients_are_exact,
);

fn mat<T: Copy + Default>(rows: usize, cols: usize, data: Vec<T>) -> Mat<T> {
    Mat::new(rows, cols, data).unwrap()
}

fn all_i8() -> impl Iterator<Item = i8> {
    i8::MIN..=i8::MAX
}

fn golden_op_vectors<E: Executor<Error: Debug>>(d: &E) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors");
    let mut seen = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let sub = entry.unwrap().path();
        if !sub.is_dir() || vectors::NON_OP_FOLDERS.iter().any(|f| sub.ends_with(f)) {
            continue;
        }
        for file in std::fs::read_dir(&sub).unwrap() {
            // Op vectors are JSON; other folders (`onchain/`: a key and contracts) hold none.
            let path = file.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = std::fs::read_to_string(path).unwrap();
            let v: OpVector = serde_json::from_str(&text).unwrap();
            assert_eq!(
                vectors::evaluate_on(d, &v).unwrap(),
                v.outputs,
                "vector {} seed {}",
                v.op,
                v.seed
            );
            seen.insert(v.op);
        }
    }
    // Every op has a vector, and every kernel reproduced it.
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        spotproof_core::ops::OpKind::ALL.to_vec()
    );
}

fn exhaustive_linear_forward_int8_pairs<E: Executor<Error: Debug>>(d: &E) {
    // K = 1: y[x][w] = clamp(rshr(x·w + bias, s)) for every (x, w) pair.
    let x = mat(256, 1, all_i8().collect());
    let w = mat(256, 1, all_i8().collect());
    for (shift, relu, bias) in [(0, false, 0), (3, true, 0), (7, false, -5), (1, true, 1)] {
        let y = d
            .linear_forward(&x, &w, &vec![bias; 256], shift, relu)
            .unwrap();
        for (i, a) in all_i8().enumerate() {
            for (j, b) in all_i8().enumerate() {
                let acc = i64::from(a) * i64::from(b) + i64::from(bias);
                let expected =
                    core_ops::linear_forward_elem(acc, shift, core_ops::activation_floor(relu));
                assert_eq!(
                    y.at(i, j),
                    expected,
                    "x={a} w={b} shift={shift} relu={relu}"
                );
            }
        }
    }
}

fn exhaustive_output_error_int8_pairs<E: Executor<Error: Debug>>(d: &E) {
    // Column 0 is the labelled class (target hi), column 1 gets lo: every (y, t) pair over the
    // 256 target values.
    let y = mat(256, 2, all_i8().flat_map(|v| [v, v]).collect());
    let labels = vec![0u32; 256];
    for t in all_i8() {
        let lo = t.wrapping_add(37);
        let e = d.output_error(&y, &labels, t, lo).unwrap();
        for (i, v) in all_i8().enumerate() {
            assert_eq!(e.at(i, 0), core_ops::output_error_elem(v, t), "y={v} t={t}");
            assert_eq!(
                e.at(i, 1),
                core_ops::output_error_elem(v, lo),
                "y={v} t={lo}"
            );
        }
    }
}

fn exhaustive_backward_mask_int8_pairs<E: Executor<Error: Debug>>(d: &E) {
    // N = K = 1, row r carries e = r & 255 and a = r >> 8: every (e, a) pair, with w = 1
    // (plain mask) and w = -128 with shift 7 (rounding of negative sums).
    let pairs: Vec<(i8, i8)> = all_i8()
        .flat_map(|a| all_i8().map(move |e| (e, a)))
        .collect();
    let e = mat(pairs.len(), 1, pairs.iter().map(|p| p.0).collect());
    let a = mat(pairs.len(), 1, pairs.iter().map(|p| p.1).collect());
    for (wv, shift) in [(1i8, 0u32), (-128, 7), (127, 3)] {
        let w = mat(1, 1, vec![wv]);
        let out = d.linear_backward_input(&e, &w, &a, shift).unwrap();
        for (r, &(ev, av)) in pairs.iter().enumerate() {
            let expected =
                core_ops::linear_backward_input_elem(i64::from(ev) * i64::from(wv), shift, av);
            assert_eq!(out.at(r, 0), expected, "e={ev} a={av} w={wv} shift={shift}");
        }
    }
}

fn exhaustive_sgd_update_and_derive_over_i16<E: Executor<Error: Debug>>(d: &E) {
    let masters: Vec<i16> = (i16::MIN..=i16::MAX).collect();
    let m = mat(256, 256, masters.clone());
    for (g, shift) in [
        (0i32, 0u32),
        (1, 0),
        (-1, 1),
        (129, 8),
        (-129, 8),
        (1 << 20, 6),
        (-(1 << 20), 6),
        (i32::MAX >> 2, 0),
    ] {
        let grad = mat(256, 256, vec![g; masters.len()]);
        let (m2, w2) = d.sgd_update(&m, &grad, shift).unwrap();
        for (i, &mv) in masters.iter().enumerate() {
            let expected = core_ops::sgd_update_elem(mv, g, shift);
            assert_eq!(m2.data()[i], expected, "m={mv} g={g} shift={shift}");
            assert_eq!(
                w2.data()[i],
                core_ops::derive_weight_elem(expected),
                "m'={expected}"
            );
        }
    }
}

fn exhaustive_gather_over_pixels_and_scales<E: Executor<Error: Debug>>(d: &E) {
    // Row width 7 (not a multiple of the 4-byte packing) holding every pixel value across rows.
    let pixels: Vec<u8> = (0..=255u8).chain(0..=5).collect();
    let images = mat(pixels.len() / 7, 7, pixels[..pixels.len() / 7 * 7].to_vec());
    let labels: Vec<u8> = (0..images.rows()).map(|i| (i % 10) as u8).collect();
    let indices: Vec<u32> = (0..images.rows() as u32).rev().chain([0, 0, 3]).collect();
    for shl in 0..=8 {
        for shr in [0, 1, 4, 8] {
            let s = InputScale { shl, shr };
            let (x, l) = d.gather(&images, &labels, &indices, s).unwrap();
            for (b, &r) in indices.iter().enumerate() {
                assert_eq!(l[b], u32::from(labels[r as usize]));
                for k in 0..7 {
                    assert_eq!(
                        x.at(b, k),
                        core_ops::gather_elem(images.at(r as usize, k), s),
                        "p={} {s:?}",
                        images.at(r as usize, k)
                    );
                }
            }
        }
    }
}

fn bias_update_edges<E: Executor<Error: Debug>>(d: &E) {
    let bias = vec![BIAS_MAX, -BIAS_MAX, 0, 1, -1, BIAS_MAX - 1, 12345];
    let g = vec![-(1 << 20), 1 << 20, 1, -1, 3, -2, 1 << 22];
    for shift in [0, 1, 5, 31] {
        let out = d.bias_update(&bias, &g, shift).unwrap();
        let expected: Vec<i32> = bias
            .iter()
            .zip(&g)
            .map(|(&b, &gv)| core_ops::bias_update_elem(b, gv, shift))
            .collect();
        assert_eq!(out, expected, "shift={shift}");
    }
}

fn transpose_every_int8_value<E: Executor<Error: Debug>>(d: &E) {
    // Every int8 value in every row position, on shapes that are not multiples of 256 or 16,
    // including single rows and columns.
    for (rows, cols) in [(3, 256), (256, 3), (1, 256), (256, 1), (1, 1), (17, 31)] {
        let x = mat(
            rows,
            cols,
            (0..rows * cols)
                .map(|i| ((i * 7 + i / cols) % 256) as u8 as i8)
                .collect(),
        );
        let t = d.transpose(&x).unwrap();
        assert_eq!(t.shape(), (cols, rows));
        for b in 0..rows {
            for k in 0..cols {
                assert_eq!(t.at(k, b), x.at(b, k), "{rows}x{cols} at ({b}, {k})");
            }
        }
    }
}

fn predict_every_int8_pair_and_wide_rows<E: Executor<Error: Debug>>(d: &E) {
    // Two classes, every (y0, y1) pair: class 1 only when strictly larger (ties go to class 0),
    // labels alternating so both bits occur.
    let pairs: Vec<(i8, i8)> = all_i8()
        .flat_map(|a| all_i8().map(move |b| (a, b)))
        .collect();
    let y = mat(
        pairs.len(),
        2,
        pairs.iter().flat_map(|&(a, b)| [a, b]).collect(),
    );
    let labels: Vec<u32> = (0..pairs.len() as u32).map(|i| i % 2).collect();
    let (pred, correct) = d.predict(&y, &labels).unwrap();
    for (i, &(a, b)) in pairs.iter().enumerate() {
        assert_eq!(pred[i], u32::from(b > a), "y=({a}, {b})");
        assert_eq!(correct[i], u32::from(pred[i] == labels[i]), "y=({a}, {b})");
    }
    // 1000 classes: the maximum (repeated later) at every tenth position, on rows of -128.
    let n = 1000;
    let rows: Vec<usize> = (0..n).step_by(10).collect();
    let mut data = vec![i8::MIN; rows.len() * n];
    for (r, &at) in rows.iter().enumerate() {
        data[r * n + at] = 5;
        data[r * n + (at + 7).min(n - 1)] = 5;
        data[r * n + (at + 3) % n] = 4;
    }
    let labels: Vec<u32> = rows.iter().map(|&at| (at as u32 + 1) % 997).collect();
    let (pred, correct) = d.predict(&mat(rows.len(), n, data), &labels).unwrap();
    for (r, &at) in rows.iter().enumerate() {
        assert_eq!(pred[r], at as u32, "row {r}");
        assert_eq!(correct[r], 0, "row {r}");
    }
}

/// The largest fan-in the model's bounds allow (the accumulator of linear_forward).
fn largest_k() -> usize {
    let cfg = |k| ModelConfig {
        widths: vec![k, 2],
        batch: 1,
        hyper: Hyper::default(),
        input_scale: InputScale { shl: 0, shr: 1 },
    };
    let mut k = ((i32::MAX as i64 - i64::from(BIAS_MAX)) / MAX_I8_PRODUCT) as usize;
    while cfg(k).validate().is_err() {
        k -= 1;
    }
    k
}

fn largest_k_forward_is_exact<E: Executor<Error: Debug>>(d: &E) {
    let k = largest_k();
    let shift = ModelConfig {
        widths: vec![k, 2],
        batch: 1,
        hyper: Hyper::default(),
        input_scale: InputScale { shl: 0, shr: 1 },
    }
    .fwd_shift(0);
    let x = mat(2, k, [vec![-128i8; k], vec![127i8; k]].concat());
    let w = mat(2, k, [vec![-128i8; k], vec![-128i8; k]].concat());
    let y = d
        .linear_forward(&x, &w, &[BIAS_MAX, -BIAS_MAX], shift, false)
        .unwrap();
    let top = i64::from(BIAS_MAX) + k as i64 * MAX_I8_PRODUCT;
    assert!(top + (1 << (shift - 1)) <= i64::from(i32::MAX) && top > 1 << 30);
    let expected = [
        core_ops::linear_forward_elem(top, shift, -128),
        core_ops::linear_forward_elem(
            -i64::from(BIAS_MAX) + k as i64 * MAX_I8_PRODUCT,
            shift,
            -128,
        ),
        core_ops::linear_forward_elem(i64::from(BIAS_MAX) - 127 * 128 * k as i64, shift, -128),
        core_ops::linear_forward_elem(-i64::from(BIAS_MAX) - 127 * 128 * k as i64, shift, -128),
    ];
    assert_eq!(y.data(), &expected);
    // Random rows of the same length land inside the int8 range after the shift, so the exact
    // sum shows (a shift that could show the extreme sums unsaturated would overflow its rounding).
    let mut r = SplitMix64::new(99);
    let x = mat(3, k, (0..3 * k).map(|_| r.symmetric(64) as i8).collect());
    let w = mat(2, k, (0..2 * k).map(|_| r.symmetric(64) as i8).collect());
    let y = d.linear_forward(&x, &w, &[-1, 1], shift, false).unwrap();
    for i in 0..3 {
        for j in 0..2 {
            let acc: i64 = [-1i64, 1][j]
                + x.row(i)
                    .iter()
                    .zip(w.row(j))
                    .map(|(&a, &b)| i64::from(a) * i64::from(b))
                    .sum::<i64>();
            assert_eq!(y.at(i, j), core_ops::linear_forward_elem(acc, shift, -128));
        }
    }
    assert!(
        y.data().iter().any(|&v| v != 127 && v != -128),
        "{:?}",
        y.data()
    );
}

fn largest_fan_out_backward_is_exact<E: Executor<Error: Debug>>(d: &E) {
    let n = ((i32::MAX as i64 - (1 << 23)) / MAX_I8_PRODUCT) as usize;
    let e = mat(1, n, vec![-128i8; n]);
    let w = mat(n, 2, [-128i8, 127].repeat(n));
    let a = mat(1, 2, vec![5i8, 9]);
    let out = d.linear_backward_input(&e, &w, &a, 24).unwrap();
    let sums = [n as i64 * MAX_I8_PRODUCT, -(n as i64) * 128 * 127];
    assert_eq!(
        out.data(),
        &[
            core_ops::linear_backward_input_elem(sums[0], 24, 5),
            core_ops::linear_backward_input_elem(sums[1], 24, 9)
        ]
    );
}

fn largest_batch_gradients_are_exact<E: Executor<Error: Debug>>(d: &E) {
    let b = ((i32::MAX as i64 - (1 << 15) - (1 << 5)) / MAX_I8_PRODUCT) as usize;
    let e = mat(b, 2, [-128i8, 127].repeat(b));
    let x = mat(b, 1, vec![-128i8; b]);
    let g = d.weight_grad(&e, &x).unwrap();
    assert_eq!(
        g.data(),
        &[
            (b as i64 * MAX_I8_PRODUCT) as i32,
            -(b as i64 * 127 * 128) as i32
        ]
    );
    assert_eq!(
        d.bias_grad(&e).unwrap(),
        vec![-(b as i32) * 128, b as i32 * 127]
    );
    let (m, w) = d
        .sgd_update(&mat(2, 1, vec![i16::MIN, i16::MAX]), &g, 6)
        .unwrap();
    assert_eq!(
        m.data(),
        &[
            core_ops::sgd_update_elem(i16::MIN, g.data()[0], 6),
            core_ops::sgd_update_elem(i16::MAX, g.data()[1], 6)
        ]
    );
    assert_eq!(w, core_ops::derive_weights(&m));
}

mod gpu_vs_reference {
    use super::*;

    fn random_i8(r: &mut SplitMix64, rows: usize, cols: usize) -> Mat<i8> {
        mat(
            rows,
            cols,
            (0..rows * cols)
                .map(|_| (r.below(256) as i64 - 128) as i8)
                .collect(),
        )
    }

    #[test]
    fn random_shapes_match() {
        let Some(g) = gpu() else { return };
        let mut r = SplitMix64::new(0xC0FFEE);
        for case in 0..24 {
            let (b, k, n) = (
                1 + r.below(70) as usize,
                1 + r.below(90) as usize,
                1 + r.below(40) as usize,
            );
            let x = random_i8(&mut r, b, k);
            let w = random_i8(&mut r, n, k);
            let bias: Vec<i32> = (0..n).map(|_| r.symmetric(1 << 22) as i32).collect();
            let shift = r.below(14) as u32;
            let relu = case % 2 == 0;
            let ctx = format!("case {case}: B={b} K={k} N={n} shift={shift}");
            assert_eq!(
                g.linear_forward(&x, &w, &bias, shift, relu).unwrap(),
                core_ops::linear_forward(&x, &w, &bias, shift, relu).unwrap(),
                "{ctx}"
            );
            let e = random_i8(&mut r, b, n);
            let a = random_i8(&mut r, b, k);
            assert_eq!(
                g.linear_backward_input(&e, &w, &a, shift).unwrap(),
                core_ops::linear_backward_input(&e, &w, &a, shift).unwrap(),
                "{ctx}"
            );
            assert_eq!(
                g.weight_grad(&e, &x).unwrap(),
                core_ops::weight_grad(&e, &x).unwrap(),
                "{ctx}"
            );
            assert_eq!(g.bias_grad(&e).unwrap(), core_ops::bias_grad(&e), "{ctx}");
            let labels: Vec<u32> = (0..b).map(|_| r.below(n as u64) as u32).collect();
            assert_eq!(
                g.output_error(&e, &labels, 100, -3).unwrap(),
                core_ops::output_error(&e, &labels, 100, -3).unwrap(),
                "{ctx}"
            );
            let m = mat(
                n,
                k,
                (0..n * k)
                    .map(|_| r.symmetric(32768).clamp(-32768, 32767) as i16)
                    .collect(),
            );
            let gw = core_ops::weight_grad(&e, &x).unwrap();
            assert_eq!(
                g.sgd_update(&m, &gw, shift).unwrap(),
                core_ops::sgd_update(&m, &gw, shift).unwrap(),
                "{ctx}"
            );
            let rows = 1 + r.below(9) as usize;
            let images =
                Mat::new(rows, k, (0..rows * k).map(|_| r.below(256) as u8).collect()).unwrap();
            let img_labels: Vec<u8> = (0..rows).map(|_| r.below(10) as u8).collect();
            let idx: Vec<u32> = (0..b).map(|_| r.below(rows as u64) as u32).collect();
            let scale = InputScale {
                shl: r.below(9) as u32,
                shr: r.below(9) as u32,
            };
            assert_eq!(
                g.gather(&images, &img_labels, &idx, scale).unwrap(),
                core_ops::gather(&images, &img_labels, &idx, scale).unwrap(),
                "{ctx}"
            );
            let bias_g = core_ops::bias_grad(&e);
            assert_eq!(
                g.bias_update(&bias, &bias_g, shift).unwrap(),
                core_ops::bias_update(&bias, &bias_g, shift).unwrap(),
                "{ctx}"
            );
            for m in [&x, &w, &e] {
                assert_eq!(g.transpose(m).unwrap(), core_ops::transpose(m), "{ctx}");
            }
        }
        // Single rows and columns, a large shape, and one whose 256-wide workgroups exceed the
        // 65535 per dimension (the grid wraps into y).
        let wrapping = 4099;
        assert!(wrapping * 4097 > 65535 * 256);
        for (rows, cols) in [
            (1, 1),
            (1, 1000),
            (1000, 1),
            (1, 4097),
            (4097, 1),
            (300, 1000),
            (1000, 300),
            (wrapping, 4097),
        ] {
            let x = random_i8(&mut r, rows, cols);
            assert_eq!(
                g.transpose(&x).unwrap(),
                core_ops::transpose(&x),
                "transpose {rows}x{cols}"
            );
        }
    }

    #[test]
    fn shape_and_index_errors_are_typed() {
        let Some(g) = gpu() else { return };
        let x = Mat::<i8>::zeros(2, 3);
        assert!(matches!(
            g.linear_forward(&x, &Mat::zeros(4, 5), &[0; 4], 1, true),
            Err(ShaderError::Core(_))
        ));
        assert!(matches!(
            g.gather(
                &Mat::zeros(2, 3),
                &[0, 1],
                &[2],
                InputScale { shl: 0, shr: 0 }
            ),
            Err(ShaderError::Core(_))
        ));
        assert!(matches!(
            g.output_error(&x, &[0, 3], 1, 0),
            Err(ShaderError::Core(_))
        ));
    }

    fn step_vector_on(g: &'static Gpu) {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/step/v2.json"),
        )
        .unwrap();
        let v: vectors::StepVector = serde_json::from_str(&text).unwrap();
        let mut t = GpuTrainer::new(g.clone(), &v.model, &v.dataset()).unwrap();
        assert_eq!(t.train_step_full(&v.indices).unwrap(), v.tensors);
    }

    #[test]
    fn golden_step_vector() {
        let Some(g) = gpu() else { return };
        step_vector_on(g);
    }

    /// A training step of a real model on a real dataset: every tensor, then several steps.
    fn steps_match(data: Dataset, widths: Vec<usize>, batch: usize, steps: usize) {
        let Some(g) = gpu() else { return };
        let config = ModelConfig {
            widths,
            batch,
            hyper: Hyper::default(),
            input_scale: data.scale,
        };
        let mut cpu_model = Model::init(config, 11).unwrap();
        let mut t = GpuTrainer::new(g.clone(), &cpu_model, &data).unwrap();
        let split = spotproof_core::data::Split::holdout(data.len(), 20, 5);
        let batches = spotproof_core::data::epoch_batches(&split.train, batch, 5, 0);
        for (i, idx) in batches.iter().take(steps).enumerate() {
            let reference = step::train_step(&mut cpu_model, &data, idx).unwrap();
            if i == 0 || i + 1 == steps {
                assert_eq!(t.train_step_full(idx).unwrap(), reference, "step {i}");
            } else {
                assert_eq!(t.train_step(idx).unwrap(), reference.summary(), "step {i}");
            }
        }
        assert_eq!(t.model().unwrap(), cpu_model);
        assert_eq!(
            t.predict(&split.test).unwrap(),
            step::predict(&cpu_model, &data, &split.test).unwrap()
        );
    }

    #[test]
    fn gpu_and_cpu_steps_commit_to_one_trace_root() {
        use spotproof_core::commit::Fr;
        use spotproof_core::trace;
        let Some(g) = gpu() else { return };
        let data = Dataset::digits().unwrap();
        let split = spotproof_core::data::Split::holdout(data.len(), 20, 2);
        let config = ModelConfig {
            widths: vec![64, 24, 10],
            batch: 16,
            hyper: Hyper::default(),
            input_scale: data.scale,
        };
        let before = Model::init(config, 5).unwrap();
        let ds = std::sync::Arc::new(trace::commit_dataset(&data, &split.train).unwrap());
        // Batch rows index the committed training rows; map them back to dataset rows.
        let idx: Vec<u32> = sampling::batch_indices(9, 0, 16, split.train.len())
            .iter()
            .map(|&i| split.train[i as usize])
            .collect();
        let mut cpu_model = before.clone();
        let cpu = step::train_step(&mut cpu_model, &data, &idx).unwrap();
        let gpu_t = GpuTrainer::new(g.clone(), &before, &data)
            .unwrap()
            .train_step_full(&idx)
            .unwrap();
        let header = trace::StepHeader {
            arch_id: layout::arch_id(&before.config),
            step: 0,
            prev_root: Fr::from(0u64),
            dataset_root: ds.root,
            data_seed: 9,
            worker: Fr::from(3u64),
        };
        let a = trace::commit_step(&before, &cpu, &ds, header).unwrap();
        let b = trace::commit_step(&before, &gpu_t, &ds, header).unwrap();
        assert_eq!(a.root, b.root);
    }

    #[test]
    fn digits_steps_identical() {
        steps_match(Dataset::digits().unwrap(), vec![64, 37, 21, 10], 29, 6);
    }

    #[test]
    fn mnist10k_steps_identical() {
        steps_match(Dataset::mnist10k().unwrap(), vec![784, 128, 10], 32, 4);
    }
}
