//! Inference and evaluation on the validator's side (`spotproof_core::infer`): reading inference
//! files and challenges, drawing a challenge, and the audit of a proven inference.
//!
//! The audit trusts its challenge (the validator drew it), the run file only as far as its run
//! root is recomputed, and the test-set root only when the validator pins it; everything in the
//! inference file and the bundle was written by the worker. The accuracy and the detection it
//! prints are computed here from the committed bits and the class, never read from the file.

use crate::audit::{AuditError, check_head_version, complete_root, file_err, read_json, read_run};
use crate::bundle::Bundle;
use crate::keys::{self, Vk};
use crate::verify::{BeaconPin, Policy, Rejection, verify_bundles};
use serde::Serialize;
use spotproof_core::check::{self, CheckFailure};
use spotproof_core::commit::{self, Fr, to_hex};
use spotproof_core::ids::Beacon;
use spotproof_core::infer::{
    INFER_CHALLENGE_FORMAT, INFER_FORMAT, INFER_FORMAT_VERSION, InferChallenge, InferFile,
    PublishedError, miss_bound, model_roots, run_model_roots,
};
use spotproof_core::layout::TraceKind;
use spotproof_core::run::Word;
use std::path::Path;

/// Reads an inference file (kind, version, fields).
pub fn read_inference(path: &Path) -> Result<InferFile, AuditError> {
    check_head_version(path, INFER_FORMAT, INFER_FORMAT_VERSION, "inference file")?;
    read_json(path, "inference file")
}

/// Reads an inference challenge (kind, version, fields).
pub fn read_infer_challenge(path: &Path) -> Result<InferChallenge, AuditError> {
    check_head_version(
        path,
        INFER_CHALLENGE_FORMAT,
        INFER_FORMAT_VERSION,
        "inference challenge",
    )?;
    read_json(path, "inference challenge")
}

/// Why a proven inference is rejected (exit 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InferRejection {
    /// The manifest does not hash to the trace root.
    #[error("the manifest does not hash to the trace root")]
    RootMismatch,
    /// The manifest does not follow the model configuration's inference layout.
    #[error("{0}")]
    Manifest(CheckFailure),
    /// The worker is not the trace header's.
    #[error("the worker is not the one in the trace header")]
    WorkerMismatch,
    /// The published predictions or bits are not the committed ones.
    #[error("{0}")]
    Published(PublishedError),
    /// The bundle proves another trace than the file's.
    #[error("the bundle proves another trace or model than the inference file's")]
    OtherTrace,
    /// A bundle under no proof beacon of the challenge, or the same proof given twice.
    #[error("{0}: not under a proof beacon of the challenge, or one already answered")]
    UnansweredBeacon(String),
    /// The bundle is rejected.
    #[error("bundle: {0}")]
    Bundle(Rejection),
    /// The model's weights are not the run's final state.
    #[error("the model's weights and biases are not the run's final state")]
    NotRunModel,
    /// The model configuration is not the run's.
    #[error("the model configuration is not the run's")]
    NotRunConfig,
    /// The file names another run than the one given.
    #[error("the inference file claims another run (task {task_id}, run root {run_root})")]
    OtherProvenance {
        /// Its task.
        task_id: Word,
        /// Its run root.
        run_root: Word,
    },
    /// The queries are not the pinned test set.
    #[error("the queries are not the pinned test set (their root is {0})")]
    NotTestSet(String),
}

/// What an inference audit is given.
#[derive(Clone, Copy, Debug)]
pub struct InferAuditInput<'a> {
    /// The inference (or evaluation) file.
    pub inference: &'a Path,
    /// The validator's challenge.
    pub challenge: &'a Path,
    /// The inference class's verifying key.
    pub vk: &'a Path,
    /// The bundles answering the challenge, one per proof it asks for (any order).
    pub bundles: &'a [std::path::PathBuf],
    /// The training run the model must be the final state of.
    pub run: Option<&'a Path>,
    /// The test set's root, pinned by the validator (a task's, or computed once).
    pub test_root: Option<Fr>,
}

/// What an inference audit found.
#[derive(Clone, Debug, Serialize)]
pub struct InferReport {
    /// The trace root.
    pub trace_root: String,
    /// The queries' root (the test set `D`).
    pub test_set: String,
    /// `hash(model roots)`: the model `M` (its int8 weights and biases).
    pub model: String,
    /// The run the model was checked against.
    pub run_root: Option<Word>,
    /// Queries.
    pub queries: usize,
    /// Proofs the challenge asked for.
    pub proofs: u64,
    /// Queries all the proofs check whole (`g` per proof).
    pub groups: usize,
    /// The queries the challenge had proven, in draw order (proof by proof).
    pub checked: Vec<u64>,
    /// Whether the queries carry labels (the bits are an evaluation).
    pub labelled: bool,
    /// Bits that say correct.
    pub correct: usize,
    /// `correct / queries`, when labelled.
    pub accuracy: Option<f64>,
    /// Why it is rejected (empty: verified).
    #[serde(serialize_with = "as_strings")]
    pub rejections: Vec<InferRejection>,
}

