//! Verifying bundles: each manifest must hash to its trace root and follow its architecture, the
//! beacon must be pinned by the validator (given, or the Fiat–Shamir beacon of the root), the
//! worker id must be the one bound, the proofs (batched: one multi-pairing) must verify under the
//! key, step 0 must start the chain and consecutive steps must chain; steps missing between two
//! bundles are gaps.

use crate::bundle::{BeaconSource, Bundle, BundleError, ProofError, proof_from_hex};
use crate::detection::{BeaconKind, Detection, op_outputs};
use crate::keys::Vk;
use ark_bn254::{Bn254, Fr};
use ark_groth16::Proof;
use spotproof_core::check::{self, CheckFailure};
use spotproof_core::commit::to_hex;
use spotproof_core::ids::{Beacon, WorkerId};
use spotproof_core::layout::TraceKind;
use spotproof_core::sampling;
use spotproof_core::trace::Work;
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
    /// A bundle labelled Fiat–Shamir whose beacon is not `hash(11, trace_root) mod 2^93`.
    #[error("the beacon is not the Fiat-Shamir beacon of the trace root")]
    FiatShamirBeacon,
    /// An external beacon and nothing pins it: the worker could have chosen it after trying
    /// beacons until the samples missed what it faked.
    #[error(
        "the beacon is external and nothing pins it (the worker could have chosen it); \
         give the beacon you issued with --beacon or --block-hash"
    )]
    UnpinnedBeacon,
    /// The beacon is not below 2^93.
    #[error("the beacon is not below 2^93")]
    BeaconRange,
    /// The worker id is not an address (below 2^160).
    #[error("the worker id is not an address (below 2^160)")]
    WorkerNotAddress,
    /// The beacon is not the one the validator expects.
    #[error("the beacon is not the expected one")]
    UnexpectedBeacon,
    /// The trace root is not one the worker published before the beacon (`--root`).
    #[error("the trace root is not one of the roots published before the beacon (--root)")]
    UncommittedRoot,
    /// Step 0 names a previous root: it continues something that is not in the run.
    #[error("step 0 must have previous root 0")]
    FirstStepPrevRoot,
    /// A later step with previous root 0 (reserved for step 0).
    #[error("only step 0 may have previous root 0")]
    ZeroPrevRoot,
    /// The previous step, given in the same call, was rejected: nothing to chain to.
    #[error("predecessor rejected (step {step})")]
    PredecessorRejected {
        /// The predecessor's step.
        step: u64,
    },
    /// A bundle labelled Fiat–Shamir offered to the registry, which only takes block beacons.
    #[error(
        "proven under the Fiat-Shamir beacon; the registry only accepts the beacon of the \
         commitment's block (`spotproof-worker prove --block-hash`)"
    )]
    NotABlockBeacon,
    /// The proof bytes are not a valid encoding.
    #[error("malformed proof: {0}")]
    ProofEncoding(ProofError),
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
    /// What its proof checks, computed here from the manifest, the root, the beacon and the
    /// key's class (never read from the bundle).
    pub checked: Work,
}

/// Steps missing between two bundles of one run: `after + 1 ..= before − 1` were not given, so
/// the chain from step `after` to step `before` is not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// The last step given before the gap.
    pub after: u64,
    /// The first step given after it.
    pub before: u64,
}

impl std::fmt::Display for Gap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (from, to) = (self.after + 1, self.before - 1);
        let missing = if from == to {
            format!("step {from} is")
        } else {
            format!("steps {from} to {to} are")
        };
        write!(
            f,
            "{missing} missing: the chain from step {} to step {} is not checked",
            self.after, self.before
        )
    }
}

/// What pins the beacon every bundle must have been proven under. The bundle's own
/// `beacon_source` is a label and never decides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum BeaconPin {
    /// The Fiat–Shamir beacon of each bundle's trace root (the default: nothing else is known).
    #[default]
    FiatShamir,
    /// This beacon (a validator's challenge, or a block hash's beacon).
    Given(Beacon),
    /// The bundle's own beacon, because whoever receives the proof next recomputes it (the
    /// registry derives it from the beacon block's hash): only for `calldata`.
    Registry,
    /// Per step: a run's challenged steps and their step beacons (`audit`); a bundle of a step
    /// not in the map is refused.
    Steps(std::collections::BTreeMap<u64, Beacon>),
}

