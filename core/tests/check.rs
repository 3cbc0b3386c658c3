//! The native checker: an honest step verifies; for every op kind a wrong output element, and a
//! wrong input row, is caught when that element is sampled; forged paths and manifests fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed check is a panic here

use spotproof_core::TensorCommitmentRef;
use spotproof_core::check::{self, CheckFailure};
use spotproof_core::commit::{DType, Fr};
use spotproof_core::data::{Dataset, Split};
use spotproof_core::layout;
use spotproof_core::layout::Role;
use spotproof_core::model::{Hyper, Model, ModelConfig};
use spotproof_core::ops::OpKind;
use spotproof_core::sampling;
use spotproof_core::sampling::Sample;
use spotproof_core::step::{self, StepTensors};
use spotproof_core::trace::Manifest;
use spotproof_core::trace::{self, StepHeader, Trace};
use std::sync::Arc;

struct Fixture {
    before: Model,
    tensors: StepTensors,
    dataset: TensorCommitmentRef,
    header: StepHeader,
}

fn fixture() -> Fixture {
    let data = Dataset::digits().unwrap();
    let split = Split::holdout(data.len(), 20, 1);
    let cfg = ModelConfig {
        widths: vec![64, 12, 10],
        batch: 6,
        hyper: Hyper::default(),
        input_scale: data.scale,
    };
    let before = Model::init(cfg, 4).unwrap();
    let dataset = Arc::new(trace::commit_dataset(&data, &split.train).unwrap());
    let idx: Vec<u32> = sampling::batch_indices(5, 3, 6, split.train.len())
        .iter()
        .map(|&i| split.train[i as usize])
        .collect();
    let mut m = before.clone();
    let tensors = step::train_step(&mut m, &data, &idx).unwrap();
    let header = StepHeader {
        arch_id: layout::arch_id(&before.config),
        step: 3,
        prev_root: Fr::from(99u64),
        dataset_root: dataset.root,
        data_seed: 5,
        worker: Fr::from(12u64),
    };
    Fixture {
        before,
        tensors,
        dataset,
        header,
    }
}

fn commit(f: &Fixture, t: &StepTensors) -> Trace {
    trace::commit_step(&f.before, t, &f.dataset, f.header).unwrap()
}

#[test]
fn an_honest_step_verifies() {
    let f = fixture();
    let tr = commit(&f, &f.tensors);
    let m = Manifest::of(&tr);
    assert_eq!(m.root().unwrap(), tr.root);
    let beacon = Fr::from(2024u64);
    let s = sampling::Sampling::new(2 * tr.ops.len() + 3);
    let openings: Vec<_> = tr
        .samples(beacon, &s)
        .iter()
        .map(|x| check::open_sample(&tr, x).unwrap())
        .collect();
    check::verify_samples(&m, tr.root, beacon, &s, &openings).unwrap();
    // Under another beacon the same openings answer other questions.
    assert!(check::verify_samples(&m, tr.root, Fr::from(2025u64), &s, &openings).is_err());
    // A manifest with any field changed no longer hashes to the root.
    let mut other = m.clone();
    other.header.step += 1;
    assert_eq!(
        check::verify_samples(&other, tr.root, beacon, &s, &openings),
        Err(CheckFailure::RootMismatch)
    );
    let mut other = m.clone();
    other.ops[1].params[0] += 1;
    assert_eq!(
        check::verify_samples(&other, tr.root, beacon, &s, &openings),
        Err(CheckFailure::RootMismatch)
    );
}

/// The step's tensor values by slot (`values[slot - 1]`).
fn values(f: &Fixture) -> Vec<Vec<i64>> {
    layout::step_values(&f.before, &f.tensors).unwrap()
}

/// Commits `values` with element `element` of slot `slot` moved (within its dtype): by one, or
/// by `2^8` for an i32, more than the default learning-rate shift rounds away, so that the update
/// it feeds changes (a change the update rounds away is not a wrong update).
fn bumped(honest: &Trace, values: &mut [Vec<i64>], slot: usize, element: usize) {
    bumped_by(honest, values, slot, element, 1);
}

/// [`bumped`], moving an int8 by `d8`.
fn bumped_by(honest: &Trace, values: &mut [Vec<i64>], slot: usize, element: usize, d8: i64) {
    let dtype = honest.tensors[slot].header.dtype;
    let (lo, hi) = dtype.range();
    let d = if dtype == DType::I32 { 1 << 8 } else { d8 };
    let v = &mut values[slot - 1][element];
    *v = if *v <= hi - d { *v + d } else { *v - d };
    assert!(*v >= lo);
}