fn as_strings<S: serde::Serializer>(r: &[InferRejection], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(r.iter().map(ToString::to_string))
}

impl InferReport {
    /// The most this check misses more than `x` wrong answers: `(1 − (x+1)/n)^g`.
    pub fn miss(&self, x: usize) -> f64 {
        miss_bound(self.queries, x, self.groups)
    }

    /// The misses at 1%, 5% and 10% of the answers wrong: `(x, bound)`.
    pub fn misses(&self) -> Vec<(usize, f64)> {
        [0.01, 0.05, 0.10]
            .iter()
            .map(|f| {
                let x = (f * self.queries as f64).floor() as usize;
                (x, self.miss(x))
            })
            .collect()
    }

    /// The report as one JSON object.
    pub fn json(&self, seconds: f64) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        v["verified"] = self.rejections.is_empty().into();
        v["seconds"] = seconds.into();
        v["miss_bounds"] = self
            .misses()
            .iter()
            .map(|&(x, p)| serde_json::json!({"more_than_wrong": x, "miss_at_most": p}))
            .collect();
        v
    }
}

/// The challenge of an inference file under `beacon`, after checking that the file is an
/// inference file at all.
pub fn challenge_of(
    path: &Path,
    source: spotproof_core::run::ChallengeSource,
    beacon: Word,
    proofs: u64,
) -> Result<InferChallenge, AuditError> {
    let inf = read_inference(path)?;
    if !(1..=spotproof_core::infer::MAX_PROOFS).contains(&proofs) {
        return Err(file_err(
            path,
            format!(
                "{proofs} proofs: a challenge asks for 1 to {}",
                spotproof_core::infer::MAX_PROOFS
            ),
        ));
    }
    Ok(InferChallenge::new(inf.trace_root, source, beacon, proofs))
}