/// What the caller requires beyond the bundles themselves.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// What pins the beacon.
    pub beacon: BeaconPin,
    /// The trace roots the worker published before the beacon was drawn (`--root`): every
    /// bundle's root must be one of them. Without them, a worker who knew a given beacon could
    /// re-roll its root offline (one changed leaf) until the samples miss, so the detection
    /// printed allows for that grinding.
    pub roots: Option<Vec<Fr>>,
    /// Accept a call with steps missing between two bundles (the gaps are still reported).
    pub allow_gaps: bool,
}

/// Everything `verify_bundles` found.
#[derive(Clone, Debug)]
pub struct Report {
    /// One verdict per bundle, in the order given.
    pub verdicts: Vec<Verdict>,
    /// Steps missing between bundles, in step order.
    pub gaps: Vec<Gap>,
    /// The lowest step given, if above 0: its previous root is not checked against anything.
    pub unanchored: Option<u64>,
    /// What the samples catch, computed from the class and the manifest (all bundles of a call
    /// share the architecture, hence the op count).
    pub detection: Option<Detection>,
    /// Whether gaps were allowed.
    pub allow_gaps: bool,
}

impl Report {
    /// Bundles rejected.
    pub fn rejected(&self) -> usize {
        self.verdicts.iter().filter(|v| v.result.is_err()).count()
    }

    /// Every reason the call is not verified, one line each: the rejected bundles, then the gaps
    /// (unless allowed). Empty when verified.
    pub fn reasons(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .verdicts
            .iter()
            .filter_map(|v| {
                v.result
                    .as_ref()
                    .err()
                    .map(|r| format!("{} (step {}): {r}", v.path.display(), v.step))
            })
            .collect();
        if !self.allow_gaps {
            out.extend(
                self.gaps
                    .iter()
                    .map(|g| format!("gap: {g} (--allow-gaps accepts it)")),
            );
        }
        out
    }
}

/// Checks everything about one bundle but the proof and the chain; returns the public inputs and
/// the proof.
fn precheck(vk: &Vk, b: &Bundle, policy: &Policy) -> Result<([Fr; 2], Proof<Bn254>), Rejection> {
    let m = &b.manifest;
    if m.root().ok() != Some(b.trace_root) {
        return Err(Rejection::RootMismatch);
    }
    b.model
        .validate()
        .map_err(|_| Rejection::Manifest(CheckFailure::Nonconforming("model configuration")))?;
    match vk.class.kind {
        TraceKind::Train => check::check_conformance(m, &b.model),
        TraceKind::Infer => check::check_infer_conformance(m, &b.model),
    }
    .map_err(Rejection::Manifest)?;
    if b.worker != m.header.worker {
        return Err(Rejection::WorkerMismatch);
    }
    let zero = Fr::from(0u64);
    match (m.header.step, m.header.prev_root == zero) {
        (0, false) => return Err(Rejection::FirstStepPrevRoot),
        (1.., true) => return Err(Rejection::ZeroPrevRoot),
        _ => {}
    }
    if b.samples != vk.class.samples {
        return Err(Rejection::Samples {
            got: b.samples,
            expected: vk.class.samples,
        });
    }
    if policy
        .roots
        .as_ref()
        .is_some_and(|r| !r.contains(&b.trace_root))
    {
        return Err(Rejection::UncommittedRoot);
    }
    match &policy.beacon {
        BeaconPin::Given(x) if x.fr() != b.beacon => return Err(Rejection::UnexpectedBeacon),
        BeaconPin::Steps(map) if map.get(&m.header.step).map(|x| x.fr()) != Some(b.beacon) => {
            return Err(Rejection::UnexpectedBeacon);
        }
        BeaconPin::FiatShamir if b.beacon != sampling::fiat_shamir_beacon(b.trace_root) => {
            return Err(match b.beacon_source {
                BeaconSource::FiatShamir => Rejection::FiatShamirBeacon,
                BeaconSource::External => Rejection::UnpinnedBeacon,
            });
        }
        _ => {}
    }
    let worker = WorkerId::new(b.worker).ok_or(Rejection::WorkerNotAddress)?;
    let beacon = Beacon::new(b.beacon).ok_or(Rejection::BeaconRange)?;
    let challenge = sampling::challenge(beacon.fr(), worker.fr()).ok_or(Rejection::BeaconRange)?;
    let proof = proof_from_hex(&b.proof).map_err(Rejection::ProofEncoding)?;
    Ok(([b.trace_root, challenge], proof))
}

