//! Verifying bundles: each manifest must hash to its trace root and follow its architecture, the
//! beacon and worker id must be the ones bound, the proofs (batched: one multi-pairing) must
//! verify under the key, and consecutive steps must chain.

use crate::bundle::{BeaconSource, Bundle, BundleError, Parsed, proof_from_hex};
use crate::keys::Vk;
use ark_bn254::{Bn254, Fr};
use ark_groth16::Proof;
use spotproof_core::check::{self, CheckFailure};
use spotproof_core::trace;
use std::path::PathBuf;

/// Why a bundle is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The manifest does not hash to the trace root.
    #[error("the manifest does not hash to the trace root")]
    RootMismatch,
    /// The manifest does not follow the model configuration.
    #[error("{0}")]
    Manifest(CheckFailure),
    /// The worker id is not the header's.
    #[error("the worker id is not the one in the step header")]
    WorkerMismatch,
    /// The number of samples is not the class's.
    #[error("{got} samples, the class proves {expected}")]
    Samples {
        /// Claimed.
        got: usize,
        /// The class's.
        expected: usize,
    },
    /// A Fiat–Shamir bundle whose beacon is not `hash(11, trace_root) mod 2^93`.
    #[error("the beacon is not the Fiat-Shamir beacon of the trace root")]
    FiatShamirBeacon,
    /// The beacon or the worker id does not fit the circuit's challenge (beacons are below 2^93,
    /// worker ids are addresses, below 2^160).
    #[error("the beacon is not below 2^93 or the worker id not below 2^160")]
    ChallengeRange,
    /// The beacon is not the one the validator expects.
    #[error("the beacon is not the expected one")]
    UnexpectedBeacon,
    /// The proof bytes are not a valid encoding.
    #[error("malformed proof: {0}")]
    ProofEncoding(String),
    /// The proof does not verify for these public inputs.
    #[error("the proof does not verify for (trace root, worker + 2^160 beacon)")]
    ProofInvalid,
    /// The step does not continue the previous bundle's step.
    #[error("{0}")]
    Chain(CheckFailure),
}

/// Why a set of bundles cannot be verified at all (usage errors: exit 2).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// A bundle could not be read.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// A bundle of another class than the key.
    #[error("{path}: the bundle is of class {bundle}, the verifying key of class {vk}")]
    Class {
        /// The bundle.
        path: PathBuf,
        /// Its class.
        bundle: String,
        /// The key's.
        vk: &'static str,
    },
    /// A bundle proven under another key of the class.
    #[error("{path}: the bundle was proven under verifying key {bundle}, not {vk}")]
    KeyHash {
        /// The bundle.
        path: PathBuf,
        /// Its key hash.
        bundle: String,
        /// The key's.
        vk: String,
    },
    /// Bundles of different runs (architecture, dataset, seed or worker) in one batch.
    #[error(
        "{path}: not the same run as {first} (architecture, dataset, data seed or worker differ)"
    )]
    MixedRuns {
        /// The odd one.
        path: PathBuf,
        /// The first bundle.
        first: PathBuf,
    },
    /// Two bundles claim the same step.
    #[error("{path}: step {step} appears twice")]
    DuplicateStep {
        /// The second.
        path: PathBuf,
        /// The step.
        step: u64,
    },
}

/// The outcome for one bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The file.
    pub path: PathBuf,
    /// Its step.
    pub step: u64,
    /// Its trace root (hex).
    pub trace_root: String,
    /// `Ok` or why it was rejected.
    pub result: Result<(), Rejection>,
}

/// What the caller requires beyond the bundles themselves.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// The beacon every bundle must have been proven under (a validator's challenge).
    pub beacon: Option<Fr>,
}

