//! Runs: the task a network sets, the run a worker commits, the challenge a validator draws.
//!
//! Everything a contract recomputes is keccak-256 over 32-byte big-endian words, as Solidity's
//! `keccak256(abi.encode(...))` (papers/protocol.md §11):
//! * the **task id** binds the architecture and every hyper-parameter (through the architecture
//!   id), the dataset root, the data seed, the initial state's roots, the number of steps, the
//!   samples per step, the number of challenged steps and the verifying key;
//! * the **run root** is a binary Merkle tree over the steps' trace roots, leaves and inner nodes
//!   domain-separated, padded to a power of two with a constant leaf, and the number of steps
//!   bound in;
//! * a **challenge** draws `C` distinct steps from (run root, beacon) with Floyd's algorithm
//!   (exactly `C` hashes), and each challenged step's beacon (below 2^93).

use crate::commit::{Fr, fr_hex};
use crate::error::{CoreError, Result};
use crate::ids::WorkerId;
use crate::model::ModelConfig;
use crate::sampling::BEACON_BITS;
use crate::trace::Manifest;
use ark_ff::{BigInteger, PrimeField};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha3::{Digest, Keccak256};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// Version of the task, run and challenge formats (each file carries it; another is refused):
/// 2 is protocol v2 (Poseidon2 commitments: every root a version-1 file names differs).
pub const RUN_FORMAT_VERSION: u32 = 2;
/// The `format` field of a task file.
pub const TASK_FORMAT: &str = "spotproof-task";
/// The `format` field of a run file.
pub const RUN_FORMAT: &str = "spotproof-run";
/// The `format` field of a challenge file.
pub const CHALLENGE_FORMAT: &str = "spotproof-challenge";

/// A 32-byte word (a keccak digest, a bytes32, a uint256): text is `0x` and 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Word(pub [u8; 32]);

impl Word {
    /// A field element as the EVM's uint256 (big-endian).
    pub fn of_fr(x: &Fr) -> Self {
        let mut w = [0u8; 32];
        w.copy_from_slice(&x.into_bigint().to_bytes_be());
        Self(w)
    }

    /// A number as a uint256.
    pub fn of_u64(x: u64) -> Self {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&x.to_be_bytes());
        Self(w)
    }

    /// The word as a field element, if it is below the modulus.
    pub fn fr(&self) -> Option<Fr> {
        Fr::from_bigint(ark_ff::BigInt::new(limbs(&self.0)))
    }

    /// The word modulo `m` (`m ≥ 1`), as a uint256 `%`.
    pub fn mod_u64(&self, m: u64) -> u64 {
        let m = u128::from(m.max(1));
        let r = self
            .0
            .iter()
            .fold(0u128, |r, &b| (r * 256 + u128::from(b)) % m);
        r as u64
    }

    /// The low 64 bits, as `uint64(uint256)` truncates.
    pub fn low_u64(&self) -> u64 {
        u64::from_be_bytes(self.0[24..].try_into().unwrap_or([0; 8]))
    }

    /// The low `bits` bits (`bits ≤ 128`) as a field element.
    pub fn low_bits(&self, bits: u32) -> Fr {
        let mut v = u128::from_be_bytes(self.0[16..].try_into().unwrap_or([0; 16]));
        if bits < 128 {
            v &= (1u128 << bits) - 1;
        }
        Fr::from(v)
    }
}

fn limbs(b: &[u8; 32]) -> [u64; 4] {
    let mut limbs = [0u64; 4];
    for (limb, word) in limbs.iter_mut().zip(b.chunks_exact(8).rev()) {
        let mut x = [0u8; 8];
        x.copy_from_slice(word);
        *limb = u64::from_be_bytes(x);
    }
    limbs
}

impl fmt::Display for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Word {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self> {
        let mut w = [0u8; 32];
        s.strip_prefix("0x")
            .and_then(|h| hex::decode_to_slice(h, &mut w).ok())
            .map(|()| Self(w))
            .ok_or_else(|| CoreError::Parse {
                what: "word",
                given: s.into(),
                expected: "0x and 64 hex digits",
            })
    }
}

impl Serialize for Word {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Word {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(|_| serde::de::Error::custom("not 0x and 64 hex digits"))
    }
}

/// keccak-256 of the concatenated words (Solidity's `keccak256(abi.encode(w0, w1, …))`).
pub fn keccak_words(words: &[Word]) -> Word {
    let mut h = Keccak256::new();
    for w in words {
        h.update(w.0);
    }
    Word(h.finalize().into())
}

