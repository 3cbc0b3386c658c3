//! Inference and evaluation (`papers/protocol.md` §12): what a worker publishes of a committed
//! inference trace, the challenge a validator draws after it, and what the validator concludes.
//!
//! An inference trace ([`crate::layout::infer_layout`]) commits the queries (rows `[features…,
//! label]`, the dataset slot), the model's int8 weights and biases (the same roles as a training
//! step's state, so the same roots as the training run's final state: provenance), every layer's
//! output, the predictions and their correctness bits. Its inference file publishes the manifest,
//! the trace root, the predictions and the bits; the validator recommits the published
//! predictions and bits (they must be the committed tensors) and computes the accuracy itself.
//!
//! A challenge draws a beacon after the file is published; the proof checks `g` queries' whole
//! forward passes, each query drawn uniformly (`sampling::draw`). If more than `x` of the `n`
//! published bits (or predictions) are not what the committed model computes, every drawn query
//! misses them with probability at most `1 − x/n`, so the proof misses them with probability at
//! most `(1 − x/n)^g`.

use crate::commit::{self, Fr, fr_hex};
use crate::ids::WorkerId;
use crate::layout::Role;
use crate::model::ModelConfig;
use crate::run::{ChallengeSource, Word, step_beacon};
use crate::trace::Manifest;
use serde::{Deserialize, Serialize};

/// The `format` field of an inference file.
pub const INFER_FORMAT: &str = "spotproof-inference";
/// The `format` field of an inference challenge.
pub const INFER_CHALLENGE_FORMAT: &str = "spotproof-inference-challenge";
/// Version of the inference and inference-challenge formats.
pub const INFER_FORMAT_VERSION: u32 = 1;

/// The training run a model is claimed to come from: its task and run root (the validator checks
/// the claim against the run file it is given, never trusts it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The run's task.
    pub task_id: Word,
    /// The run root.
    pub run_root: Word,
}

/// The public file of a committed inference (or evaluation): the manifest and trace root, the
/// predictions and correctness bits as committed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferFile {
    /// [`INFER_FORMAT`].
    pub format: String,
    /// [`INFER_FORMAT_VERSION`].
    pub version: u32,
    /// The worker.
    pub worker: WorkerId,
    /// The model configuration.
    pub model: ModelConfig,
    /// The inference class its proofs use.
    pub class: String,
    /// Whether the queries carry labels (an evaluation); without, every label is 0 and the bits
    /// say nothing.
    pub labelled: bool,
    /// The training run the worker says the model is the final state of.
    pub provenance: Option<Provenance>,
    /// The trace root.
    #[serde(with = "fr_hex")]
    pub trace_root: Fr,
    /// The header, tensor table and op table.
    #[serde(flatten)]
    pub manifest: Manifest,
    /// The predicted class of each query, in order.
    pub predictions: Vec<u32>,
    /// Whether each prediction is the query's label, in order.
    pub correct: Vec<u32>,
}

/// Why a published inference file is not what its trace commits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublishedError {
    /// The manifest has no such tensor.
    #[error("the manifest has no {0} tensor")]
    NoTensor(&'static str),
    /// The published values are not the committed tensor.
    #[error("the published {0} are not the committed ones")]
    NotCommitted(&'static str),
}

impl InferFile {
    /// The number of queries.
    pub fn queries(&self) -> usize {
        self.manifest.tensors.first().map_or(0, |t| t.rows)
    }

    /// Checks that the published predictions and bits are exactly the committed `Pred` and
    /// `Correct` tensors (recommitted here: one hash per row).
    pub fn check_published(&self) -> Result<(), PublishedError> {
        let check = |role: Role, values: &[u32], what: &'static str| {
            let t = self
                .manifest
                .tensors
                .iter()
                .find(|t| t.role == role)
                .ok_or(PublishedError::NoTensor(what))?;
            let v: Vec<i64> = values.iter().map(|&x| x.into()).collect();
            let ok =
                commit::commit_tensor(t.header(), &v).is_ok_and(|c| c.merkle_root == t.merkle_root);
            if ok {
                Ok(())
            } else {
                Err(PublishedError::NotCommitted(what))
            }
        };
        // The two recommitments are independent: on two cores at once.
        let (p, c) = rayon::join(
            || check(Role::Pred, &self.predictions, "predictions"),
            || check(Role::Correct, &self.correct, "correctness bits"),
        );
        p.and(c)
    }

    /// The number of published bits that say correct.
    pub fn correct_count(&self) -> usize {
        self.correct.iter().filter(|&&c| c == 1).count()
    }
}