/// Checks everything about one bundle but the proof; returns the public inputs and the proof.
fn precheck(
    vk: &Vk,
    b: &Bundle,
    p: &Parsed,
    policy: &Policy,
) -> Result<([Fr; 2], Proof<Bn254>), Rejection> {
    let m = &p.manifest;
    if m.root().ok() != Some(p.root) {
        return Err(Rejection::RootMismatch);
    }
    b.model
        .validate()
        .map_err(|_| Rejection::Manifest(CheckFailure::Nonconforming("model configuration")))?;
    check::check_conformance(m, &b.model).map_err(Rejection::Manifest)?;
    if p.worker != m.header.worker {
        return Err(Rejection::WorkerMismatch);
    }
    if b.samples != vk.class.samples {
        return Err(Rejection::Samples {
            got: b.samples,
            expected: vk.class.samples,
        });
    }
    if b.beacon_source == BeaconSource::FiatShamir && p.beacon != trace::fiat_shamir_beacon(p.root)
    {
        return Err(Rejection::FiatShamirBeacon);
    }
    if policy.beacon.is_some_and(|x| x != p.beacon) {
        return Err(Rejection::UnexpectedBeacon);
    }
    let challenge = trace::challenge(p.beacon, p.worker).ok_or(Rejection::ChallengeRange)?;
    let proof = proof_from_hex(&b.proof).map_err(Rejection::ProofEncoding)?;
    Ok(([p.root, challenge], proof))
}

/// Verifies bundles under one key: per-bundle checks, one batched pairing check for all proofs
/// (falling back to one by one to name the bad ones), and chain continuity between consecutive
/// steps. Errors are usage errors; rejections are in the verdicts.
pub fn verify_bundles<R: rand::RngCore>(
    vk: &Vk,
    bundles: &[(PathBuf, Bundle)],
    policy: &Policy,
    rng: &mut R,
) -> Result<Vec<Verdict>, VerifyError> {
    let mut parsed = Vec::with_capacity(bundles.len());
    for (path, b) in bundles {
        if b.class != vk.class.name {
            return Err(VerifyError::Class {
                path: path.clone(),
                bundle: b.class.clone(),
                vk: vk.class.name,
            });
        }
        if b.vk_hash != vk.hash {
            return Err(VerifyError::KeyHash {
                path: path.clone(),
                bundle: b.vk_hash.clone(),
                vk: vk.hash.clone(),
            });
        }
        parsed.push(b.parse(path)?);
    }
    // One run per batch.
    if let Some(first) = parsed.first() {
        let run = |p: &Parsed| {
            let h = &p.manifest.header;
            (h.arch_id, h.dataset_root, h.data_seed, h.worker)
        };
        for (k, p) in parsed.iter().enumerate().skip(1) {
            if run(p) != run(first) {
                return Err(VerifyError::MixedRuns {
                    path: bundles[k].0.clone(),
                    first: bundles[0].0.clone(),
                });
            }
        }
    }
    let mut steps = std::collections::HashMap::new();
    for (k, p) in parsed.iter().enumerate() {
        if steps.insert(p.manifest.header.step, k).is_some() {
            return Err(VerifyError::DuplicateStep {
                path: bundles[k].0.clone(),
                step: p.manifest.header.step,
            });
        }
    }
    let mut results: Vec<Result<(), Rejection>> = Vec::with_capacity(bundles.len());
    let mut batch = Vec::new();
    let mut in_batch = Vec::new();
    for (k, ((_, b), p)) in bundles.iter().zip(&parsed).enumerate() {
        match precheck(vk, b, p, policy) {
            Ok((public, proof)) => {
                batch.push((public.to_vec(), proof));
                in_batch.push(k);
                results.push(Ok(()));
            }
            Err(r) => results.push(Err(r)),
        }
    }
    if !spotproof_circuits::batch_verify(&vk.key, &batch, rng) {
        let pvk = ark_groth16::prepare_verifying_key(&vk.key);
        for ((public, proof), &k) in batch.iter().zip(&in_batch) {
            if !spotproof_circuits::verify(&pvk, public, proof) {
                results[k] = Err(Rejection::ProofInvalid);
            }
        }
    }
    // Chain continuity between consecutive steps present in the batch.
    for (k, p) in parsed.iter().enumerate() {
        let step = p.manifest.header.step;
        let Some(prev) = step.checked_sub(1).and_then(|s| steps.get(&s)) else {
            continue;
        };
        let q = &parsed[*prev];
        if results[k].is_ok()
            && let Err(e) = check::check_chain(&q.manifest, q.root, &p.manifest)
        {
            results[k] = Err(Rejection::Chain(e));
        }
    }
    Ok(bundles
        .iter()
        .zip(parsed)
        .zip(results)
        .map(|(((path, b), p), result)| Verdict {
            path: path.clone(),
            step: p.manifest.header.step,
            trace_root: b.trace_root.clone(),
            result,
        })
        .collect())
}