/// keccak-256 of bytes.
pub fn keccak(bytes: &[u8]) -> Word {
    Word(Keccak256::digest(bytes).into())
}

/// The domain word of task ids: `keccak256("spotproof.task.v1")`.
pub fn task_domain() -> Word {
    keccak(b"spotproof.task.v1")
}

/// The fields a task id binds, in encoding order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskFields {
    /// Architecture id (every width and hyper-parameter, `layout::arch_id`).
    #[serde(with = "fr_hex")]
    pub arch_id: Fr,
    /// Root of the committed training rows.
    #[serde(with = "fr_hex")]
    pub dataset_root: Fr,
    /// Seed of the batch derivation.
    pub data_seed: u64,
    /// Tensor roots of the initial state: per layer master, weight, bias.
    #[serde(with = "fr_hex")]
    pub initial_roots: Vec<Fr>,
    /// Steps of the run.
    pub steps: u64,
    /// Samples proven per challenged step.
    pub samples: u64,
    /// Steps a challenge picks.
    pub challenge_steps: u64,
    /// SHA-256 of the verifying key (the key names the circuit class).
    pub vk_hash: Word,
}

impl TaskFields {
    /// `keccak256(abi.encode(taskDomain, version, archId, datasetRoot, dataSeed,
    /// keccak256(abi.encode(initialRoots…)), steps, samples, challengeSteps, vkHash))`.
    pub fn id(&self) -> Word {
        let initial: Vec<Word> = self.initial_roots.iter().map(Word::of_fr).collect();
        keccak_words(&[
            task_domain(),
            Word::of_u64(u64::from(RUN_FORMAT_VERSION)),
            Word::of_fr(&self.arch_id),
            Word::of_fr(&self.dataset_root),
            Word::of_u64(self.data_seed),
            keccak_words(&initial),
            Word::of_u64(self.steps),
            Word::of_u64(self.samples),
            Word::of_u64(self.challenge_steps),
            self.vk_hash,
        ])
    }
}

/// Leaf `i` of the run tree: `keccak256(abi.encode(0, traceRoot))`.
pub fn run_leaf(trace_root: &Fr) -> Word {
    keccak_words(&[Word::of_u64(0), Word::of_fr(trace_root)])
}

/// The leaf that pads the run tree to a power of two: `keccak256("spotproof.run.pad")`.
pub fn run_pad() -> Word {
    keccak(b"spotproof.run.pad")
}

/// An inner node: `keccak256(abi.encode(1, left, right))`.
pub fn run_node(left: &Word, right: &Word) -> Word {
    keccak_words(&[Word::of_u64(1), *left, *right])
}

/// The run root of `n` trace roots: `keccak256(abi.encode(2, n, treeRoot))`.
pub fn run_root(trace_roots: &[Fr]) -> Word {
    let tree = run_levels(trace_roots);
    let top = tree
        .last()
        .and_then(|l| l.first())
        .copied()
        .unwrap_or_default();
    keccak_words(&[Word::of_u64(2), Word::of_u64(trace_roots.len() as u64), top])
}

/// Every level of the run tree, leaves first.
fn run_levels(trace_roots: &[Fr]) -> Vec<Vec<Word>> {
    let width = trace_roots.len().max(1).next_power_of_two();
    let mut level: Vec<Word> = trace_roots.iter().map(run_leaf).collect();
    level.resize(width, run_pad());
    let mut levels = vec![level];
    while let Some(l) = levels.last().filter(|l| l.len() > 1) {
        let up = l.chunks(2).map(|p| run_node(&p[0], &p[1])).collect();
        levels.push(up);
    }
    levels
}

/// The siblings from leaf `step` to the top (a contract checks membership with them).
pub fn run_path(trace_roots: &[Fr], step: usize) -> Vec<Word> {
    let levels = run_levels(trace_roots);
    let mut i = step;
    let mut path = Vec::new();
    for l in &levels[..levels.len() - 1] {
        path.push(l.get(i ^ 1).copied().unwrap_or_default());
        i /= 2;
    }
    path
}

