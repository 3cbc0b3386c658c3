//! The step circuit against the native checker: an honest step satisfies it and its proof
//! verifies only for its own public inputs; a wrong element that gets sampled cannot be proven.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ark_ff::Field;
use spotproof_circuits::fixture::small_run;
use spotproof_circuits::{Class, ProveError, check_witness, step_witness};
use spotproof_core::check;
use spotproof_core::commit::Fr;
use spotproof_core::ops::OpKind;
use spotproof_core::trace::Manifest;

/// The first op of `kind` in a trace and the slot of its output.
fn first_op(t: &spotproof_core::trace::Trace, kind: OpKind) -> (usize, usize) {
    let o = t.ops.iter().position(|op| op.kind == kind).unwrap();
    (o, t.ops[o].outputs[0])
}

fn class() -> Class {
    Class::by_name("mlp2-s18-r32").unwrap()
}

#[test]
fn an_honest_step_satisfies_the_circuit_under_any_beacon() {
    let run = small_run(1, Fr::from(0xabcdu64)).unwrap();
    for beacon in [7u64, 8, 9] {
        let w = step_witness(class(), &run.traces[0], Fr::from(beacon)).unwrap();
        check_witness(class(), &w).unwrap();
    }
}

#[test]
fn a_wrong_element_that_is_sampled_cannot_be_proven() {
    let run = small_run(1, Fr::from(0xabcdu64)).unwrap();
    let honest = &run.traces[0];
    let beacon = Fr::from(11u64);
    let mut kinds = std::collections::HashSet::new();
    for op in &honest.ops {
        if !kinds.insert(op.kind) {
            continue;
        }
        // Every element of the op's output is off by one, so its sample (every op gets one
        // with S = 18) hits a wrong element whatever the beacon.
        let out = op.outputs[0];
        let (_, hi) = honest.tensors[out].header.dtype.range();
        let mut values = run.values[0].clone();
        for v in values[out - 1].iter_mut() {
            *v = if *v < hi { *v + 1 } else { *v - 1 };
        }
        let cheat = run.recommit(0, &values).unwrap();
        let samples = cheat.samples(beacon, &class().sampling());
        let openings: Vec<_> = samples
            .iter()
            .map(|x| check::open_sample(&cheat, x).unwrap())
            .collect();
        let native = check::verify_samples(
            &Manifest::of(&cheat),
            cheat.root,
            beacon,
            &class().sampling(),
            &openings,
        );
        assert!(native.is_err(), "{:?}: the native checker accepts", op.kind);
        let w = step_witness(class(), &cheat, beacon).unwrap();
        let r = check_witness(class(), &w);
        assert!(
            matches!(r, Err(ProveError::Unsatisfied(_))),
            "{:?}: {r:?}",
            op.kind
        );
    }
    // Every op kind of the trace: the gradients are recomputed by the updates, not committed,
    // and `predict` is inference's (tests/infer.rs).
    assert_eq!(kinds.len(), OpKind::ALL.len() - 3);
}

