//! The step trace: reproducible roots, chained weight states, seeded batches and samples.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed check is a panic here

use spotproof_core::commit::Fr;
use spotproof_core::data::{Dataset, Split};
use spotproof_core::layout;
use spotproof_core::layout::Role;
use spotproof_core::model::{Hyper, Model, ModelConfig};
use spotproof_core::ops::OpKind;
use spotproof_core::sampling;
use spotproof_core::step;
use spotproof_core::trace::{self, StepHeader};
use std::sync::Arc;

fn setup() -> (Dataset, Vec<u32>, Model) {
    let data = Dataset::digits().unwrap();
    let split = Split::holdout(data.len(), 20, 1);
    let cfg = ModelConfig {
        widths: vec![64, 16, 10],
        batch: 8,
        hyper: Hyper::default(),
        input_scale: data.scale,
    };
    (data, split.train, Model::init(cfg, 3).unwrap())
}

fn header(model: &Model, step: u64, prev: Fr, dataset_root: Fr) -> StepHeader {
    StepHeader {
        arch_id: layout::arch_id(&model.config),
        step,
        prev_root: prev,
        dataset_root,
        data_seed: 42,
        worker: Fr::from(7u64),
    }
}

#[test]
fn roots_are_reproducible_and_states_chain() {
    let (data, train, mut model) = setup();
    let view = data.subset(&train).unwrap();
    let ds = Arc::new(trace::commit_dataset(&data, &train).unwrap());
    let dataset_root = ds.root;
    let mut prev = Fr::from(0u64);
    let mut prev_out: Option<Vec<Fr>> = None;
    for s in 0..2u64 {
        let before = model.clone();
        let idx = sampling::batch_indices(42, s, 8, train.len());
        let t = step::train_step(&mut model, &view, &idx).unwrap();
        let h = header(&before, s, prev, dataset_root);
        let tr = trace::commit_step(&before, &t, &ds, h).unwrap();
        let again = trace::commit_step(&before, &t, &ds, h).unwrap();
        assert_eq!(tr.root, again.root);
        assert_eq!(tr.tensors[0].root, dataset_root);
        // Every op kind appears; inputs of step s are the outputs of step s-1 (same roles, same roots).
        for kind in [
            OpKind::Gather,
            OpKind::LinearForward,
            OpKind::OutputError,
            OpKind::LinearBackwardInput,
            OpKind::SgdUpdate,
            OpKind::BiasUpdate,
        ] {
            assert!(tr.ops.iter().any(|o| o.kind == kind), "{kind:?}");
        }
        let state_in: Vec<Fr> = (0..2u16)
            .flat_map(|l| [Role::Master(l), Role::Weight(l), Role::Bias(l)])
            .map(|r| tr.root_of(r).unwrap())
            .collect();
        if let Some(out) = &prev_out {
            assert_eq!(&state_in, out);
        }
        let outs: Vec<Fr> = tr
            .ops
            .iter()
            .filter(|o| matches!(o.kind, OpKind::SgdUpdate | OpKind::BiasUpdate))
            .flat_map(|o| o.outputs.iter().map(|&i| tr.tensors[i].root))
            .collect();
        // Per layer: sgd_update's (master, weight), then bias_update's bias: the state_in order.
        let out_state = outs;
        assert_ne!(out_state, state_in, "the step changed the weights");
        prev_out = Some(out_state);
        // Changing any header field changes the root.
        let other = StepHeader {
            worker: Fr::from(8u64),
            ..h
        };
        assert_ne!(
            trace::commit_step(&before, &t, &ds, other).unwrap().root,
            tr.root
        );
        prev = tr.root;
    }
}

