//! Keys, proofs and bundles: the worker's side of the step circuit.
//!
//! Setup is per class and single-party (whoever runs it could forge proofs for that key; see
//! `papers/protocol.md` §10 for what a ceremony changes). Keys are written once and never
//! regenerated silently. A proof is checked against the verifying key before its bundle is
//! written.

use crate::error::{Result, WorkerError};
use ark_bn254::Bn254;
use ark_groth16::ProvingKey;
use spotproof_circuits::Class;
use spotproof_core::ids::Beacon;
use spotproof_core::model::ModelConfig;
use spotproof_core::sampling;
use spotproof_core::trace::{self, Trace};
use spotproof_verifier::bundle::{BeaconSource, Bundle};
use spotproof_verifier::keys;
use std::path::{Path, PathBuf};

/// The key files of a class and their hashes.
#[derive(Clone, Debug)]
pub struct KeyFiles {
    /// The class.
    pub class: Class,
    /// Proving key file.
    pub pk: PathBuf,
    /// Verifying key file.
    pub vk: PathBuf,
    /// SHA-256 of the proving key file.
    pub pk_file_hash: String,
    /// `keys::vk_hash` of the verifying key.
    pub vk_hash: String,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WorkerError + '_ {
    move |source| WorkerError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Runs the setup of `class` and writes `DIR/<class>.pk` and `DIR/<class>.vk`. Refuses to
/// replace existing keys unless `force`. Returns the proving key too.
pub fn setup_keys(class: Class, dir: &Path, force: bool) -> Result<(ProvingKey<Bn254>, KeyFiles)> {
    refuse_overwrite(class, dir, force)?;
    let (pk, _) = crate::progress::spin(
        format!("setup of class {} (single-party)", class.name),
        || spotproof_circuits::setup(class, &mut rand::rngs::OsRng),
    );
    write_keys(class, dir, pk?)
}

/// Imports the final key of a multi-party ceremony (a snarkjs `.zkey` over the class's `.r1cs`,
/// `scripts/ceremony.sh`) as the class's keys in `dir`: refused unless it is the class's circuit
/// (`spotproof_circuits::ceremony::import_zkey`).
pub fn import_keys(
    class: Class,
    zkey: &Path,
    dir: &Path,
    force: bool,
) -> Result<(ProvingKey<Bn254>, KeyFiles)> {
    refuse_overwrite(class, dir, force)?;
    let bytes = std::fs::read(zkey).map_err(io(zkey))?;
    let pk = spotproof_circuits::ceremony::import_zkey(class, &bytes).map_err(|e| {
        WorkerError::Usage {
            arg: "--zkey",
            reason: format!("{}: {e}", zkey.display()),
        }
    })?;
    write_keys(class, dir, pk)
}

/// Keys are never regenerated silently.
fn refuse_overwrite(class: Class, dir: &Path, force: bool) -> Result<()> {
    let (pk_path, vk_path) = keys::paths(dir, class);
    if !force && let Some(p) = [&pk_path, &vk_path].into_iter().find(|p| p.exists()) {
        return Err(WorkerError::Usage {
            arg: "--out",
            reason: format!(
                "{} exists; keys are never regenerated silently (use --force)",
                p.display()
            ),
        });
    }
    Ok(())
}

/// Writes a class's proving and verifying key files (atomically) into `dir`.
fn write_keys(
    class: Class,
    dir: &Path,
    pk: ProvingKey<Bn254>,
) -> Result<(ProvingKey<Bn254>, KeyFiles)> {
    let (pk_path, vk_path) = keys::paths(dir, class);
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let pk_bytes = keys::encode(keys::PK_MAGIC, class, &pk);
    let vk_bytes = keys::encode(keys::VK_MAGIC, class, &pk.vk);
    spotproof_verifier::files::write_atomic(&pk_path, &pk_bytes).map_err(io(&pk_path))?;
    spotproof_verifier::files::write_atomic(&vk_path, &vk_bytes).map_err(io(&vk_path))?;
    let files = KeyFiles {
        class,
        pk: pk_path,
        vk: vk_path,
        pk_file_hash: keys::file_hash(&pk_bytes),
        vk_hash: keys::vk_hash(&pk.vk),
    };
    Ok((pk, files))
}

/// Loads (and validates) a class's proving key from a key directory.
pub fn load_pk(class: Class, dir: &Path) -> Result<(ProvingKey<Bn254>, KeyFiles)> {
    let (pk_path, vk_path) = keys::paths(dir, class);
    let (got, pk) = keys::read_pk(&pk_path)?;
    // The verifying key beside it must be this proving key's.
    let vk = keys::read_vk(&vk_path)?;
    if vk.hash != keys::vk_hash(&pk.vk) {
        return Err(WorkerError::Usage {
            arg: "--keys",
            reason: format!(
                "{} does not belong to {}",
                vk_path.display(),
                pk_path.display()
            ),
        });
    }
    if got != class {
        return Err(WorkerError::Usage {
            arg: "--keys",
            reason: format!(
                "{} is a key of class {}, not {}",
                pk_path.display(),
                got.name,
                class.name
            ),
        });
    }
    let bytes = std::fs::read(&pk_path).map_err(io(&pk_path))?;
    let vk_hash = keys::vk_hash(&pk.vk);
    Ok((
        pk,
        KeyFiles {
            class,
            pk: pk_path,
            vk: vk_path,
            pk_file_hash: keys::file_hash(&bytes),
            vk_hash,
        },
    ))
}

/// Proves the samples `beacon` selects in a committed step and returns the bundle (the proof
/// has been verified against the key's verifying key).
pub fn prove_trace(
    pk: &ProvingKey<Bn254>,
    keys: &KeyFiles,
    model: &ModelConfig,
    t: &Trace,
    beacon: Beacon,
    source: BeaconSource,
) -> Result<Bundle> {
    let class = keys.class;
    class.check(model, t.tensors[0].header.rows, class.samples)?;
    let beacon = beacon.fr();
    let w = spotproof_circuits::step_witness(class, t, beacon)?;
    let proof = spotproof_circuits::prove(pk, class, &w, &mut rand::rngs::OsRng)?;
    Ok(Bundle::of_trace(
        &class,
        &keys.vk_hash,
        model,
        t,
        beacon,
        source,
        &proof,
    ))
}

/// Proves a committed step from its trace file under a beacon received after the commitment (a
/// validator's, or a block hash's), with the class's keys from `keys`, and writes the bundle to
/// `out` atomically. Returns the bundle and the proving seconds.
pub fn prove_trace_file(
    trace: &Path,
    beacon: Beacon,
    keys: &Path,
    out: &Path,
) -> Result<(Bundle, f64)> {
    let file = TraceFile::read(trace)?;
    let t = file.recommit()?;
    let class = Class::smallest_for(
        &file.before.config,
        t.tensors[0].header.rows,
        sampling::default_samples(file.before.config.layers()),
    )?;
    let (pk, k) = load_pk(class, keys)?;
    let (b, seconds) = crate::progress::spin(
        format!("proving step {} ({} samples)", t.header.step, class.samples),
        || {
            prove_trace(
                &pk,
                &k,
                &file.before.config,
                &t,
                beacon,
                BeaconSource::External,
            )
        },
    );
    let b = b?;
    b.write(out).map_err(io(out))?;
    Ok((b, seconds))
}

/// Format version of a trace file: 2 is protocol v2 (Poseidon2 commitments).
pub const TRACE_SCHEMA: u32 = 2;

/// A committed step on disk, for the interactive flow (commit now, prove when the beacon
/// arrives): the run's configuration (to recommit the dataset), the model before the step and
/// every tensor of the step. Proving recommits it and checks the root.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TraceFile {
    /// [`TRACE_SCHEMA`].
    pub schema: u32,
    /// Dataset name (`digits`, `mnist10k`).
    pub dataset: String,
    /// Seed of the split and the initial weights.
    pub seed: u64,
    /// The header.
    pub header: trace::StepHeader,
    /// The trace root (the commitment published before the beacon).
    #[serde(with = "spotproof_core::commit::fr_hex")]
    pub trace_root: spotproof_core::commit::Fr,
    /// The model before the step.
    pub before: spotproof_core::model::Model,
    /// Every tensor of the step.
    pub tensors: spotproof_core::step::StepTensors,
}

