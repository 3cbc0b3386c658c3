//! The proof bundle: a versioned JSON manifest of one proven step plus its 256-byte proof.
//!
//! Everything a validator needs is in it: the model configuration (so the layout can be checked
//! against the architecture), the header, every tensor's role, shape and Merkle root, the op
//! table, the trace root, the beacon and where the worker says it came from (a label: the
//! validator decides what pins it), the worker id, the verifying key's hash, and the proof
//! (`A ‖ B ‖ C`, arkworks' uncompressed encoding: 64 + 128 + 64 bytes).

use ark_bn254::{Bn254, Fr};
use ark_groth16::Proof;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use serde::{Deserialize, Serialize};
use spotproof_core::commit::fr_hex;
use spotproof_core::model::ModelConfig;
use spotproof_core::trace::{Manifest, Work};
use std::path::{Path, PathBuf};

/// The bundle format this build writes and reads: 4 is protocol v2 (Poseidon2 commitments, so
/// every root of an older bundle differs); 3 dropped the worker's own detection figures (the
/// validator computes them, `crate::detection`) and spelled op kinds by their name (`"gather"`;
/// schema 2 wrote `"Gather"`); 2 packed the challenge.
pub const SCHEMA: u32 = 4;
/// Public inputs of the step circuit: trace root and `worker + 2^160 · beacon`.
pub const PUBLIC_INPUTS: usize = 2;
/// Bytes of an encoded proof.
pub const PROOF_BYTES: usize = 256;

/// Where the worker says the beacon came from. A label only: `verify` accepts a beacon that the
/// validator pinned (`--beacon`, `--block-hash`) or that is the Fiat–Shamir beacon of the root,
/// whatever the label says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BeaconSource {
    /// `hash(11, trace_root) mod 2^93`: offline, checkable by anyone (grinding bound in the paper).
    FiatShamir,
    /// Given from outside after the commitment (a validator, a block hash).
    External,
}

/// A proven step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    /// Format version ([`SCHEMA`]).
    pub schema: u32,
    /// Circuit class.
    pub class: String,
    /// SHA-256 of the verifying key it was proven under (`keys::vk_hash`).
    pub vk_hash: String,
    /// The model configuration.
    pub model: ModelConfig,
    /// The header, the tensor table and the op table.
    #[serde(flatten)]
    pub manifest: Manifest,
    /// The trace root.
    #[serde(with = "fr_hex")]
    pub trace_root: Fr,
    /// The beacon.
    #[serde(with = "fr_hex")]
    pub beacon: Fr,
    /// Where it came from.
    pub beacon_source: BeaconSource,
    /// The worker id, an address (public through the challenge; must be the header's).
    #[serde(with = "fr_hex")]
    pub worker: Fr,
    /// Samples proven.
    pub samples: usize,
    /// What the proof checks, as the worker computed it: for readers only (the validator
    /// computes its own from the manifest, the root, the beacon and the key's class), so it may
    /// be left out.
    #[serde(default)]
    pub checked: Work,
    /// The proof, hex.
    pub proof: String,
}

/// Why a bundle file cannot be read (as opposed to a bundle that is rejected).
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// Not readable.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not JSON (truncated, malformed).
    #[error("{path}: not a spotproof bundle: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
    /// A schema version this build does not read.
    #[error("{path}: bundle schema {got}, this build reads schema {SCHEMA}")]
    Schema {
        /// The file.
        path: PathBuf,
        /// Its version.
        got: u32,
    },
    /// JSON, but a field is missing or not of its type (a field element that is not 64 hex
    /// digits below the modulus, say).
    #[error("{path}: field {field}: {source}")]
    Field {
        /// The file.
        path: PathBuf,
        /// Where in the bundle (`trace_root`, `tensors[3].merkle_root`).
        field: String,
        /// The cause.
        source: serde_json::Error,
    },
}

impl Bundle {
    /// Reads a bundle file: JSON of the schema this build reads, every field of its type (field
    /// elements canonical). Whether it verifies is `crate::verify`'s business.
    pub fn read(path: &Path) -> Result<Bundle, BundleError> {
        let text = std::fs::read(path).map_err(|source| BundleError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let schema: serde_json::Value =
            serde_json::from_slice(&text).map_err(|source| BundleError::Parse {
                path: path.to_path_buf(),
                source,
            })?;
        match schema.get("schema").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(SCHEMA) => {}
            Some(v) => {
                return Err(BundleError::Schema {
                    path: path.to_path_buf(),
                    got: u32::try_from(v).unwrap_or(u32::MAX),
                });
            }
            None => {}
        }
        serde_path_to_error::deserialize(schema).map_err(|e| BundleError::Field {
            path: path.to_path_buf(),
            field: e.path().to_string(),
            source: e.into_inner(),
        })
    }

    /// Writes the bundle as pretty JSON, atomically.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut text = serde_json::to_vec_pretty(self)?;
        text.push(b'\n');
        crate::files::write_atomic(path, &text)
    }

    /// The bundle of a proven step.
    #[allow(clippy::too_many_arguments)]
    pub fn of_trace(
        class: &spotproof_circuits::Class,
        vk_hash: &str,
        model: &ModelConfig,
        t: &spotproof_core::trace::Trace,
        beacon: Fr,
        beacon_source: BeaconSource,
        proof: &Proof<Bn254>,
    ) -> Bundle {
        let manifest = Manifest::of(t);
        let checked = manifest.work(&manifest.samples(t.root, beacon, &class.sampling()));
        Bundle {
            schema: SCHEMA,
            class: class.name.into(),
            vk_hash: vk_hash.into(),
            model: model.clone(),
            manifest,
            trace_root: t.root,
            beacon,
            beacon_source,
            worker: t.header.worker,
            samples: class.samples,
            checked,
            proof: proof_hex(proof),
        }
    }
}

/// A proof as hex of its 256-byte uncompressed encoding.
pub fn proof_hex(p: &Proof<Bn254>) -> String {
    let mut bytes = Vec::with_capacity(PROOF_BYTES);
    let _ = p.serialize_uncompressed(&mut bytes);
    hex::encode(bytes)
}

/// Why a bundle's `proof` is not a proof.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProofError {
    /// Not hex.
    #[error("not hex: {0}")]
    Hex(#[from] hex::FromHexError),
    /// Not 256 bytes.
    #[error("{0} bytes, expected {PROOF_BYTES}")]
    Length(usize),
    /// Points that are not on the curve or not in their subgroup.
    #[error("not a valid proof encoding: a point is not on the curve or not in its subgroup")]
    Encoding,
}

// `hex::FromHexError` compares totally (characters and indices) but does not say so.
impl Eq for ProofError {}

/// Decodes a proof, checking every point (on the curve, in the subgroup).
pub fn proof_from_hex(s: &str) -> Result<Proof<Bn254>, ProofError> {
    let bytes = hex::decode(s)?;
    if bytes.len() != PROOF_BYTES {
        return Err(ProofError::Length(bytes.len()));
    }
    Proof::deserialize_with_mode(&bytes[..], Compress::No, Validate::Yes)
        .map_err(|_| ProofError::Encoding)
}