#[test]
fn batches_and_samples_are_seeded() {
    let a = sampling::batch_indices(1, 0, 64, 1438);
    assert_eq!(a, sampling::batch_indices(1, 0, 64, 1438));
    assert_ne!(a, sampling::batch_indices(2, 0, 64, 1438));
    assert_ne!(a, sampling::batch_indices(1, 1, 64, 1438));
    assert!(a.iter().all(|&r| r < 1438));

    let (data, train, mut model) = setup();
    let view = data.subset(&train).unwrap();
    let before = model.clone();
    let idx = sampling::batch_indices(42, 0, 8, train.len());
    let t = step::train_step(&mut model, &view, &idx).unwrap();
    let ds = Arc::new(trace::commit_dataset(&data, &train).unwrap());
    let h = header(&before, 0, Fr::from(0u64), ds.root);
    let tr = trace::commit_step(&before, &t, &ds, h).unwrap();
    let n = tr.ops.len();
    let twice = sampling::Sampling::new(2 * n);
    let s1 = tr.samples(Fr::from(1u64), &twice);
    let s2 = tr.samples(Fr::from(2u64), &twice);
    assert_ne!(s1, s2, "another beacon selects other blocks");
    assert_eq!(s1, tr.samples(Fr::from(1u64), &twice));
    for (j, s) in s1.iter().enumerate() {
        assert_eq!(s.op, j % n, "sample j checks op j mod n_ops");
        let kind = tr.ops[s.op].kind;
        assert_eq!((s.rows, s.cols), twice.block(kind));
        let out = &tr.tensors[tr.ops[s.op].outputs[0]].header;
        let (nr, nc) = sampling::grid(out.rows, out.cols, s.rows, s.cols);
        assert!(s.cell < nr * nc);
        let block =
            spotproof_core::ops::sampled::Block::cell(s.cell, out.rows, out.cols, s.rows, s.cols);
        assert!(!block.is_empty() && block.rows.end <= out.rows && block.cols.end <= out.cols);
    }
    let fs = sampling::fiat_shamir_beacon(tr.root);
    assert_ne!(
        tr.samples(fs, &sampling::Sampling::new(n)),
        s1[..n].to_vec()
    );
}

#[test]
fn beacons_are_93_bits_and_the_challenge_packs_worker_and_beacon() {
    use ark_ff::{BigInteger, Field, PrimeField};
    let two = |k: u64| Fr::from(2u64).pow([k]);
    let fs = sampling::fiat_shamir_beacon(Fr::from(99u64));
    assert!(fs.into_bigint().num_bits() <= sampling::BEACON_BITS);
    assert_ne!(fs, Fr::from(0u64));
    // beacon_of keeps the low 93 bits of the canonical integer.
    let x = two(200) + two(92) + Fr::from(5u64);
    assert_eq!(sampling::beacon_of(x), two(92) + Fr::from(5u64));
    assert_eq!(
        sampling::beacon_of(-Fr::from(1u64))
            .into_bigint()
            .num_bits(),
        93
    );
    // worker + 2^160 beacon, only for a worker below 2^160 and a beacon below 2^93.
    let (b, w) = (two(93) - Fr::from(1u64), two(160) - Fr::from(1u64));
    assert_eq!(sampling::challenge(b, w), Some(w + b * two(160)));
    assert_eq!(sampling::challenge(two(93), Fr::from(1u64)), None);
    assert_eq!(sampling::challenge(Fr::from(1u64), two(160)), None);
    assert!(sampling::challenge(b, w).unwrap().into_bigint().num_bits() <= 253);
}