fn commit_values(f: &Fixture, values: &[Vec<i64>]) -> Trace {
    trace::commit_values(&f.before.config, values, &f.dataset, f.header).unwrap()
}

#[test]
fn a_wrong_output_element_of_every_op_kind_is_caught_when_sampled() {
    let f = fixture();
    let honest = commit(&f, &f.tensors);
    let mut kinds = std::collections::HashSet::new();
    for (op_index, op) in honest.ops.iter().enumerate() {
        let out = op.outputs[0];
        let h = honest.tensors[out].header;
        // A middle element, and the last one (edge of the tensor).
        for element in [(h.rows * h.cols) / 2, h.rows * h.cols - 1] {
            let mut v = values(&f);
            bumped(&honest, &mut v, out, element);
            let cheat = commit_values(&f, &v);
            let s = Sample {
                j: 0,
                op: op_index,
                cell: element as u64,
                rows: 1,
                cols: 1,
            };
            let openings = check::open_sample(&cheat, &s).unwrap();
            let r = check::verify_sample(&Manifest::of(&cheat), &s, &openings);
            assert!(
                matches!(r, Err(CheckFailure::WrongElement { .. })),
                "{:?} element {element}: {r:?}",
                op.kind
            );
            // The honest trace passes the same forced sample.
            check::verify_sample(
                &Manifest::of(&honest),
                &s,
                &check::open_sample(&honest, &s).unwrap(),
            )
            .unwrap();
        }
        kinds.insert(op.kind);
    }
    // Every op kind of the trace: all but the gradients, which the updates recompute and the
    // trace does not commit, and inference's `predict` (tests/infer.rs).
    assert_eq!(
        kinds.len(),
        OpKind::ALL.len() - 3,
        "every op kind of the trace was exercised"
    );
    assert!(
        ![OpKind::WeightGrad, OpKind::BiasGrad, OpKind::Predict]
            .iter()
            .any(|k| kinds.contains(k))
    );
}

#[test]
fn a_wrong_input_row_is_caught_when_a_dependent_element_is_sampled() {
    let f = fixture();
    let honest = commit(&f, &f.tensors);
    // (op kind, layer) → the input role to corrupt and the output element to sample.
    // Gather's input is the dataset itself: see the provenance test below.
    // The updates recompute their gradients from the transposed error and input rows (the trace
    // commits no gradient); a change of those rows must survive the learning-rate rounding, so
    // their int8 values move by 64 (a change the update rounds away is not a wrong update).
    let cases: [(OpKind, Role, i64); 10] = [
        (OpKind::LinearForward, Role::Input, 1),
        (OpKind::OutputError, Role::Act(1), 1),
        (OpKind::LinearBackwardInput, Role::Err(1), 1),
        (OpKind::LinearBackwardInput, Role::WeightT(1), 1),
        (OpKind::SgdUpdate, Role::ErrT(1), 64),
        (OpKind::SgdUpdate, Role::InputT, 64),
        (OpKind::BiasUpdate, Role::ErrT(1), 64),
        (OpKind::Transpose, Role::Err(0), 1),
        (OpKind::SgdUpdate, Role::Master(0), 1),
        (OpKind::BiasUpdate, Role::Bias(1), 1),
    ];
    for (kind, input_role, d8) in cases {
        let slot = honest.slot(input_role).unwrap();
        let op_index = honest
            .ops
            .iter()
            .position(|o| o.kind == kind && o.inputs.contains(&slot))
            .unwrap();
        let (in_rows, cols) = (
            honest.tensors[slot].header.rows,
            honest.tensors[slot].header.cols,
        );
        let out = honest.tensors[honest.ops[op_index].outputs[0]].header;
        let out_cols = out.cols;
        let mut detected = false;
        for row in 0..2.min(in_rows).min(out.rows) {
            let mut v = values(&f);
            for c in 0..cols {
                bumped_by(&honest, &mut v, slot, row * cols + c, d8);
            }
            let cheat = commit_values(&f, &v);
            let m = Manifest::of(&cheat);
            // Every output element: a transposed operand's row is an output column.
            for element in 0..out.rows * out_cols {
                let s = Sample {
                    j: 0,
                    op: op_index,
                    cell: element as u64,
                    rows: 1,
                    cols: 1,
                };
                let r = check::verify_sample(&m, &s, &check::open_sample(&cheat, &s).unwrap());
                detected |= matches!(r, Err(CheckFailure::WrongElement { .. }));
            }
        }
        assert!(
            detected,
            "{kind:?}: a corrupted {input_role:?} row went unnoticed"
        );
    }
}