/// Every element of a block is checked, not only its corner: one wrong output at the far corner
/// of its 2×2 tile of the first linear_forward is caught, natively and by the circuit, under a
/// beacon whose sample of that op lands on its tile; under one whose samples miss the tile, the
/// step verifies (so the catch is the block's doing).
#[test]
fn a_wrong_element_anywhere_in_a_sampled_block_is_caught() {
    let run = small_run(1, Fr::from(0xabcdu64)).unwrap();
    let honest = &run.traces[0];
    let (o, out) = first_op(honest, OpKind::LinearForward);
    let cols = honest.tensors[out].header.cols;
    let (br, bc) = class().block(OpKind::LinearForward);
    assert_eq!((br, bc), (2, 2));
    // Element (1, 1): row 1 and column 1 of cell 0, never a block's first element.
    let mut values = run.values[0].clone();
    let v = &mut values[out - 1][cols + 1];
    *v = if *v < 127 { *v + 1 } else { *v - 1 };
    let cheat = run.recommit(0, &values).unwrap();
    let m = Manifest::of(&cheat);
    let hits = |beacon: Fr| {
        cheat
            .samples(beacon, &class().sampling())
            .iter()
            .any(|s| s.op == o && check::block_of(&m, s).elements().any(|e| e == (1, 1)))
    };
    let native = |beacon: Fr| {
        let samples = cheat.samples(beacon, &class().sampling());
        let openings: Vec<_> = samples
            .iter()
            .map(|x| check::open_sample(&cheat, x).unwrap())
            .collect();
        check::verify_samples(&m, cheat.root, beacon, &class().sampling(), &openings)
    };
    let hit = (1..2000u64).map(Fr::from).find(|&b| hits(b)).unwrap();
    let miss = (1..2000u64).map(Fr::from).find(|&b| !hits(b)).unwrap();
    assert!(matches!(
        native(hit),
        Err(check::CheckFailure::WrongElement { element, .. }) if element == (cols + 1) as u64
    ));
    let r = check_witness(class(), &step_witness(class(), &cheat, hit).unwrap());
    assert!(matches!(r, Err(ProveError::Unsatisfied(_))), "{r:?}");
    native(miss).unwrap();
    check_witness(class(), &step_witness(class(), &cheat, miss).unwrap()).unwrap();
}

/// A class shaped to the fixture's model (each width and the batch bounded on its own, so every
/// tensor's tree is as tall as its role needs), with bias blocks taller than the bias trees: the
/// honest step satisfies it, and a wrong bias in the rows the tree holds is caught (the block's
/// rows past the tree are forced inactive, not dropped).
#[test]
fn a_shaped_class_proves_its_model_and_clips_blocks_to_the_trees() {
    let mut blocks = spotproof_core::sampling::TILE_BLOCKS;
    for kind in [OpKind::BiasUpdate, OpKind::BiasGrad] {
        blocks[kind.index()] = [32, 1];
    }
    for kind in [
        OpKind::LinearForward,
        OpKind::LinearBackwardInput,
        OpKind::SgdUpdate,
    ] {
        blocks[kind.index()] = [8, 8];
    }
    let shaped = Class {
        name: "test-shaped",
        kind: spotproof_core::layout::TraceKind::Train,
        layers: 2,
        samples: 14,
        batch: 8,
        widths: &[32, 16, 16],
        dataset_depth: 12,
        blocks,
    };
    let run = small_run(1, Fr::from(0xabcdu64)).unwrap();
    let honest = &run.traces[0];
    shaped.check(&run.config, 280, 14).unwrap();
    let beacon = Fr::from(7u64);
    check_witness(shaped, &step_witness(shaped, honest, beacon).unwrap()).unwrap();
    // The last bias of layer 0 (row 15 of 16, the tree's last leaf) is off by one: every proof
    // samples the one cell of the bias update.
    let (_, out) = first_op(honest, OpKind::BiasUpdate);
    assert_eq!(honest.tensors[out].header.rows, 16);
    let mut values = run.values[0].clone();
    values[out - 1][15] += 1;
    let cheat = run.recommit(0, &values).unwrap();
    let r = check_witness(shaped, &step_witness(shaped, &cheat, beacon).unwrap());
    assert!(matches!(r, Err(ProveError::Unsatisfied(_))), "{r:?}");
}

#[test]
fn beacons_and_worker_ids_must_fit_the_challenge() {
    let two = |k: u64| Fr::from(2u64).pow([k]);
    let run = small_run(1, Fr::from(0xabcdu64)).unwrap();
    let t = &run.traces[0];
    assert!(step_witness(class(), t, two(93) - Fr::from(1u64)).is_ok());
    let err = step_witness(class(), t, two(93)).unwrap_err();
    assert!(err.to_string().contains("2^93"), "{err}");
    let wide = small_run(1, two(160)).unwrap();
    let err = step_witness(class(), &wide.traces[0], Fr::from(7u64)).unwrap_err();
    assert!(err.to_string().contains("2^160"), "{err}");
    let widest = small_run(1, two(160) - Fr::from(1u64)).unwrap();
    assert!(step_witness(class(), &widest.traces[0], Fr::from(7u64)).is_ok());
}