/// Audits a proven inference: the file against its layout and its committed predictions and bits,
/// the bundle against the file and the challenge, the proof, and (when given) the model against a
/// run's final state and the queries against a pinned test set. Usage errors (unreadable files, a
/// key of another class, a challenge of another trace) are errors; everything else is a rejection
/// in the report.
pub fn audit_inference<R: rand::RngCore>(
    input: &InferAuditInput<'_>,
    rng: &mut R,
) -> Result<InferReport, AuditError> {
    let inf = read_inference(input.inference)?;
    let ch = read_infer_challenge(input.challenge)?;
    if ch.trace_root != inf.trace_root {
        return Err(file_err(
            input.challenge,
            format!(
                "a challenge of another inference (trace root {}, the file's is {})",
                to_hex(&ch.trace_root),
                to_hex(&inf.trace_root)
            ),
        ));
    }
    let vk: Vk = keys::read_vk(input.vk).map_err(|e| file_err(input.vk, e.to_string()))?;
    if vk.class.kind != TraceKind::Infer || vk.class.name != inf.class {
        return Err(AuditError::Key {
            path: input.vk.to_path_buf(),
            why: "not the inference file's class",
        });
    }
    if !(1..=spotproof_core::infer::MAX_PROOFS).contains(&ch.proofs)
        || input.bundles.len() as u64 != ch.proofs
    {
        return Err(file_err(
            input.challenge,
            format!(
                "the challenge asks for {} proofs, {} bundles given",
                ch.proofs,
                input.bundles.len()
            ),
        ));
    }
    let bundles = input
        .bundles
        .iter()
        .map(|p| Bundle::read(p).map_err(|e| file_err(p, e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let m = &inf.manifest;
    let mut rejections = Vec::new();
    if m.root().ok() != Some(inf.trace_root) {
        rejections.push(InferRejection::RootMismatch);
    }
    let conforms = inf
        .model
        .validate()
        .map_err(|_| CheckFailure::Nonconforming("model configuration"))
        .and_then(|()| check::check_infer_conformance(m, &inf.model));
    if let Err(e) = conforms {
        rejections.push(InferRejection::Manifest(e));
    } else if vk
        .class
        .check(&inf.model, inf.queries(), vk.class.samples)
        .is_err()
    {
        rejections.push(InferRejection::Manifest(CheckFailure::Nonconforming(
            "the model or the queries do not fit the key's class",
        )));
    }
    if inf.worker.fr() != m.header.worker {
        rejections.push(InferRejection::WorkerMismatch);
    }
    if let Err(e) = inf.check_published() {
        rejections.push(InferRejection::Published(e));
    }
    let beacons = (0..ch.proofs)
        .map(|k| {
            Beacon::new(ch.proof_beacon(k))
                .ok_or_else(|| file_err(input.challenge, "a proof beacon above 2^93"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut answered = vec![false; beacons.len()];
    let mut checked = Vec::new();
    let n_ops = m.ops.len().max(1);
    for (path, bundle) in input.bundles.iter().zip(&bundles) {
        if bundle.manifest != *m || bundle.trace_root != inf.trace_root || bundle.model != inf.model
        {
            rejections.push(InferRejection::OtherTrace);
        }
        // Each bundle answers one proof beacon, each beacon once (a proof given twice, or one
        // under a beacon the worker chose, answers nothing).
        let Some(k) =
            (0..beacons.len()).find(|&k| beacons[k].fr() == bundle.beacon && !answered[k])
        else {
            rejections.push(InferRejection::UnansweredBeacon(path.display().to_string()));
            continue;
        };
        answered[k] = true;
        let policy = Policy {
            beacon: BeaconPin::Given(beacons[k]),
            roots: Some(vec![inf.trace_root]),
            allow_gaps: false,
        };
        let report = verify_bundles(&vk, &[(path.clone(), bundle.clone())], &policy, rng)?;
        for v in report.verdicts {
            if let Err(r) = v.result {
                rejections.push(InferRejection::Bundle(r));
            }
        }
        checked.extend(
            m.samples(inf.trace_root, beacons[k].fr(), &vk.class.sampling())
                .iter()
                .step_by(n_ops)
                .map(|s| s.cell),
        );
    }
    let roots = model_roots(m);
    let mut run_root = None;
    if let Some(path) = input.run {
        let run = read_run(path)?;
        let root = complete_root(path, &run)?;
        run_root = Some(root);
        if run.model != inf.model {
            rejections.push(InferRejection::NotRunConfig);
        }
        if run_model_roots(&run.final_roots) != roots {
            rejections.push(InferRejection::NotRunModel);
        }
        if let Some(p) = inf.provenance
            && (p.run_root != root || p.task_id != run.task_id)
        {
            rejections.push(InferRejection::OtherProvenance {
                task_id: p.task_id,
                run_root: p.run_root,
            });
        }
    }
    if let Some(t) = input.test_root
        && m.header.dataset_root != t
    {
        rejections.push(InferRejection::NotTestSet(to_hex(&m.header.dataset_root)));
    }
    let queries = inf.queries();
    let correct = inf.correct_count();
    Ok(InferReport {
        trace_root: to_hex(&inf.trace_root),
        test_set: to_hex(&m.header.dataset_root),
        model: to_hex(&commit::hash(&roots)),
        run_root,
        queries,
        proofs: ch.proofs,
        groups: vk.class.groups() * ch.proofs as usize,
        checked,
        labelled: inf.labelled,
        correct,
        accuracy: (inf.labelled && queries > 0).then(|| correct as f64 / queries as f64),
        rejections,
    })
}

/// The report's lines for people: the verdict, the claim and the detection (the rejections are
/// printed by the caller, one per line).
pub fn describe(r: &InferReport, seconds: f64) -> Vec<String> {
    let verdict = if r.rejections.is_empty() {
        "verified"
    } else {
        "rejected"
    };
    let mut out = vec![format!(
        "inference {} ({} queries, {} proven whole in {} proofs: {:?}): {verdict} ({:.1} ms)",
        r.trace_root,
        r.queries,
        r.checked.len(),
        r.proofs,
        r.checked,
        seconds * 1e3
    )];
    match (r.accuracy, &r.run_root) {
        (Some(a), run) => out.push(format!(
            "accuracy {a:.4} ({} of {}) on test set {} for model {}{}",
            r.correct,
            r.queries,
            r.test_set,
            r.model,
            run.map(|w| format!(" (the final state of run {w})"))
                .unwrap_or_default()
        )),
        (None, run) => out.push(format!(
            "predictions on queries {} by model {}{}",
            r.test_set,
            r.model,
            run.map(|w| format!(" (the final state of run {w})"))
                .unwrap_or_default()
        )),
    }
    for (x, p) in r.misses() {
        out.push(format!(
            "if more than {x} of the {} published {} are wrong, this check misses it with probability at most {p:.4}",
            r.queries,
            if r.labelled { "bits" } else { "predictions" }
        ));
    }
    out
}