/// Whether `trace_root` is step `step` of the run with `steps` steps and root `root`.
pub fn run_path_ok(root: &Word, steps: u64, step: u64, trace_root: &Fr, path: &[Word]) -> bool {
    let depth = steps.max(1).next_power_of_two().trailing_zeros() as usize;
    if step >= steps || path.len() != depth {
        return false;
    }
    let mut h = run_leaf(trace_root);
    for (k, sib) in path.iter().enumerate() {
        h = if (step >> k) & 1 == 0 {
            run_node(&h, sib)
        } else {
            run_node(sib, &h)
        };
    }
    keccak_words(&[Word::of_u64(2), Word::of_u64(steps), h]) == *root
}

/// Draw `k` of a challenge: `keccak256(abi.encode(1, runRoot, beacon, k))`.
pub fn challenge_draw(run_root: &Word, beacon: &Word, k: u64) -> Word {
    keccak_words(&[Word::of_u64(1), *run_root, *beacon, Word::of_u64(k)])
}

/// The beacon of challenged step `step`: `keccak256(abi.encode(2, runRoot, beacon, step)) mod
/// 2^93` (below 2^93, so the step circuit's public inputs are unchanged).
pub fn step_beacon(run_root: &Word, beacon: &Word, step: u64) -> Fr {
    keccak_words(&[Word::of_u64(2), *run_root, *beacon, Word::of_u64(step)]).low_bits(BEACON_BITS)
}

/// The `c` distinct steps of `0..n` a challenge picks (Floyd's algorithm, exactly `c` draws:
/// for `k` in `0..c`, `j = n − c + k`, `t = draw(k) mod (j + 1)`; take `t`, or `j` if `t` is
/// taken), ascending. `None` unless `1 ≤ c ≤ n`.
pub fn challenged_steps(run_root: &Word, beacon: &Word, n: u64, c: u64) -> Option<Vec<u64>> {
    if c == 0 || c > n {
        return None;
    }
    let mut picked = BTreeSet::new();
    for k in 0..c {
        let j = n - c + k;
        let t = challenge_draw(run_root, beacon, k).mod_u64(j + 1);
        picked.insert(if picked.contains(&t) { j } else { t });
    }
    Some(picked.into_iter().collect())
}

/// Where a task's initial state comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    /// `Model::init(model, seed)`.
    Seed(u64),
    /// The final state of an earlier run (a long training is a chain of runs).
    FromRun {
        /// That run's root.
        run_root: Word,
        /// Its final model (a weights file), as the task's author found it.
        weights: std::path::PathBuf,
    },
}

/// A task: everything that determines a run. Its id ([`TaskFields::id`]) is what a network
/// publishes and a contract recomputes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// [`TASK_FORMAT`].
    pub format: String,
    /// [`RUN_FORMAT_VERSION`].
    pub version: u32,
    /// keccak-256 of the fields below ([`TaskFields::id`]); a file whose id does not match is
    /// refused.
    pub task_id: Word,
    /// The dataset (`digits`, `mnist10k` or `IMAGES,LABELS`): a validator reloads it.
    pub dataset: String,
    /// Seed of the 80/20 split whose training rows are committed.
    pub split_seed: u64,
    /// Root of the committed training rows.
    #[serde(with = "fr_hex")]
    pub dataset_root: Fr,
    /// Architecture and every hyper-parameter.
    pub model: ModelConfig,
    /// `layout::arch_id(model)`.
    #[serde(with = "fr_hex")]
    pub arch_id: Fr,
    /// Where the initial state comes from.
    pub init: Init,
    /// Tensor roots of the initial state: per layer master, weight, bias.
    #[serde(with = "fr_hex")]
    pub initial_roots: Vec<Fr>,
    /// Seed of the batch derivation.
    pub data_seed: u64,
    /// Steps of the run.
    pub steps: u64,
    /// Circuit class of the proofs.
    pub class: String,
    /// SHA-256 of the class's verifying key.
    pub vk_hash: Word,
    /// Samples per proven step (the class's).
    pub samples: u64,
    /// Steps a challenge picks.
    pub challenge_steps: u64,
}

impl Task {
    /// The fields the id binds.
    pub fn fields(&self) -> TaskFields {
        TaskFields {
            arch_id: self.arch_id,
            dataset_root: self.dataset_root,
            data_seed: self.data_seed,
            initial_roots: self.initial_roots.clone(),
            steps: self.steps,
            samples: self.samples,
            challenge_steps: self.challenge_steps,
            vk_hash: self.vk_hash,
        }
    }