#[test]
fn a_proof_verifies_only_for_its_public_inputs() {
    use rand::SeedableRng;
    let run = small_run(1, Fr::from(0xabcdu64)).unwrap();
    let w = step_witness(class(), &run.traces[0], Fr::from(7u64)).unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let pk = spotproof_circuits::setup(class(), &mut rng).unwrap();
    let proof = spotproof_circuits::prove(&pk, class(), &w, &mut rng).unwrap();
    let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
    let public = spotproof_circuits::public_inputs(&w);
    assert_eq!(pk.vk.gamma_abc_g1.len(), 3, "two public inputs");
    assert_eq!(
        public[1],
        w.worker + w.beacon * Fr::from(2u64).pow([160u64]),
        "challenge = worker + 2^160 beacon"
    );
    assert!(spotproof_circuits::verify(&pvk, &public, &proof));
    // Another root, worker (+1), beacon (+2^160) or both swapped: refused.
    let shift = Fr::from(2u64).pow([160u64]);
    let others = [
        [public[0] + Fr::from(1u64), public[1]],
        [public[0], public[1] + Fr::from(1u64)],
        [public[0], public[1] + shift],
        [public[1], public[0]],
    ];
    for (k, p) in others.iter().enumerate() {
        assert!(
            !spotproof_circuits::verify(&pvk, p, &proof),
            "tampered public inputs {k}"
        );
    }
    // Batched: the proof twice verifies, with a bad copy it does not.
    let ok = vec![
        (public.to_vec(), proof.clone()),
        (public.to_vec(), proof.clone()),
    ];
    assert!(spotproof_circuits::batch_verify(&pvk, &ok, &mut rng));
    let mut bad = ok.clone();
    bad[1].0[1] += Fr::from(1u64);
    assert!(!spotproof_circuits::batch_verify(&pvk, &bad, &mut rng));
}

/// The end-to-end vector (`vectors/trace/v2.json`): the circuit's public inputs for that step are
/// the file's, and the step satisfies the circuit under its Fiat–Shamir beacon.
#[test]
fn the_trace_vector_satisfies_the_circuit_with_its_public_inputs() {
    use spotproof_core::vectors;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/trace/v2.json");
    let v: vectors::TraceVector =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (t, beacon) = vectors::trace_of(&v.inputs).unwrap();
    let class = Class::smallest_for(
        &v.inputs.model.config,
        v.inputs.images.rows(),
        v.inputs.sampling.samples,
    )
    .unwrap();
    assert_eq!(v.inputs.sampling, class.sampling());
    let w = step_witness(class, &t, beacon).unwrap();
    assert_eq!(
        spotproof_circuits::public_inputs(&w),
        v.outputs.public_inputs
    );
    check_witness(class, &w).unwrap();
}

#[test]
fn deeper_models_satisfy_their_class_and_a_wrong_op_is_caught() {
    for (widths, name) in [
        (&[32, 16, 16, 10][..], "mlp3-s21-r32"),
        (&[32, 16, 16, 16, 10], "mlp4-s28-r32"),
        (&[32, 16, 8, 16, 16, 10], "mlp5-s35-r32"),
    ] {
        let class = Class::by_name(name).unwrap();
        let run =
            spotproof_circuits::fixture::small_run_of(widths, 1, Fr::from(0xabcdu64)).unwrap();
        let honest = &run.traces[0];
        class.check(&run.config, 280, class.samples).unwrap();
        let beacon = Fr::from(7u64);
        check_witness(class, &step_witness(class, honest, beacon).unwrap()).unwrap();
        // The last op's output made up (every element's low bit flipped): every proof samples
        // every op, so it is caught whatever the beacon.
        let last = honest.ops.len() - 1;
        let out = honest.ops[last].outputs[0];
        let mut values = run.values[0].clone();
        for v in &mut values[out - 1] {
            *v ^= 1;
        }
        let cheat = run.recommit(0, &values).unwrap();
        let r = check_witness(class, &step_witness(class, &cheat, beacon).unwrap());
        assert!(
            matches!(r, Err(ProveError::Unsatisfied(_))),
            "{name}: {r:?}"
        );
    }
}
