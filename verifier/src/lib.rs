//! spotproof-verifier: the validator. Its trusted code is spotproof-core, spotproof-circuits and
//! arkworks; it must never depend on wgpu, spotproof-shaders or spotproof-prover (the test script
//! checks this with `cargo tree`).
//!
//! It verifies proof bundles ([`verify::verify_bundles`]: manifest → trace root, conformance,
//! a beacon the validator pins, worker id, batched Groth16 verification, chain start, continuity
//! and gaps), computes what the samples catch itself ([`detection`]), loads keys with validation
//! ([`keys`]), exports bundles for snarkjs ([`snarkjs`]), and checks that this build's integer
//! reference reproduces the golden vectors ([`check_vectors`]). [`solidity`] renders the on-chain
//! verifier and step registry and encodes their calldata. [`cli`] is the exit policy and output
//! both binaries share.

pub mod audit;
pub mod bundle;
pub mod cli;
pub mod detection;
pub mod files;
pub mod infer;
pub mod keys;
pub mod registry;
pub mod snarkjs;
pub mod solidity;
pub mod verify;
use serde::Deserialize;
use spotproof_core::vectors::{self, CommitVector, HashVector, OpVector, StepVector, TraceVector};
use spotproof_core::{commit, step};
use std::path::{Path, PathBuf};

/// Why the validator could not do its job (as opposed to a vector that does not replay).
#[derive(Debug, thiserror::Error)]
pub enum VerifierError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A vector file is not valid JSON of the expected shape.
    #[error("{path}: not a spotproof vector: {source}")]
    Parse {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
    /// A vector of a format version this build does not know.
    #[error("{path}: vector version {got}, this build reads version {expected}")]
    Version {
        /// The path.
        path: PathBuf,
        /// Its version.
        got: u32,
        /// Ours.
        expected: u32,
    },
    /// The directory holds no vectors.
    #[error("{0}: no vector files found")]
    Empty(PathBuf),
}

/// The outcome of replaying one vector file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VectorCheck {
    /// The file.
    pub path: PathBuf,
    /// The op (or "step").
    pub op: String,
    /// `None` if the reference reproduced every output, else what differed.
    pub mismatch: Option<String>,
}

#[derive(Deserialize)]
struct Versioned {
    version: u32,
}

/// Replays every `*.json` vector under `dir` (one level of op folders) through the core reference.
pub fn check_vectors(dir: &Path) -> Result<Vec<VectorCheck>, VerifierError> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_at(dir))? {
        let sub = entry.map_err(io_at(dir))?.path();
        if sub.is_dir() {
            for f in std::fs::read_dir(&sub).map_err(io_at(&sub))? {
                let f = f.map_err(io_at(&sub))?.path();
                if f.extension().is_some_and(|e| e == "json") {
                    files.push(f);
                }
            }
        }
    }
    if files.is_empty() {
        return Err(VerifierError::Empty(dir.to_path_buf()));
    }
    files.sort();
    files.iter().map(|f| check_file(f)).collect()
}

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> VerifierError {
    let path = path.to_path_buf();
    move |source| VerifierError::Io { path, source }
}

fn check_file(path: &Path) -> Result<VectorCheck, VerifierError> {
    let text = std::fs::read_to_string(path).map_err(|source| VerifierError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let parse = |source| VerifierError::Parse {
        path: path.to_path_buf(),
        source,
    };
    let v: Versioned = serde_json::from_str(&text).map_err(parse)?;
    if v.version != vectors::VERSION {
        return Err(VerifierError::Version {
            path: path.to_path_buf(),
            got: v.version,
            expected: vectors::VERSION,
        });
    }
    let folder = path
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let (op, mismatch) = if folder == "hash" {
        let v: HashVector = serde_json::from_str(&text).map_err(parse)?;
        let replays = v.permutations.iter().all(|case| {
            let mut x = case.input;
            spotproof_core::poseidon2::permute(&mut x);
            x == case.output
        });
        let mismatch = if v != vectors::hash_vector() {
            Some("a hash parameter or constant differs".to_string())
        } else if !replays {
            Some("a permutation differs".to_string())
        } else {
            None
        };
        ("hash".to_string(), mismatch)
    } else if folder == "commit" {
        let v: CommitVector = serde_json::from_str(&text).map_err(parse)?;
        let hashes_ok = v.hashes.iter().all(|(inputs, out)| {
            let xs: Vec<_> = inputs.iter().map(|&x| commit::fe(x)).collect();
            &commit::hash(&xs) == out
        });
        let tensors_ok = v.tensors.iter().all(|t| {
            vectors::commit_example(t.header, t.values.clone())
                .ok()
                .as_ref()
                == Some(t)
        });
        let mismatch = match (hashes_ok, tensors_ok) {
            (true, true) => None,
            (false, _) => Some("a sponge hash differs".to_string()),
            (true, false) => Some("a tensor commitment differs".to_string()),
        };
        ("commit".to_string(), mismatch)
    } else if folder == "step" {
        let v: StepVector = serde_json::from_str(&text).map_err(parse)?;
        let mut model = v.model.clone();
        let mismatch = match step::train_step(&mut model, &v.dataset(), &v.indices) {
            Ok(t) if t == v.tensors => None,
            Ok(_) => Some("the step's tensors differ".to_string()),
            Err(e) => Some(format!("the reference rejects the inputs: {e}")),
        };
        ("step".to_string(), mismatch)
    } else if folder == "trace" {
        let v: TraceVector = serde_json::from_str(&text).map_err(parse)?;
        let mismatch = match vectors::trace_outputs(&v.inputs) {
            Ok(out) if out == v.outputs => None,
            Ok(_) => Some("a derived value of the committed step differs".to_string()),
            Err(e) => Some(format!("the reference rejects the inputs: {e}")),
        };
        ("trace".to_string(), mismatch)
    } else if folder == "run" {
        let v: vectors::RunVector = serde_json::from_str(&text).map_err(parse)?;
        let mismatch = match vectors::run_outputs(&v.inputs) {
            Some(out) if out == v.outputs => None,
            Some(_) => Some("a run-layer hash differs".to_string()),
            None => Some("the challenge size does not fit the run".to_string()),
        };
        ("run".to_string(), mismatch)
    } else if folder == "infer" {
        let v: vectors::InferVector = serde_json::from_str(&text).map_err(parse)?;
        let mismatch = match vectors::infer_outputs(&v.inputs) {
            Ok(out) if out == v.outputs => None,
            Ok(_) => Some("a derived value of the committed inference differs".to_string()),
            Err(e) => Some(format!("the reference rejects the inputs: {e}")),
        };
        ("infer".to_string(), mismatch)
    } else {
        let v: OpVector = serde_json::from_str(&text).map_err(parse)?;
        let mismatch = match vectors::evaluate(&v) {
            Ok(out) if out == v.outputs => None,
            Ok(out) => {
                let names: Vec<&String> = out
                    .keys()
                    .filter(|k| out.get(*k) != v.outputs.get(*k))
                    .collect();
                Some(format!("outputs {names:?} differ"))
            }
            Err(e) => Some(format!("the reference rejects the inputs: {e}")),
        };
        (v.op.name().to_string(), mismatch)
    };
    Ok(VectorCheck {
        path: path.to_path_buf(),
        op,
        mismatch,
    })
}
