//! The generators of the golden vectors: fixed seeds, inputs drawn with edge values mixed in,
//! outputs computed by the core reference. The example's `main` writes them; the core tests
//! include this file to check that the committed vectors are exactly what it generates.

use serde::Serialize;
use spotproof_core::commit::{self, DType, TensorHeader};
use spotproof_core::data::{BYTE_PIXELS, Dataset};
use spotproof_core::model::{Hyper, Model, ModelConfig};
use spotproof_core::ops::{self, OpKind};
use spotproof_core::rng::SplitMix64;
use spotproof_core::sampling;
use spotproof_core::step;
use spotproof_core::tensor::Mat;
use spotproof_core::vectors::{
    self, CommitVector, OpVector, RunInputs, RunVector, StepVector, Tensor, TraceInputs,
    TraceVector, VERSION, commit_example, evaluate, run_outputs, trace_outputs,
};
use std::collections::BTreeMap;

/// Generation fails only if the reference rejects its own inputs or JSON cannot be written.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Random int8 values with the edge values (-128, 127, 0, ±1) mixed in.
fn edgy_i8(rng: &mut SplitMix64, rows: usize, cols: usize) -> Result<Mat<i8>> {
    const EDGES: [i8; 5] = [i8::MIN, i8::MAX, 0, 1, -1];
    let data = (0..rows * cols)
        .map(|_| {
            if rng.below(4) == 0 {
                EDGES[rng.below(5) as usize]
            } else {
                rng.symmetric(128).clamp(-128, 127) as i8
            }
        })
        .collect();
    Ok(Mat::new(rows, cols, data)?)
}

fn relu_acts(rng: &mut SplitMix64, rows: usize, cols: usize) -> Result<Mat<i8>> {
    let m = edgy_i8(rng, rows, cols)?;
    Ok(Mat::new(
        rows,
        cols,
        m.data().iter().map(|&v| v.max(0)).collect(),
    )?)
}

fn vector(
    op: OpKind,
    seed: u64,
    params: &[(&str, i64)],
    inputs: Vec<(&str, Tensor)>,
) -> Result<OpVector> {
    let mut v = OpVector {
        op,
        version: VERSION,
        seed,
        params: params.iter().map(|(k, x)| (k.to_string(), *x)).collect(),
        inputs: inputs
            .into_iter()
            .map(|(k, t)| (k.to_string(), t))
            .collect(),
        outputs: BTreeMap::new(),
    };
    v.outputs = evaluate(&v)?;
    Ok(v)
}