/// The model's roots an inference trace commits, per layer int8 weights and biases.
pub fn model_roots(m: &Manifest) -> Vec<Fr> {
    let mut out = Vec::new();
    for t in &m.tensors {
        if matches!(t.role, Role::Weight(_) | Role::Bias(_)) && !out.contains(&t.root()) {
            out.push(t.root());
        }
    }
    out
}

/// The same roots of a training run's final state (per layer master, weight, bias).
pub fn run_model_roots(final_roots: &[Fr]) -> Vec<Fr> {
    final_roots
        .chunks(3)
        .flat_map(|c| c.iter().skip(1).copied())
        .collect()
}

/// A challenge of an inference trace: a beacon drawn after its root was published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferChallenge {
    /// [`INFER_CHALLENGE_FORMAT`].
    pub format: String,
    /// [`INFER_FORMAT_VERSION`].
    pub version: u32,
    /// The trace root challenged.
    #[serde(with = "fr_hex")]
    pub trace_root: Fr,
    /// Where the beacon came from.
    pub source: ChallengeSource,
    /// The beacon.
    pub beacon: Word,
    /// Proofs asked for, each under its own beacon (`g` queries each): the validator's choice of
    /// detection (at least 1, at most [`MAX_PROOFS`]).
    #[serde(default = "one")]
    pub proofs: u64,
}

fn one() -> u64 {
    1
}

/// The most proofs one challenge asks for.
pub const MAX_PROOFS: u64 = 1024;

impl InferChallenge {
    /// The challenge of `trace_root` under `beacon`, asking for `proofs` proofs.
    pub fn new(trace_root: Fr, source: ChallengeSource, beacon: Word, proofs: u64) -> Self {
        Self {
            format: INFER_CHALLENGE_FORMAT.into(),
            version: INFER_FORMAT_VERSION,
            trace_root,
            source,
            beacon,
            proofs,
        }
    }

    /// The beacon proof `k` is made under: the run layer's step beacon of the trace root (as a
    /// run root word), the drawn beacon and `k`, below 2^93.
    pub fn proof_beacon(&self, k: u64) -> Fr {
        step_beacon(&Word::of_fr(&self.trace_root), &self.beacon, k)
    }
}

/// The most a proof checking `g` uniformly drawn queries of `n` misses a worker whose answers are
/// wrong at more than `x` of them: `(1 − (x + 1)/n)^g` (at least `x + 1` wrong).
pub fn miss_bound(n: usize, x: usize, g: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let wrong = (x + 1).min(n) as f64;
    (1.0 - wrong / n as f64).powi(g as i32)
}

/// Queries to check so that a worker with a fraction `f` of wrong answers is caught with
/// probability at least `p`: the least `g` with `(1 − f)^g ≤ 1 − p`.
pub fn queries_for(f: f64, p: f64) -> usize {
    if f <= 0.0 || f >= 1.0 || p <= 0.0 {
        return usize::from(f >= 1.0);
    }
    ((1.0 - p).ln() / (1.0 - f).ln()).ceil().max(1.0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_the_sampling_miss_probabilities() {
        // 5% wrong of 10,000 answers: 90 queries catch it with ≥ 99%.
        assert_eq!(queries_for(0.05, 0.99), 90);
        assert!(miss_bound(10_000, 499, 90) <= 0.01);
        assert!(miss_bound(10_000, 499, 89) > 0.01);
        assert_eq!(miss_bound(10, 9, 1), 0.0);
        assert_eq!(miss_bound(0, 0, 3), 1.0);
    }

    #[test]
    fn run_model_roots_skip_the_masters() {
        let r: Vec<Fr> = (0..6u64).map(Fr::from).collect();
        assert_eq!(run_model_roots(&r), [1u64, 2, 4, 5].map(Fr::from).to_vec());
    }
}