/// The next step carries the previous state out instead of hashing it again: the same
/// commitments (shared, not recomputed), the same root as committing everything; a state that
/// is not the previous state out is committed afresh.
#[test]
fn the_state_in_is_carried_from_the_previous_step() {
    let (data, train, mut model) = setup();
    let view = data.subset(&train).unwrap();
    let ds = Arc::new(trace::commit_dataset(&data, &train).unwrap());
    let step_of = |model: &mut Model, s: u64| {
        let before = model.clone();
        let idx = sampling::batch_indices(42, s, 8, train.len());
        let t = step::train_step(model, &view, &idx).unwrap();
        (layout::step_values(&before, &t).unwrap(), before)
    };
    let (v0, m0) = step_of(&mut model, 0);
    let t0 = trace::commit_values(
        &m0.config,
        &v0,
        &ds,
        header(&m0, 0, Fr::from(0u64), ds.root),
    )
    .unwrap();
    let (v1, m1) = step_of(&mut model, 1);
    let h1 = header(&m1, 1, t0.root, ds.root);
    let fresh = trace::commit_values(&m1.config, &v1, &ds, h1).unwrap();
    let carried = trace::commit_values_after(&m1.config, &v1, &ds, h1, Some(&t0)).unwrap();
    assert_eq!(carried.root, fresh.root);
    let shared = |a: &trace::Trace, b: &trace::Trace| {
        let last_of = |t: &trace::Trace, r: Role| t.roles.iter().rposition(|&x| x == r).unwrap();
        let first_of = |t: &trace::Trace, r: Role| t.roles.iter().position(|&x| x == r).unwrap();
        (0..2u16)
            .flat_map(|l| [Role::Master(l), Role::Weight(l), Role::Bias(l)])
            .filter(|&r| Arc::ptr_eq(&a.tensors[last_of(a, r)], &b.tensors[first_of(b, r)]))
            .count()
    };
    assert_eq!(shared(&t0, &carried), 6, "every state-in tensor is carried");
    assert_eq!(shared(&t0, &fresh), 0);
    // A previous trace whose state out is not this state in carries nothing and changes nothing.
    let unrelated = trace::commit_values_after(&m1.config, &v1, &ds, h1, Some(&fresh)).unwrap();
    assert_eq!(unrelated.root, fresh.root);
    let (v2, m2) = step_of(&mut model, 2);
    let h2 = header(&m2, 2, fresh.root, ds.root);
    let skipped = trace::commit_values_after(&m2.config, &v2, &ds, h2, Some(&t0)).unwrap();
    assert_eq!(
        skipped.root,
        trace::commit_values(&m2.config, &v2, &ds, h2).unwrap().root
    );
}

#[test]
fn trace_paths_fold_to_the_root_and_state_leaves_follow_the_layout() {
    let (data, train, mut model) = setup();
    let view = data.subset(&train).unwrap();
    let ds = Arc::new(trace::commit_dataset(&data, &train).unwrap());
    let before = model.clone();
    let idx = sampling::batch_indices(42, 0, 8, train.len());
    let t = step::train_step(&mut model, &view, &idx).unwrap();
    let tr = trace::commit_step(
        &before,
        &t,
        &ds,
        header(&before, 0, Fr::from(0u64), ds.root),
    )
    .unwrap();
    let m = trace::Manifest::of(&tr);
    let leaves = m.leaves();
    for index in [0, 1, leaves.len() / 2, leaves.len() - 1] {
        let path = trace::trace_siblings(&leaves, index).unwrap();
        assert_eq!(
            path.len(),
            leaves.len().next_power_of_two().trailing_zeros() as usize
        );
        assert_eq!(trace::fold_trace_path(index, leaves[index], &path), tr.root);
        // Another value, or the same value at another leaf, folds elsewhere.
        assert_ne!(
            trace::fold_trace_path(index, leaves[index] + Fr::from(1u64), &path),
            tr.root
        );
        assert_ne!(
            trace::fold_trace_path(index ^ 1, leaves[index], &path),
            tr.root
        );
        // The same path as ark's verifier reads it.
        trace::verify_trace_leaf(
            tr.root,
            leaves.len(),
            index,
            leaves[index],
            &tr.open_leaf(index).unwrap(),
        )
        .unwrap();
    }
    assert!(trace::trace_siblings(&leaves, leaves.len()).is_none());

    // The leaf map names the state roots the trace commits: state in, then state out.
    let map = layout::trace_leaves(model.layers.len());
    assert_eq!(map.leaves, leaves.len());
    let (state_in, state_out) = spotproof_core::check::state_roots(&m);
    assert_eq!(
        map.state_in.iter().map(|&i| leaves[i]).collect::<Vec<_>>(),
        state_in
    );
    assert_eq!(
        map.state_out.iter().map(|&i| leaves[i]).collect::<Vec<_>>(),
        state_out
    );
    assert_eq!(state_in, layout::state_roots(&before).unwrap());
    assert_eq!(state_out, layout::state_roots(&model).unwrap());
}