/// All op vectors, deterministically; shapes are deliberately not multiples of 16.
pub fn op_vectors() -> Result<Vec<OpVector>> {
    let mut r = SplitMix64::new(0x5EC7_0125);
    let (b, k, n) = (5, 37, 19);
    let images = Mat::new(
        9,
        k,
        (0..9 * k)
            .map(|i| if i % 11 == 0 { 255 } else { r.below(256) as u8 })
            .collect(),
    )?;
    let labels: Vec<u8> = (0..9).map(|_| r.below(10) as u8).collect();
    let mut out = vec![vector(
        OpKind::Gather,
        1,
        &[("shl", 0), ("shr", 1)],
        vec![
            ("images", Tensor::of(&images)),
            ("labels", Tensor::of_vec(&labels)),
            ("indices", Tensor::of_vec(&[8u32, 0, 0, 3, 5])),
        ],
    )?];
    for (seed, relu) in [(2u64, 1i64), (3, 0)] {
        let mut r = SplitMix64::new(seed);
        let bias: Vec<i32> = (0..n)
            .map(|i| {
                if i == 0 {
                    ops::BIAS_MAX
                } else {
                    r.symmetric(1 << 20) as i32
                }
            })
            .collect();
        out.push(vector(
            OpKind::LinearForward,
            seed,
            &[("shift", 9), ("relu", relu)],
            vec![
                ("x", Tensor::of(&edgy_i8(&mut r, b, k)?)),
                ("w", Tensor::of(&edgy_i8(&mut r, n, k)?)),
                ("bias", Tensor::of_vec(&bias)),
            ],
        )?);
    }
    let mut r = SplitMix64::new(4);
    let y_labels: Vec<u32> = (0..b).map(|_| r.below(n as u64) as u32).collect();
    out.push(vector(
        OpKind::OutputError,
        4,
        &[("hi", 100), ("lo", 0)],
        vec![
            ("y", Tensor::of(&edgy_i8(&mut r, b, n)?)),
            ("labels", Tensor::of_vec(&y_labels)),
        ],
    )?);
    let mut r = SplitMix64::new(5);
    out.push(vector(
        OpKind::LinearBackwardInput,
        5,
        &[("shift", 7)],
        vec![
            ("e", Tensor::of(&edgy_i8(&mut r, b, n)?)),
            ("w", Tensor::of(&edgy_i8(&mut r, n, k)?)),
            ("a", Tensor::of(&relu_acts(&mut r, b, k)?)),
        ],
    )?);
    let mut r = SplitMix64::new(6);
    out.push(vector(
        OpKind::WeightGrad,
        6,
        &[],
        vec![
            ("e", Tensor::of(&edgy_i8(&mut r, b, n)?)),
            ("x", Tensor::of(&edgy_i8(&mut r, b, k)?)),
        ],
    )?);
    let mut r = SplitMix64::new(7);
    out.push(vector(
        OpKind::BiasGrad,
        7,
        &[],
        vec![("e", Tensor::of(&edgy_i8(&mut r, b, n)?))],
    )?);
    let mut r = SplitMix64::new(8);
    let master = Mat::new(
        n,
        k,
        (0..n * k)
            .map(|i| {
                if i < 3 {
                    [i16::MIN, i16::MAX, -129][i]
                } else {
                    r.symmetric(32768).clamp(-32768, 32767) as i16
                }
            })
            .collect(),
    )?;
    let grad = Mat::new(
        n,
        k,
        (0..n * k).map(|_| r.symmetric(1 << 19) as i32).collect(),
    )?;
    out.push(vector(
        OpKind::SgdUpdate,
        8,
        &[("lr_shift", 6)],
        vec![("master", Tensor::of(&master)), ("g", Tensor::of(&grad))],
    )?);
    let mut r = SplitMix64::new(9);
    let bias: Vec<i32> = (0..n)
        .map(|i| {
            if i < 2 {
                [ops::BIAS_MAX, -ops::BIAS_MAX][i]
            } else {
                r.symmetric(1 << 24) as i32
            }
        })
        .collect();
    let grad: Vec<i32> = (0..n).map(|_| r.symmetric(1 << 12) as i32).collect();
    out.push(vector(
        OpKind::BiasUpdate,
        9,
        &[("shift", 1)],
        vec![
            ("bias", Tensor::of_vec(&bias)),
            ("g", Tensor::of_vec(&grad)),
        ],
    )?);
    let mut r = SplitMix64::new(10);
    out.push(vector(
        OpKind::Transpose,
        10,
        &[],
        vec![("x", Tensor::of(&edgy_i8(&mut r, b, k)?))],
    )?);
    // Predictions: rows with ties at the maximum (the first wins), a constant row, an all-minimum
    // row, and labels that match and that do not.
    let mut r = SplitMix64::new(11);
    let (qb, qn) = (9, 10);
    let mut y = edgy_i8(&mut r, qb, qn)?.into_data();
    y[..qn].copy_from_slice(&[3, 127, -5, 127, 0, 127, 1, 2, 3, 4]);
    y[qn..2 * qn].fill(7);
    y[2 * qn..3 * qn].fill(i8::MIN);
    y[3 * qn + qn - 1] = i8::MAX;
    let y = Mat::new(qb, qn, y)?;
    let mut q_labels: Vec<u32> = (0..qb).map(|_| r.below(qn as u64) as u32).collect();
    q_labels[..4].copy_from_slice(&[1, 0, 3, 9]);
    out.push(vector(
        OpKind::Predict,
        11,
        &[],
        vec![("y", Tensor::of(&y)), ("labels", Tensor::of_vec(&q_labels))],
    )?);
    Ok(out)
}

/// A whole step of a small model `[12, 6, 4]` on a random dataset, batch 3.
pub fn step_vector() -> Result<StepVector> {
    let seed = 10;
    let config = ModelConfig {
        widths: vec![12, 6, 4],
        batch: 3,
        hyper: Hyper::default(),
        input_scale: BYTE_PIXELS,
    };
    let model = Model::init(config, seed)?;
    let mut r = SplitMix64::new(seed);
    let images = Mat::new(7, 12, (0..7 * 12).map(|_| r.below(256) as u8).collect())?;
    let labels: Vec<u8> = (0..7).map(|_| r.below(4) as u8).collect();
    let indices = vec![6, 2, 2];
    let data = Dataset {
        name: "vector".into(),
        images,
        labels,
        classes: model.classes(),
        scale: BYTE_PIXELS,
    };
    let mut after = model.clone();
    let tensors = step::train_step(&mut after, &data, &indices)?;
    Ok(StepVector {
        version: VERSION,
        seed,
        model,
        images: data.images,
        labels: data.labels,
        scale: BYTE_PIXELS,
        indices,
        tensors,
    })
}