#[test]
fn a_batch_row_that_is_not_the_committed_dataset_row_fails() {
    let f = fixture();
    let mut t = f.tensors.clone();
    // The worker trains row 0 of the batch on other pixels than the derived dataset row.
    for k in 0..64 {
        let v = t.input.data()[k];
        t.input.data_mut()[k] = if v < 100 { v + 27 } else { v - 27 };
    }
    let cheat = commit(&f, &t);
    let gather = cheat
        .ops
        .iter()
        .position(|o| o.kind == OpKind::Gather)
        .unwrap();
    let s = Sample {
        j: 0,
        op: gather,
        cell: 5,
        rows: 1,
        cols: 1,
    };
    let r = check::verify_sample(
        &Manifest::of(&cheat),
        &s,
        &check::open_sample(&cheat, &s).unwrap(),
    );
    assert!(
        matches!(
            r,
            Err(CheckFailure::WrongElement {
                kind: OpKind::Gather,
                ..
            })
        ),
        "{r:?}"
    );
}

#[test]
fn forged_or_missing_openings_fail() {
    let f = fixture();
    let tr = commit(&f, &f.tensors);
    let m = Manifest::of(&tr);
    let op = tr
        .ops
        .iter()
        .position(|o| o.kind == OpKind::LinearForward)
        .unwrap();
    let s = Sample {
        j: 0,
        op,
        cell: 7,
        rows: 1,
        cols: 1,
    };
    let good = check::open_sample(&tr, &s).unwrap();
    let mut forged = good.clone();
    forged[1].path.auth_path[0] += Fr::from(1u64);
    assert!(matches!(
        check::verify_sample(&m, &s, &forged),
        Err(CheckFailure::BadOpening { .. })
    ));
    let mut lied = good.clone();
    lied[0].values[3] += 1;
    assert!(matches!(
        check::verify_sample(&m, &s, &lied),
        Err(CheckFailure::BadOpening { .. })
    ));
    let mut moved = good.clone();
    moved[0].row += 1;
    assert!(matches!(
        check::verify_sample(&m, &s, &moved),
        Err(CheckFailure::BadOpening { .. })
    ));
    let short = good[1..].to_vec();
    assert!(matches!(
        check::verify_sample(&m, &s, &short),
        Err(CheckFailure::MissingOpening { .. })
    ));
    let mut wrong_len = good.clone();
    wrong_len[0].values.pop();
    assert!(matches!(
        check::verify_sample(&m, &s, &wrong_len),
        Err(CheckFailure::BadOpening { .. })
    ));
    let mut out_of_range = good;
    out_of_range[0].tensor = 10_000;
    assert!(matches!(
        check::verify_sample(&m, &s, &out_of_range),
        Err(CheckFailure::BadOpening { .. })
    ));
}

#[test]
fn manifests_must_follow_their_architecture_and_chain() {
    let f = fixture();
    let first = commit(&f, &f.tensors);
    let m1 = Manifest::of(&first);
    check::check_conformance(&m1, &f.before.config).unwrap();
    // A worker that commits to another shift (its own root is consistent) is refused.
    let mut other = m1.clone();
    other.ops[1].params[0] += 1;
    assert_eq!(
        check::check_conformance(&other, &f.before.config),
        Err(CheckFailure::Nonconforming("op table"))
    );
    let mut other = m1.clone();
    other.tensors[2].rows += 1;
    assert!(check::check_conformance(&other, &f.before.config).is_err());
    let mut cfg = f.before.config.clone();
    cfg.hyper.lr_shift += 1;
    assert_eq!(
        check::check_conformance(&m1, &cfg),
        Err(CheckFailure::Nonconforming("architecture id"))
    );

    // The next step starts from this step's output state.
    let data = Dataset::digits().unwrap();
    let split = Split::holdout(data.len(), 20, 1);
    let mut after = f.before.clone();
    step::train_step(&mut after, &data, &f.tensors.indices).unwrap();
    let idx: Vec<u32> = sampling::batch_indices(5, 4, 6, split.train.len())
        .iter()
        .map(|&i| split.train[i as usize])
        .collect();
    let mut m = after.clone();
    let t2 = step::train_step(&mut m, &data, &idx).unwrap();
    let h2 = StepHeader {
        step: 4,
        prev_root: first.root,
        ..f.header
    };
    let second = trace::commit_step(&after, &t2, &f.dataset, h2).unwrap();
    let m2 = Manifest::of(&second);
    check::check_conformance(&m2, &after.config).unwrap();
    check::check_chain(&m1, first.root, &m2).unwrap();
    assert_eq!(
        check::check_chain(&m1, Fr::from(1u64), &m2),
        Err(CheckFailure::ChainBreak("previous root"))
    );
    // Starting the second step from other weights breaks the chain.
    let forked = trace::commit_step(&f.before, &f.tensors, &f.dataset, h2).unwrap();
    assert_eq!(
        check::check_chain(&m1, first.root, &Manifest::of(&forked)),
        Err(CheckFailure::ChainBreak("weight state"))
    );
    let skipped =
        trace::commit_step(&after, &t2, &f.dataset, StepHeader { step: 5, ..h2 }).unwrap();
    assert_eq!(
        check::check_chain(&m1, first.root, &Manifest::of(&skipped)),
        Err(CheckFailure::ChainBreak("step index"))
    );
}

