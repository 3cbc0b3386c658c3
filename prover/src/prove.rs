//! Keys, proofs and bundles: the worker's side of the step circuit.
//!
//! Setup is per class and single-party (whoever runs it could forge proofs for that key; see
//! `papers/protocol.md` §10 for what a ceremony changes). Keys are written once and never
//! regenerated silently. A proof is checked against the verifying key before its bundle is
//! written.

use crate::error::{Result, WorkerError};
use ark_bn254::{Bn254, Fr};
use ark_groth16::ProvingKey;
use spotproof_circuits::Class;
use spotproof_core::model::ModelConfig;
use spotproof_core::trace::{self, Trace};
use spotproof_verifier::bundle::{BeaconSource, Bundle};
use spotproof_verifier::keys;
use std::path::{Path, PathBuf};
use std::time::Instant;

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
    let (pk_path, vk_path) = keys::paths(dir, class);
    if !force {
        if let Some(p) = [&pk_path, &vk_path].into_iter().find(|p| p.exists()) {
            return Err(WorkerError::Usage {
                arg: "--out",
                reason: format!(
                    "{} exists; keys are never regenerated silently (use --force)",
                    p.display()
                ),
            });
        }
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let pk = spotproof_circuits::setup(class, &mut rand::rngs::OsRng)?;
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
    beacon: Fr,
    source: BeaconSource,
) -> Result<Bundle> {
    let class = keys.class;
    class.check(model, t.tensors[0].header.rows, class.samples)?;
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

/// Proves a committed step under its Fiat–Shamir beacon and writes the bundle to `out`.
pub fn prove_offline(
    pk: &ProvingKey<Bn254>,
    keys: &KeyFiles,
    model: &ModelConfig,
    t: &Trace,
    out: &Path,
) -> Result<(Bundle, f64)> {
    let start = Instant::now();
    let b = prove_trace(
        pk,
        keys,
        model,
        t,
        trace::fiat_shamir_beacon(t.root),
        BeaconSource::FiatShamir,
    )?;
    let seconds = start.elapsed().as_secs_f64();
    b.write(out).map_err(io(out))?;
    Ok((b, seconds))
}