/// The commitment vector, deterministically.
pub fn commit_vector() -> Result<CommitVector> {
    let hashes = [
        vec![],
        vec![0],
        vec![1, 2],
        vec![1, 2, 3],
        vec![3, 7, 1, 3, 4, 0],
    ]
    .into_iter()
    .map(|xs| {
        let h = commit::hash(&xs.iter().map(|&x| commit::fe(x)).collect::<Vec<_>>());
        (xs, h)
    })
    .collect();
    let mut r = SplitMix64::new(0xC0_441);
    let mut tensors = Vec::new();
    for (tag, dtype, rows, cols) in [
        (1, DType::I8, 3, 40),
        (2, DType::I16, 1, 16),
        (3, DType::I32, 5, 8),
        (4, DType::U8, 2, 65),
        (5, DType::I8, 4, 31),
    ] {
        let (lo, hi) = dtype.range();
        let span = (hi - lo + 1) as u64;
        let values = (0..rows * cols)
            .map(|i| match i {
                0 => lo,
                1 => hi,
                _ => lo + r.below(span) as i64,
            })
            .collect();
        tensors.push(commit_example(
            TensorHeader {
                tag,
                dtype,
                rows,
                cols,
            },
            values,
        )?);
    }
    Ok(CommitVector {
        version: VERSION,
        hashes,
        tensors,
    })
}

/// Step 2 of the step vector's `12-6-4` model on its 7-row dataset, batch 3 derived from data
/// seed 5, with a non-zero previous root, worker `0xabc`, and the 64 samples of the default
/// class size.
pub fn trace_vector() -> Result<TraceVector> {
    let v = step_vector()?;
    let inputs = TraceInputs {
        model: v.model,
        images: v.images,
        labels: v.labels,
        scale: v.scale,
        step: 2,
        prev_root: commit::hash(&[commit::fe(123)]),
        data_seed: 5,
        worker: commit::fe(0xabc),
        sampling: sampling::Sampling::new(sampling::DEFAULT_SAMPLES),
    };
    Ok(TraceVector {
        version: VERSION,
        outputs: trace_outputs(&inputs)?,
        inputs,
    })
}

/// The run layer on 5 steps (a padded tree of 8 leaves), 3 of them challenged, with a task whose
/// fields are small recognisable numbers.
pub fn run_vector() -> Result<RunVector> {
    use spotproof_core::run::{TaskFields, keccak};
    let inputs = RunInputs {
        task: TaskFields {
            arch_id: commit::fe(1),
            dataset_root: commit::fe(2),
            data_seed: 3,
            initial_roots: (4..10).map(commit::fe).collect(),
            steps: 5,
            samples: 64,
            challenge_steps: 3,
            vk_hash: keccak(b"vk"),
        },
        trace_roots: (0..5).map(|i| commit::hash(&[commit::fe(i)])).collect(),
        beacon: keccak(b"spotproof.vector.beacon"),
        challenge_steps: 3,
    };
    let outputs = run_outputs(&inputs).ok_or("the run vector's challenge does not fit")?;
    Ok(RunVector {
        version: VERSION,
        inputs,
        outputs,
    })
}

/// Inference with the step vector's `12-6-4` model on its 7 rows as queries, worker `0xabc`,
/// a challenge under a fixed beacon, 3 queries proven whole.
pub fn infer_vector() -> Result<vectors::InferVector> {
    let v = step_vector()?;
    let ops = spotproof_core::layout::template_of(
        spotproof_core::layout::TraceKind::Infer,
        v.model.config.layers(),
    )
    .ops
    .len();
    let inputs = vectors::InferInputs {
        model: v.model,
        images: v.images,
        labels: v.labels,
        worker: commit::fe(0xabc),
        beacon: spotproof_core::run::keccak(b"spotproof.vector.inference"),
        sampling: sampling::Sampling {
            samples: 3 * ops,
            blocks: sampling::infer_blocks(16, 8),
        },
    };
    Ok(vectors::InferVector {
        version: VERSION,
        outputs: vectors::infer_outputs(&inputs)?,
        inputs,
    })
}

/// Every vector file as (path relative to `vectors/`, JSON), in a fixed order.
pub fn files() -> Result<Vec<(String, String)>> {
    let mut files: Vec<(String, String)> = op_vectors()?
        .iter()
        .map(|v| {
            Ok((
                format!("{}/v{}-seed{}.json", v.op, VERSION, v.seed),
                to_json(v)?,
            ))
        })
        .collect::<Result<_>>()?;
    files.push((format!("step/v{VERSION}.json"), to_json(&step_vector()?)?));
    files.push((
        format!("commit/v{VERSION}.json"),
        to_json(&commit_vector()?)?,
    ));
    files.push((
        format!("hash/v{VERSION}.json"),
        to_json(&vectors::hash_vector())?,
    ));
    files.push((format!("trace/v{VERSION}.json"), to_json(&trace_vector()?)?));
    files.push((format!("run/v{VERSION}.json"), to_json(&run_vector()?)?));
    files.push((format!("infer/v{VERSION}.json"), to_json(&infer_vector()?)?));
    Ok(files)
}

/// Pretty-printed JSON (reviewable diffs), newline-terminated.
fn to_json<T: Serialize>(v: &T) -> Result<String> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    Ok(s)
}