#[test]
fn out_of_range_samples_are_typed_failures() {
    let f = fixture();
    let tr = commit(&f, &f.tensors);
    let m = Manifest::of(&tr);
    let bad_op = Sample {
        j: 0,
        op: tr.ops.len(),
        cell: 0,
        rows: 1,
        cols: 1,
    };
    assert!(matches!(
        check::verify_sample(&m, &bad_op, &[]),
        Err(CheckFailure::BadOp { .. })
    ));
    let good = Sample {
        j: 0,
        op: 1,
        cell: 0,
        rows: 1,
        cols: 1,
    };
    let openings = check::open_sample(&tr, &good).unwrap();
    let far = Sample {
        j: 0,
        op: 1,
        cell: u64::MAX,
        rows: 1,
        cols: 1,
    };
    assert!(check::verify_sample(&m, &far, &openings).is_err());
    let mut broken = m.clone();
    broken.ops[1].inputs[0] = 9_999;
    assert!(matches!(
        check::verify_sample(&broken, &good, &openings),
        Err(CheckFailure::BadOp { .. })
    ));
}

#[test]
fn samples_verify_against_the_trace_root_alone() {
    let f = fixture();
    let tr = commit(&f, &f.tensors);
    let lay = layout::layout(
        &f.before.config,
        f.dataset.header,
        f.header.data_seed,
        f.header.step,
    );
    let beacon = Fr::from(31u64);
    for s in tr.samples(beacon, &sampling::Sampling::new(2 * tr.ops.len())) {
        let p = check::prove_sample(&tr, &s).unwrap();
        check::verify_sample_proof(&lay, tr.root, &s, &p).unwrap();
    }
    let s = tr.samples(beacon, &sampling::Sampling::new(1))[0];
    let good = check::prove_sample(&tr, &s).unwrap();
    // Another header (e.g. another worker id) does not open leaf 0 of this root.
    let mut p = good.clone();
    p.header.worker = Fr::from(13u64);
    assert!(matches!(
        check::verify_sample_proof(&lay, tr.root, &s, &p),
        Err(CheckFailure::BadOpening { .. })
    ));
    // A tensor root that is not in the trace.
    let mut p = good.clone();
    p.tensor_roots[0].1 += Fr::from(1u64);
    assert!(matches!(
        check::verify_sample_proof(&lay, tr.root, &s, &p),
        Err(CheckFailure::BadOpening { .. })
    ));
    // A different op table (another shift) is not the committed descriptor.
    let mut other = lay.clone();
    other.ops[s.op].params[0] += 1;
    assert!(check::verify_sample_proof(&other, tr.root, &s, &good).is_err());
    // Missing tensor roots leave rows unverifiable.
    let mut p = good;
    p.tensor_roots.clear();
    assert!(matches!(
        check::verify_sample_proof(&lay, tr.root, &s, &p),
        Err(CheckFailure::BadOpening { .. })
    ));
    // A wrong element is caught through this path too.
    let mut t = f.tensors.clone();
    t.acts[0].data_mut()[3] = t.acts[0].data()[3].wrapping_add(1);
    let cheat = commit(&f, &t);
    let op = cheat
        .ops
        .iter()
        .position(|o| o.kind == OpKind::LinearForward)
        .unwrap();
    let s = Sample {
        j: 0,
        op,
        cell: 3,
        rows: 1,
        cols: 1,
    };
    let p = check::prove_sample(&cheat, &s).unwrap();
    assert!(matches!(
        check::verify_sample_proof(&lay, cheat.root, &s, &p),
        Err(CheckFailure::WrongElement { .. })
    ));
}
