//! The inference circuit: an honest inference trace satisfies its class under any beacon; a
//! wrong prediction, correctness bit, made-up logits or a swapped query cannot be proven when
//! its query is sampled (and a trace whose wrong query is not sampled still proves: sampling).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use spotproof_circuits::fixture::{digits32, small_run, small_run_of};
use spotproof_circuits::{Class, ProveError, check_witness, step_witness};
use spotproof_core::commit::Fr;
use spotproof_core::layout::TraceKind;
use spotproof_core::step::{self, InferTensors};
use spotproof_core::trace::{self, Trace};
use std::sync::Arc;

fn class() -> Class {
    Class::by_name("inf2-g4-q32-r32").unwrap()
}

struct Fixture {
    model: spotproof_core::model::Model,
    queries: spotproof_core::data::Dataset,
    tensors: InferTensors,
}

fn fixture() -> Fixture {
    let run = small_run(2, Fr::from(1u64)).unwrap();
    let model = run.before[1].clone();
    let queries = digits32(400..430).unwrap();
    let tensors = step::infer(&model, &queries).unwrap();
    Fixture {
        model,
        queries,
        tensors,
    }
}

fn commit(f: &Fixture, t: &InferTensors) -> Trace {
    let q = Arc::new(trace::commit_queries(&f.queries).unwrap());
    trace::commit_inference(&f.model, t, &q, Fr::from(0xabcdu64)).unwrap()
}

fn queries_checked(tr: &Trace, beacon: Fr) -> Vec<u64> {
    let n = tr.ops.len();
    tr.samples(beacon, &class().sampling())
        .iter()
        .step_by(n)
        .map(|s| s.cell)
        .collect()
}

#[test]
fn an_honest_inference_satisfies_its_class() {
    let f = fixture();
    assert_eq!(class().kind, TraceKind::Infer);
    assert_eq!(class().groups(), 4);
    Class::smallest_infer_for(&f.model.config, 30).unwrap();
    let tr = commit(&f, &f.tensors);
    for beacon in [3u64, 4] {
        let w = step_witness(class(), &tr, Fr::from(beacon)).unwrap();
        check_witness(class(), &w).unwrap();
    }
    // A training class does not take an inference trace (its op table is another).
    let train = Class::by_name("mlp2-s18-r32").unwrap();
    assert!(
        step_witness(train, &tr, Fr::from(3u64)).is_err() || {
            let w = step_witness(train, &tr, Fr::from(3u64)).unwrap();
            check_witness(train, &w).is_err()
        }
    );
}

fn cannot_prove(bend: impl Fn(&mut InferTensors, usize)) {
    let f = fixture();
    let q = 17;
    let mut t = f.tensors.clone();
    bend(&mut t, q);
    let tr = commit(&f, &t);
    let hit = (1..400u64)
        .map(Fr::from)
        .find(|&b| queries_checked(&tr, b).contains(&(q as u64)))
        .unwrap();
    let r = check_witness(class(), &step_witness(class(), &tr, hit).unwrap());
    assert!(matches!(r, Err(ProveError::Unsatisfied(_))), "{r:?}");
    let miss = (1..400u64)
        .map(Fr::from)
        .find(|&b| !queries_checked(&tr, b).contains(&(q as u64)))
        .unwrap();
    check_witness(class(), &step_witness(class(), &tr, miss).unwrap()).unwrap();
}

#[test]
fn a_wrong_prediction_cannot_be_proven() {
    cannot_prove(|t, q| t.pred[q] = (t.pred[q] + 1) % 10);
}

#[test]
fn a_wrong_correctness_bit_cannot_be_proven() {
    cannot_prove(|t, q| t.correct[q] ^= 1);
}

#[test]
fn a_prediction_that_is_a_tied_later_class_cannot_be_proven() {
    // Logits with a tie at the maximum: only the first class may be predicted.
    cannot_prove(|t, q| {
        let logits = t.acts.last_mut().unwrap();
        let n = logits.cols();
        let row = &mut logits.data_mut()[q * n..(q + 1) * n];
        row.fill(-3);
        row[2] = 9;
        row[6] = 9;
        t.pred[q] = 6;
        t.correct[q] = u32::from(t.labels[q] == 6);
    });
}

#[test]
fn a_swapped_query_cannot_be_proven() {
    cannot_prove(|t, q| {
        let k = t.input.cols();
        let other: Vec<i8> = t.input.row(q + 1).to_vec();
        t.input.data_mut()[q * k..(q + 1) * k].copy_from_slice(&other);
    });
}

/// Deeper models have their inference classes: a 3- and a 5-layer model's inference satisfies
/// its class, and a wrong prediction at a proven query does not.
#[test]
fn deeper_models_prove_their_inference() {
    for widths in [&[32, 16, 12, 10][..], &[32, 16, 16, 16, 12, 10]] {
        let run = small_run_of(widths, 1, Fr::from(1u64)).unwrap();
        let model = run.before[0].clone();
        let queries = digits32(400..420).unwrap();
        let mut t = step::infer(&model, &queries).unwrap();
        let class = Class::smallest_infer_for(&model.config, 20).unwrap();
        assert_eq!(class.layers, widths.len() - 1);
        assert_eq!(class.groups(), 4);
        let q = Arc::new(trace::commit_queries(&queries).unwrap());
        let tr = trace::commit_inference(&model, &t, &q, Fr::from(5u64)).unwrap();
        check_witness(class, &step_witness(class, &tr, Fr::from(3u64)).unwrap()).unwrap();
        t.pred[7] = (t.pred[7] + 1) % 10;
        let tr = trace::commit_inference(&model, &t, &q, Fr::from(5u64)).unwrap();
        let n = tr.ops.len();
        let hit = (1..400u64)
            .map(Fr::from)
            .find(|&b| {
                let s = tr.samples(b, &class.sampling());
                s.iter().step_by(n).any(|x| x.cell == 7)
            })
            .unwrap();
        let r = check_witness(class, &step_witness(class, &tr, hit).unwrap());
        assert!(
            matches!(r, Err(ProveError::Unsatisfied(_))),
            "{widths:?}: {r:?}"
        );
    }
}