impl TraceFile {
    /// Reads a trace file.
    pub fn read(path: &Path) -> Result<TraceFile> {
        let bytes = std::fs::read(path).map_err(io(path))?;
        let t: TraceFile = serde_json::from_slice(&bytes).map_err(|e| WorkerError::Usage {
            arg: "--trace",
            reason: format!("{}: not a spotproof trace file: {e}", path.display()),
        })?;
        if t.schema != TRACE_SCHEMA {
            return Err(WorkerError::Usage {
                arg: "--trace",
                reason: format!(
                    "{}: trace schema {}, this build reads {TRACE_SCHEMA}",
                    path.display(),
                    t.schema
                ),
            });
        }
        Ok(t)
    }

    /// Writes it atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        let bytes = serde_json::to_vec(self).map_err(|e| WorkerError::Usage {
            arg: "--out",
            reason: e.to_string(),
        })?;
        spotproof_verifier::files::write_atomic(path, &bytes).map_err(io(path))
    }

    /// Recommits the step (dataset from the configuration, then every tensor) and checks that it
    /// is the committed trace.
    pub fn recommit(&self) -> Result<Trace> {
        let bad = |reason: String| WorkerError::Usage {
            arg: "--trace",
            reason,
        };
        let spec: crate::train::DatasetSpec = self
            .dataset
            .parse()
            .map_err(|e: spotproof_core::CoreError| bad(e.to_string()))?;
        let cfg = crate::train::TrainConfig {
            dataset: spec,
            test: None,
            epochs: 1,
            batch: self.before.config.batch,
            hidden: self.before.config.widths[1..self.before.config.widths.len() - 1].to_vec(),
            seed: self.seed,
            device: crate::train::DeviceChoice::Cpu,
            hyper: self.before.config.hyper,
        };
        let (data, split, _) = crate::train::prepare(&cfg)?;
        let dataset = std::sync::Arc::new(trace::commit_dataset(&data, &split.train)?);
        let t = trace::commit_step(&self.before, &self.tensors, &dataset, self.header)?;
        if t.root != self.trace_root {
            return Err(bad(
                "the recommitted step does not have the file's trace root".into(),
            ));
        }
        Ok(t)
    }
}
