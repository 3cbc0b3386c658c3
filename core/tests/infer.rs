//! Inference traces: the layout, the row-coupled samples (each group of `n_ops` samples checks
//! one query's whole forward pass and prediction) and the native checker, honest and cheating.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed check is a panic here

use spotproof_core::check::{self, CheckFailure};
use spotproof_core::commit::Fr;
use spotproof_core::data::Dataset;
use spotproof_core::layout::{self, Role, TraceKind};
use spotproof_core::model::{Hyper, Model, ModelConfig};
use spotproof_core::ops::OpKind;
use spotproof_core::sampling::{self, Sampling};
use spotproof_core::step::{self, InferTensors};
use spotproof_core::trace::{self, Manifest, Trace};
use std::sync::Arc;

struct Fixture {
    model: Model,
    queries: Dataset,
    tensors: InferTensors,
}

fn fixture() -> Fixture {
    let data = Dataset::digits().unwrap();
    let queries = data.subset(&(0..12).collect::<Vec<_>>()).unwrap();
    let cfg = ModelConfig {
        widths: vec![64, 12, 9, 10],
        batch: 6,
        hyper: Hyper::default(),
        input_scale: data.scale,
    };
    let model = Model::init(cfg, 4).unwrap();
    let tensors = step::infer(&model, &queries).unwrap();
    Fixture {
        model,
        queries,
        tensors,
    }
}

fn commit(f: &Fixture, t: &InferTensors) -> Trace {
    let q = Arc::new(trace::commit_queries(&f.queries).unwrap());
    trace::commit_inference(&f.model, t, &q, Fr::from(12u64)).unwrap()
}

/// `groups` queries' forward passes, with the inference blocks of these widths.
fn sampling(tr: &Trace, groups: usize) -> Sampling {
    Sampling {
        samples: groups * tr.ops.len(),
        blocks: sampling::infer_blocks(64, 16),
    }
}

fn verify(tr: &Trace, beacon: Fr, s: &Sampling) -> Result<(), CheckFailure> {
    let m = Manifest::of(tr);
    let openings: Vec<_> = tr
        .samples(beacon, s)
        .iter()
        .map(|x| check::open_sample(tr, x).unwrap())
        .collect();
    check::verify_samples(&m, tr.root, beacon, s, &openings)
}

/// The query the first group of samples checks under `beacon`.
fn first_query(tr: &Trace, beacon: Fr, s: &Sampling) -> usize {
    tr.samples(beacon, s)[0].cell as usize
}

#[test]
fn an_honest_inference_verifies_and_each_group_checks_one_query_whole() {
    let f = fixture();
    let tr = commit(&f, &f.tensors);
    let m = Manifest::of(&tr);
    assert_eq!(TraceKind::of(&m.ops), TraceKind::Infer);
    check::check_infer_conformance(&m, &f.model.config).unwrap();
    assert_eq!(
        check::check_conformance(&m, &f.model.config),
        Err(CheckFailure::Nonconforming("number of tensors"))
    );
    // The predictions are the CPU reference's, and the weights' roots are the model's state roots.
    assert_eq!(
        f.tensors.pred,
        step::predict(&f.model, &f.queries, &(0..12).collect::<Vec<_>>()).unwrap()
    );
    let state = layout::state_roots(&f.model).unwrap();
    for l in 0..3u16 {
        let l_ = usize::from(l);
        assert_eq!(tr.root_of(Role::Weight(l)), Some(state[3 * l_ + 1]));
        assert_eq!(tr.root_of(Role::Bias(l)), Some(state[3 * l_ + 2]));
    }
    let s = sampling(&tr, 5);
    let samples = tr.samples(Fr::from(7u64), &s);
    let n_ops = tr.ops.len();
    assert_eq!(n_ops, 5);
    for group in samples.chunks(n_ops) {
        let kinds: Vec<_> = group.iter().map(|x| tr.ops[x.op].kind).collect();
        assert_eq!(
            kinds,
            [
                OpKind::Gather,
                OpKind::LinearForward,
                OpKind::LinearForward,
                OpKind::LinearForward,
                OpKind::Predict
            ]
        );
        // One row of every op's output, whole: the same query throughout the group.
        assert!(group.iter().all(|x| x.cell == group[0].cell && x.rows == 1));
        assert!(group[0].cell < 12);
    }
    verify(&tr, Fr::from(7u64), &s).unwrap();
}

/// A cheater's inference: `bend` changes the query `q`'s tensors. Under a beacon whose first
/// group checks `q` the change is caught as `expect`; under one that does not sample `q` it
/// passes (sampling, not recomputation).
fn caught(bend: impl Fn(&mut InferTensors, usize), expect: OpKind) {
    let f = fixture();
    let honest = commit(&f, &f.tensors);
    let s = sampling(&honest, 1);
    for q in [0usize, 5, 11] {
        let mut t = f.tensors.clone();
        bend(&mut t, q);
        let tr = commit(&f, &t);
        let hit = (0..500u64)
            .map(Fr::from)
            .find(|&b| first_query(&tr, b, &s) == q)
            .unwrap();
        match verify(&tr, hit, &s) {
            Err(CheckFailure::WrongElement { kind, .. }) => assert_eq!(kind, expect),
            other => panic!("query {q}: {other:?}"),
        }
        let miss = (0..500u64)
            .map(Fr::from)
            .find(|&b| first_query(&tr, b, &s) != q)
            .unwrap();
        verify(&tr, miss, &s).unwrap();
    }
}

#[test]
fn a_wrong_prediction_is_caught_when_its_query_is_sampled() {
    caught(|t, q| t.pred[q] = (t.pred[q] + 1) % 10, OpKind::Predict);
}

#[test]
fn a_wrong_correctness_bit_is_caught_when_its_query_is_sampled() {
    caught(|t, q| t.correct[q] ^= 1, OpKind::Predict);
}

#[test]
fn made_up_logits_are_caught_when_their_query_is_sampled() {
    // Logits that agree with a fabricated prediction: the last layer's output is wrong.
    caught(
        |t, q| {
            let logits = t.acts.last_mut().unwrap();
            let n = logits.cols();
            let want = (t.pred[q] as usize + 1) % n;
            logits.data_mut()[q * n + want] = 127;
            for c in 0..n {
                if c != want {
                    logits.data_mut()[q * n + c] = -128;
                }
            }
            t.pred[q] = want as u32;
            t.correct[q] = u32::from(want as u32 == t.labels[q]);
        },
        OpKind::LinearForward,
    );
}

#[test]
fn a_query_swapped_for_another_is_caught_at_the_gather() {
    caught(
        |t, q| {
            let other = (q + 1) % t.input.rows();
            let k = t.input.cols();
            let row: Vec<i8> = t.input.row(other).to_vec();
            t.input.data_mut()[q * k..(q + 1) * k].copy_from_slice(&row);
        },
        OpKind::Gather,
    );
}

#[test]
fn inference_headers_and_layouts_are_checked() {
    let f = fixture();
    let tr = commit(&f, &f.tensors);
    let m = Manifest::of(&tr);
    let mut other = m.clone();
    other.header.step = 1;
    assert!(matches!(
        check::check_infer_conformance(&other, &f.model.config),
        Err(CheckFailure::Nonconforming(_))
    ));
    let mut cfg = f.model.config.clone();
    cfg.widths[1] += 1;
    assert!(check::check_infer_conformance(&m, &cfg).is_err());
    // A training layout is not an inference trace.
    let lay = layout::layout(&f.model.config, tr.tensors[0].header, 0, 0);
    assert_eq!(TraceKind::of(&lay.ops), TraceKind::Train);
}