/// Refuses calls that make no sense (usage errors): another class or key, bundles of different
/// runs, a step given twice.
fn check_call(vk: &Vk, bundles: &[(PathBuf, Bundle)]) -> Result<(), VerifyError> {
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
    }
    // One run per call.
    let run = |p: &Bundle| {
        let h = &p.manifest.header;
        (h.arch_id, h.dataset_root, h.data_seed, h.worker)
    };
    if let Some((_, first)) = bundles.first()
        && let Some(k) = bundles.iter().position(|(_, p)| run(p) != run(first))
    {
        return Err(VerifyError::MixedRuns {
            path: bundles[k].0.clone(),
            first: bundles[0].0.clone(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for (k, (_, p)) in bundles.iter().enumerate() {
        if !seen.insert(p.manifest.header.step) {
            return Err(VerifyError::DuplicateStep {
                path: bundles[k].0.clone(),
                step: p.manifest.header.step,
            });
        }
    }
    Ok(())
}

/// Verifies bundles of one run under one key: per-bundle checks, one batched pairing check for
/// all proofs (falling back to one by one to name the bad ones), then the chain in step order —
/// a bundle whose predecessor was rejected is rejected too, and steps missing between two
/// bundles are reported as gaps. Errors are usage errors; rejections are in the report.
pub fn verify_bundles<R: rand::RngCore>(
    vk: &Vk,
    bundles: &[(PathBuf, Bundle)],
    policy: &Policy,
    rng: &mut R,
) -> Result<Report, VerifyError> {
    check_call(vk, bundles)?;
    let mut results: Vec<Result<(), Rejection>> = Vec::with_capacity(bundles.len());
    let mut batch = Vec::new();
    let mut in_batch = Vec::new();
    for (k, (_, b)) in bundles.iter().enumerate() {
        match precheck(vk, b, policy) {
            Ok((public, proof)) => {
                batch.push((public.to_vec(), proof));
                in_batch.push(k);
                results.push(Ok(()));
            }
            Err(r) => results.push(Err(r)),
        }
    }
    if !spotproof_circuits::batch_verify(&vk.prepared, &batch, rng) {
        for ((public, proof), &k) in batch.iter().zip(&in_batch) {
            if !spotproof_circuits::verify(&vk.prepared, public, proof) {
                results[k] = Err(Rejection::ProofInvalid);
            }
        }
    }
    // The chain, in step order, so that a rejection reaches every later step it breaks.
    let step = |k: usize| bundles[k].1.manifest.header.step;
    let mut order: Vec<usize> = (0..bundles.len()).collect();
    order.sort_by_key(|&k| step(k));
    let mut gaps = Vec::new();
    for pair in order.windows(2) {
        let (prev, next) = (pair[0], pair[1]);
        if step(next) != step(prev) + 1 {
            gaps.push(Gap {
                after: step(prev),
                before: step(next),
            });
            continue;
        }
        if results[next].is_err() {
            continue;
        }
        if results[prev].is_err() {
            results[next] = Err(Rejection::PredecessorRejected { step: step(prev) });
        } else if let Err(e) = check::check_chain(
            &bundles[prev].1.manifest,
            bundles[prev].1.trace_root,
            &bundles[next].1.manifest,
        ) {
            results[next] = Err(Rejection::Chain(e));
        }
    }
    // The op count of a bundle that passed conformance (all of a call share the architecture).
    let detection = bundles
        .iter()
        .map(|(_, b)| b)
        .zip(&results)
        .find(|(_, r)| r.is_ok())
        .map(|(p, _)| {
            let kind = match (&policy.beacon, &policy.roots) {
                (BeaconPin::Registry | BeaconPin::Steps(_), _) | (BeaconPin::Given(_), Some(_)) => {
                    BeaconKind::Pinned
                }
                (BeaconPin::Given(_), None) => BeaconKind::RootNotPinned,
                (BeaconPin::FiatShamir, _) => BeaconKind::FiatShamir,
            };
            Detection::of(
                &vk.class.sampling(),
                &op_outputs(&p.manifest.ops, &p.manifest.shapes()),
                kind,
            )
        });
    let unanchored = order.first().map(|&k| step(k)).filter(|&s| s > 0);
    let verdicts = bundles
        .iter()
        .zip(results)
        .map(|((path, p), result)| Verdict {
            path: path.clone(),
            step: p.manifest.header.step,
            trace_root: to_hex(&p.trace_root),
            result,
            checked: p.manifest.work(&p.manifest.samples(
                p.trace_root,
                p.beacon,
                &vk.class.sampling(),
            )),
        })
        .collect();
    Ok(Report {
        verdicts,
        gaps,
        unanchored,
        detection,
        allow_gaps: policy.allow_gaps,
    })
}