    /// What is wrong with a task as read, before anything is recomputed: its format and
    /// version, its id, its architecture id, the configuration, the step counts.
    pub fn check(&self) -> std::result::Result<(), TaskError> {
        if self.format != TASK_FORMAT {
            return Err(TaskError::Format(self.format.clone()));
        }
        if self.version != RUN_FORMAT_VERSION {
            return Err(TaskError::Version(self.version));
        }
        self.model
            .validate()
            .map_err(|e| TaskError::Model(Box::new(e)))?;
        if self.arch_id != crate::layout::arch_id(&self.model) {
            return Err(TaskError::ArchId);
        }
        if self.steps == 0 || self.challenge_steps == 0 || self.challenge_steps > self.steps {
            return Err(TaskError::Steps {
                steps: self.steps,
                challenge_steps: self.challenge_steps,
            });
        }
        if self.initial_roots.len() != 3 * self.model.layers() {
            return Err(TaskError::InitialRoots);
        }
        if self.fields().id() != self.task_id {
            return Err(TaskError::Id);
        }
        Ok(())
    }
}

/// Why a task file is not a task.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// Another kind of file.
    #[error("not a task file (format {0:?})")]
    Format(String),
    /// Another version.
    #[error("task format version {0}, this build reads version {RUN_FORMAT_VERSION}")]
    Version(u32),
    /// An invalid configuration.
    #[error("its model configuration is invalid: {0}")]
    Model(#[source] Box<CoreError>),
    /// An architecture id that is not the configuration's.
    #[error("its architecture id is not its configuration's")]
    ArchId,
    /// Step counts that allow no challenge.
    #[error("{steps} steps with {challenge_steps} challenged: need 1 ≤ challenged ≤ steps")]
    Steps {
        /// Steps.
        steps: u64,
        /// Challenged steps.
        challenge_steps: u64,
    },
    /// Not three roots per layer.
    #[error("it needs three initial roots (master, weight, bias) per layer")]
    InitialRoots,
    /// An id that is not the hash of the fields.
    #[error("its task id is not the keccak-256 of its fields")]
    Id,
}

/// The dataset a task names, its 80/20 split by `split_seed`, and the commitment of its training
/// rows (whose root a task binds).
pub fn dataset_of(
    spec: &str,
    split_seed: u64,
) -> Result<(
    crate::data::Dataset,
    crate::data::Split,
    crate::commit::TensorCommitment,
)> {
    let spec: crate::data::DatasetSpec = spec.parse()?;
    let data = spec.load()?;
    let split = crate::data::Split::holdout(data.len(), crate::data::HOLDOUT_PERCENT, split_seed);
    let c = crate::trace::commit_dataset(&data, &split.train)?;
    Ok((data, split, c))
}

/// Where the challenge's beacon came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChallengeSource {
    /// Drawn by the validator from its operating system.
    Random,
    /// A block hash, used whole.
    BlockHash,
}

/// One challenged step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengedStep {
    /// The step.
    pub step: u64,
    /// Its beacon (below 2^93).
    #[serde(with = "fr_hex")]
    pub beacon: Fr,
}

/// A challenge file: which steps of which run must be proven, under which beacons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// [`CHALLENGE_FORMAT`].
    pub format: String,
    /// [`RUN_FORMAT_VERSION`].
    pub version: u32,
    /// The task.
    pub task_id: Word,
    /// The run root challenged.
    pub run_root: Word,
    /// Steps of the run.
    pub steps: u64,
    /// Where the beacon came from.
    pub source: ChallengeSource,
    /// The beacon.
    pub beacon: Word,
    /// The challenged steps and their beacons, ascending.
    pub challenged: Vec<ChallengedStep>,
}

impl Challenge {
    /// The challenge of `c` steps of a run of `n` steps with root `run_root` under `beacon`.
    pub fn derive(
        task_id: Word,
        run_root: Word,
        n: u64,
        c: u64,
        source: ChallengeSource,
        beacon: Word,
    ) -> Option<Self> {
        let steps = challenged_steps(&run_root, &beacon, n, c)?;
        Some(Self {
            format: CHALLENGE_FORMAT.into(),
            version: RUN_FORMAT_VERSION,
            task_id,
            run_root,
            steps: n,
            source,
            beacon,
            challenged: steps
                .into_iter()
                .map(|step| ChallengedStep {
                    step,
                    beacon: step_beacon(&run_root, &beacon, step),
                })
                .collect(),
        })
    }
}

