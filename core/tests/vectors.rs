//! The committed golden vectors are exactly what the core reference generates, and replaying each
//! one through the reference reproduces its outputs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed check is a panic here

#[path = "../examples/vectors/generate.rs"]
mod generate;

use spotproof_core::vectors::{self, OpVector, StepVector};
use spotproof_core::{commit, step};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

#[test]
fn committed_vectors_match_regeneration() {
    let files = generate::files().unwrap();
    assert!(files.len() >= 10);
    for (rel, json) in files {
        let on_disk = std::fs::read_to_string(dir().join(&rel)).unwrap_or_else(|e| {
            panic!("{rel}: {e}; run `cargo run -p spotproof-core --example vectors`")
        });
        assert_eq!(
            on_disk, json,
            "{rel} differs from the reference; regenerate and review the diff"
        );
    }
}

#[test]
fn op_vectors_replay() {
    for v in generate::op_vectors().unwrap() {
        let path = dir().join(format!(
            "{}/v{}-seed{}.json",
            v.op,
            vectors::VERSION,
            v.seed
        ));
        let parsed: OpVector =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(
            vectors::evaluate(&parsed).unwrap(),
            parsed.outputs,
            "{}",
            parsed.op
        );
    }
}

#[test]
fn hash_vector_is_this_builds_hash() {
    let text = std::fs::read_to_string(dir().join("hash/v2.json")).unwrap();
    let v: vectors::HashVector = serde_json::from_str(&text).unwrap();
    assert_eq!(v, vectors::hash_vector());
    for case in &v.permutations {
        let mut x = case.input;
        spotproof_core::poseidon2::permute(&mut x);
        assert_eq!(x, case.output);
    }
}

#[test]
fn commit_vector_replays() {
    let text = std::fs::read_to_string(dir().join("commit/v2.json")).unwrap();
    let v: vectors::CommitVector = serde_json::from_str(&text).unwrap();
    for (inputs, out) in &v.hashes {
        let xs: Vec<_> = inputs.iter().map(|&x| commit::fe(x)).collect();
        assert_eq!(&commit::hash(&xs), out);
    }
    for t in &v.tensors {
        assert_eq!(
            &vectors::commit_example(t.header, t.values.clone()).unwrap(),
            t
        );
    }
}

#[test]
fn step_vector_replays() {
    let text = std::fs::read_to_string(dir().join("step/v2.json")).unwrap();
    let v: StepVector = serde_json::from_str(&text).unwrap();
    let mut model = v.model.clone();
    let t = step::train_step(&mut model, &v.dataset(), &v.indices).unwrap();
    assert_eq!(t, v.tensors);
    assert_eq!(model.layers, v.tensors.layers);
}

/// The end-to-end pin: from a model, a dataset and a header, every derived value — batch rows,
/// header digest, tensor roots, op digests, trace root, Fiat–Shamir beacon, seed, each sample's
/// op, element and opened rows, public inputs — is what the file says.
#[test]
fn trace_vector_replays() {
    let text = std::fs::read_to_string(dir().join("trace/v2.json")).unwrap();
    let v: vectors::TraceVector = serde_json::from_str(&text).unwrap();
    assert_eq!(vectors::trace_outputs(&v.inputs).unwrap(), v.outputs);
    // Every op is sampled, and every sample opens at least one row.
    let ops: std::collections::BTreeSet<usize> = v.outputs.samples.iter().map(|s| s.op).collect();
    assert_eq!(ops.len(), v.outputs.op_digests.len());
    assert!(v.outputs.samples.iter().all(|s| !s.rows.is_empty()));
}

/// The run layer's pin: task id, run-tree leaves and root, membership paths, the challenge's
/// draws, steps and step beacons; every path proves its step and no other.
#[test]
fn run_vector_replays() {
    use spotproof_core::run;
    let text = std::fs::read_to_string(dir().join("run/v2.json")).unwrap();
    let v: vectors::RunVector = serde_json::from_str(&text).unwrap();
    assert_eq!(vectors::run_outputs(&v.inputs).unwrap(), v.outputs);
    let n = v.inputs.trace_roots.len() as u64;
    for (s, path) in v.outputs.paths.iter().enumerate() {
        let r = &v.inputs.trace_roots[s];
        assert!(run::run_path_ok(&v.outputs.run_root, n, s as u64, r, path));
        assert!(!run::run_path_ok(
            &v.outputs.run_root,
            n,
            (s as u64 + 1) % n,
            r,
            path
        ));
    }
}

/// The inference pin: queries root, tensor roots, op digests, trace root, predictions and bits,
/// the challenge's proof beacon, the queries proven and each sample's rows, the public inputs.
#[test]
fn infer_vector_replays() {
    let text = std::fs::read_to_string(dir().join("infer/v2.json")).unwrap();
    let v: vectors::InferVector = serde_json::from_str(&text).unwrap();
    assert_eq!(vectors::infer_outputs(&v.inputs).unwrap(), v.outputs);
    // Each group of samples checks one query in every op.
    let n = v.outputs.op_digests.len();
    for (g, group) in v.outputs.samples.chunks(n).enumerate() {
        assert!(group.iter().all(|s| s.cell == v.outputs.queries_checked[g]));
    }
}
