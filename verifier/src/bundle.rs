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
use spotproof_core::commit::{DType, TensorHeader, from_hex, to_hex};
use spotproof_core::layout::{OpDesc, Role};
use spotproof_core::model::ModelConfig;
use spotproof_core::trace::Manifest;
use spotproof_core::trace::StepHeader;
use std::path::{Path, PathBuf};

/// The bundle format this build writes and reads: 3 since the worker's own detection figures
/// were dropped (the validator computes them, `crate::detection`) and op kinds are spelled by
/// their name (`"gather"`, as in the vectors; schema 2 wrote `"Gather"`); 2 packed the challenge.
pub const SCHEMA: u32 = 3;
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

/// The header, with field elements as hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderJson {
    /// Architecture id.
    pub arch_id: String,
    /// Step index.
    pub step: u64,
    /// Previous trace root.
    pub prev_root: String,
    /// Dataset root.
    pub dataset_root: String,
    /// Batch derivation seed.
    pub data_seed: u64,
    /// Worker id.
    pub worker: String,
}

/// One tensor of the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TensorJson {
    /// Its role (the tag derives from it).
    pub role: Role,
    /// Element type.
    pub dtype: DType,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Merkle root of its rows.
    pub merkle_root: String,
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
    /// The header.
    pub header: HeaderJson,
    /// The tensor table.
    pub tensors: Vec<TensorJson>,
    /// The op table.
    pub ops: Vec<OpDesc>,
    /// The trace root.
    pub trace_root: String,
    /// The beacon.
    pub beacon: String,
    /// Where it came from.
    pub beacon_source: BeaconSource,
    /// The worker id, an address (public through the challenge; must be the header's).
    pub worker: String,
    /// Samples proven.
    pub samples: usize,
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
    /// Not JSON of the bundle's shape (truncated, malformed).
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
    /// A field that is not a canonical field element in hex.
    #[error("{path}: field {field} is not 64 hex digits of a field element")]
    Field {
        /// The file.
        path: PathBuf,
        /// Which field.
        field: &'static str,
    },
}

/// A field element of the bundle.
fn fe(path: &Path, field: &'static str, s: &str) -> Result<Fr, BundleError> {
    from_hex(s).ok_or_else(|| BundleError::Field {
        path: path.to_path_buf(),
        field,
    })
}

/// The parsed field elements of a bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The manifest.
    pub manifest: Manifest,
    /// Trace root.
    pub root: Fr,
    /// Beacon.
    pub beacon: Fr,
    /// Worker id.
    pub worker: Fr,
}

impl Bundle {
    /// Reads a bundle file (JSON and schema only; see [`Bundle::parse`]).
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
        serde_json::from_value(schema).map_err(|source| BundleError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Writes the bundle as pretty JSON, atomically.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut text = serde_json::to_vec_pretty(self)?;
        text.push(b'\n');
        crate::files::write_atomic(path, &text)
    }

    /// The field elements and the manifest.
    pub fn parse(&self, path: &Path) -> Result<Parsed, BundleError> {
        let h = &self.header;
        let header = StepHeader {
            arch_id: fe(path, "header.arch_id", &h.arch_id)?,
            step: h.step,
            prev_root: fe(path, "header.prev_root", &h.prev_root)?,
            dataset_root: fe(path, "header.dataset_root", &h.dataset_root)?,
            data_seed: h.data_seed,
            worker: fe(path, "header.worker", &h.worker)?,
        };
        let tensors = self
            .tensors
            .iter()
            .map(|t| {
                Ok((
                    t.role,
                    TensorHeader {
                        tag: t.role.tag(),
                        dtype: t.dtype,
                        rows: t.rows,
                        cols: t.cols,
                    },
                    fe(path, "tensors[].merkle_root", &t.merkle_root)?,
                ))
            })
            .collect::<Result<_, BundleError>>()?;
        Ok(Parsed {
            manifest: Manifest {
                header,
                tensors,
                ops: self.ops.clone(),
            },
            root: fe(path, "trace_root", &self.trace_root)?,
            beacon: fe(path, "beacon", &self.beacon)?,
            worker: fe(path, "worker", &self.worker)?,
        })
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
        let m = Manifest::of(t);
        let (header, tensors) = Self::manifest_json(&m);
        Bundle {
            schema: SCHEMA,
            class: class.name.into(),
            vk_hash: vk_hash.into(),
            model: model.clone(),
            header,
            tensors,
            ops: m.ops,
            trace_root: to_hex(&t.root),
            beacon: to_hex(&beacon),
            beacon_source,
            worker: to_hex(&t.header.worker),
            samples: class.samples,
            proof: proof_hex(proof),
        }
    }

    /// The manifest's JSON form.
    pub fn manifest_json(m: &Manifest) -> (HeaderJson, Vec<TensorJson>) {
        let h = &m.header;
        (
            HeaderJson {
                arch_id: to_hex(&h.arch_id),
                step: h.step,
                prev_root: to_hex(&h.prev_root),
                dataset_root: to_hex(&h.dataset_root),
                data_seed: h.data_seed,
                worker: to_hex(&h.worker),
            },
            m.tensors
                .iter()
                .map(|(role, t, root)| TensorJson {
                    role: *role,
                    dtype: t.dtype,
                    rows: t.rows,
                    cols: t.cols,
                    merkle_root: to_hex(root),
                })
                .collect(),
        )
    }
}

/// A proof as hex of its 256-byte uncompressed encoding.
pub fn proof_hex(p: &Proof<Bn254>) -> String {
    let mut bytes = Vec::with_capacity(PROOF_BYTES);
    let _ = p.serialize_uncompressed(&mut bytes);
    hex::encode(bytes)
}

/// Decodes a proof, checking every point (on the curve, in the subgroup).
pub fn proof_from_hex(s: &str) -> Result<Proof<Bn254>, String> {
    let bytes = hex::decode(s).map_err(|e| format!("not hex: {e}"))?;
    if bytes.len() != PROOF_BYTES {
        return Err(format!("{} bytes, expected {PROOF_BYTES}", bytes.len()));
    }
    Proof::deserialize_with_mode(&bytes[..], Compress::No, Validate::Yes)
        .map_err(|e| format!("not a valid proof encoding: {e}"))
}