/// One committed step of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStep {
    /// The trace root.
    #[serde(with = "fr_hex")]
    pub trace_root: Fr,
    /// The header, tensor table and op table.
    #[serde(flatten)]
    pub manifest: Manifest,
}

/// The public run file: every step's manifest and trace root, the final state, the run root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunFile {
    /// [`RUN_FORMAT`].
    pub format: String,
    /// [`RUN_FORMAT_VERSION`].
    pub version: u32,
    /// The task's id.
    pub task_id: Word,
    /// The worker.
    pub worker: WorkerId,
    /// The model configuration (the task's).
    pub model: ModelConfig,
    /// Steps of the task.
    pub steps_total: u64,
    /// Steps a challenge picks (the task's).
    pub challenge_steps: u64,
    /// Steps committed so far, in order.
    pub steps: Vec<RunStep>,
    /// Tensor roots of the final state (per layer master, weight, bias), once complete.
    #[serde(with = "fr_hex")]
    pub final_roots: Vec<Fr>,
    /// The run root, once complete.
    pub run_root: Option<Word>,
}

impl RunFile {
    /// Whether every step is committed and the run root written.
    pub fn complete(&self) -> bool {
        self.steps.len() as u64 == self.steps_total && self.run_root.is_some()
    }

    /// The trace roots in step order.
    pub fn trace_roots(&self) -> Vec<Fr> {
        self.steps.iter().map(|s| s.trace_root).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots(n: u64) -> Vec<Fr> {
        (0..n).map(|i| Fr::from(1000 + i)).collect()
    }

    #[test]
    fn run_paths_prove_membership_and_nothing_else() {
        for n in [1u64, 2, 3, 5, 8, 13] {
            let r = roots(n);
            let root = run_root(&r);
            for s in 0..n {
                let path = run_path(&r, s as usize);
                assert!(
                    run_path_ok(&root, n, s, &r[s as usize], &path),
                    "n {n} s {s}"
                );
                // Another root, step, step count or path fails.
                assert!(!run_path_ok(&root, n, s, &Fr::from(7u64), &path));
                assert!(!run_path_ok(&root, n + 1, s, &r[s as usize], &path));
                if n > 1 {
                    assert!(!run_path_ok(&root, n, (s + 1) % n, &r[s as usize], &path));
                }
            }
        }
        // The step count is bound: a run of 3 is not a run of 4 with a padding leaf.
        assert_ne!(run_root(&roots(3)), run_root(&roots(4)));
    }

    #[test]
    fn challenges_pick_distinct_steps_with_exactly_c_draws() {
        let (root, beacon) = (keccak(b"run"), keccak(b"beacon"));
        for (n, c) in [(1u64, 1u64), (5, 5), (10, 3), (1000, 16)] {
            let s = challenged_steps(&root, &beacon, n, c).unwrap();
            assert_eq!(s.len() as u64, c);
            assert!(s.windows(2).all(|w| w[0] < w[1]) && s.iter().all(|&x| x < n));
        }
        assert_eq!(challenged_steps(&root, &beacon, 3, 4), None);
        assert_eq!(challenged_steps(&root, &beacon, 3, 0), None);
        // Another beacon or run root picks other steps (for these inputs).
        let a = challenged_steps(&root, &beacon, 1000, 16);
        assert_ne!(a, challenged_steps(&root, &keccak(b"other"), 1000, 16));
        assert_ne!(a, challenged_steps(&keccak(b"other"), &beacon, 1000, 16));
        // Step beacons are below 2^93 and differ per step.
        let b0 = step_beacon(&root, &beacon, 0);
        assert!(b0.into_bigint().num_bits() <= BEACON_BITS);
        assert_ne!(b0, step_beacon(&root, &beacon, 1));
    }

    #[test]
    fn words_are_uint256() {
        assert_eq!(Word::of_u64(258).mod_u64(256), 2);
        let w: Word = "0x00000000000000000000000000000000000000000000000000000000000001ff"
            .parse()
            .unwrap();
        assert_eq!(w, Word::of_u64(511));
        assert_eq!(w.fr(), Some(Fr::from(511u64)));
        assert_eq!(Word::of_fr(&Fr::from(511u64)), w);
        assert!("0x12".parse::<Word>().is_err());
        assert!(
            "00000000000000000000000000000000000000000000000000000000000001ff"
                .parse::<Word>()
                .is_err()
        );
        // keccak256("") as every EVM computes it.
        assert_eq!(
            keccak(b"").to_string(),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
    }
}
