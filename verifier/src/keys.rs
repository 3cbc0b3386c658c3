//! Key files: a magic, the class name, then the arkworks key (uncompressed). Loading validates
//! every point (on the curve, in the prime-order subgroup) and the class; keys are never
//! regenerated behind the user's back (the worker's `setup` refuses to overwrite them).

use ark_bn254::Bn254;
use ark_groth16::{PreparedVerifyingKey, ProvingKey, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use sha2::{Digest, Sha256};
use spotproof_circuits::Class;
use std::path::{Path, PathBuf};

/// Magic of a verifying-key file.
/// Version 3: protocol v2 (the circuit hashes with Poseidon2); version 2 keys prove the
/// Poseidon circuit; version 1 keys had three public inputs.
pub const VK_MAGIC: &[u8; 8] = b"SPVK\0\0\0\x03";
/// Magic of a proving-key file. Version 4: the `H` query in snarkjs's basis
/// (`spotproof_circuits::qap`), so that keys from a ceremony and from `setup` prove alike;
/// version 3 as [`VK_MAGIC`].
pub const PK_MAGIC: &[u8; 8] = b"SPPK\0\0\0\x04";

/// Why a key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Not readable.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not a key file of this kind, truncated, or with invalid points.
    #[error("{path}: not a valid {kind} key file ({reason})")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// "verifying" or "proving".
        kind: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A class this build does not know.
    #[error("{path}: {source}")]
    Class {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: spotproof_circuits::ClassError,
    },
    /// The key is not the one a bundle was proven under.
    #[error("{0}")]
    NotTheBundles(Box<KeyMismatch>),
}

/// A key file that is not the key a bundle names.
#[derive(Debug, thiserror::Error)]
#[error(
    "{bundle}: the bundle was proven under {bundle_class} key {bundle_hash}, {path} is {class} key {hash}"
)]
pub struct KeyMismatch {
    /// The bundle.
    pub bundle: PathBuf,
    /// The bundle's class.
    pub bundle_class: String,
    /// The bundle's key hash.
    pub bundle_hash: String,
    /// The key file.
    pub path: PathBuf,
    /// The key's class.
    pub class: &'static str,
    /// The key's hash.
    pub hash: String,
}

/// A loaded verifying key with its class and hash.
#[derive(Clone, Debug)]
pub struct Vk {
    /// The class it was generated for.
    pub class: Class,
    /// [`vk_hash`] of the key.
    pub hash: String,
    /// The key prepared for pairings (`e(α, β)`, `−γ` and `−δ` lines), once per key; the key
    /// itself is [`Vk::key`].
    pub prepared: PreparedVerifyingKey<Bn254>,
}

impl Vk {
    /// A key of `class`, hashed and prepared.
    pub fn new(class: Class, key: VerifyingKey<Bn254>) -> Vk {
        Vk {
            class,
            hash: vk_hash(&key),
            prepared: ark_groth16::prepare_verifying_key(&key),
        }
    }

    /// The key.
    pub fn key(&self) -> &VerifyingKey<Bn254> {
        &self.prepared.vk
    }
}

/// SHA-256 of the key's canonical compressed encoding, hex: what bundles name their key by.
pub fn vk_hash(vk: &VerifyingKey<Bn254>) -> String {
    let mut bytes = Vec::new();
    // Serialising into a Vec cannot fail.
    let _ = vk.serialize_compressed(&mut bytes);
    hex::encode(Sha256::digest(&bytes))
}

/// SHA-256 of a file's bytes, hex.
pub fn file_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The bytes of a key file.
pub fn encode<K: CanonicalSerialize>(magic: &[u8; 8], class: Class, key: &K) -> Vec<u8> {
    let mut out = magic.to_vec();
    out.push(class.name.len() as u8);
    out.extend_from_slice(class.name.as_bytes());
    let _ = key.serialize_uncompressed(&mut out);
    out
}

fn decode<K: CanonicalDeserialize>(
    path: &Path,
    magic: &[u8; 8],
    kind: &'static str,
    bytes: &[u8],
    validate: Validate,
) -> Result<(Class, K), KeyError> {
    let bad = |reason: String| KeyError::Malformed {
        path: path.to_path_buf(),
        kind,
        reason,
    };
    let rest = bytes.strip_prefix(&magic[..]).ok_or_else(|| {
        match bytes.get(..8) {
            Some(m) if m[..7] == magic[..7] => bad(format!(
                "key format version {}, this build reads version {}: regenerate the keys (`spotproof-worker setup --force`)",
                m[7], magic[7]
            )),
            _ => bad("wrong magic".into()),
        }
    })?;
    let (&n, rest) = rest.split_first().ok_or_else(|| bad("truncated".into()))?;
    let name = rest
        .get(..usize::from(n))
        .and_then(|b| std::str::from_utf8(b).ok())
        .ok_or_else(|| bad("truncated class name".into()))?;
    let class = Class::by_name(name).map_err(|source| KeyError::Class {
        path: path.to_path_buf(),
        source,
    })?;
    let mut body = &rest[usize::from(n)..];
    let key = K::deserialize_with_mode(&mut body, Compress::No, validate)
        .map_err(|e| bad(e.to_string()))?;
    if !body.is_empty() {
        return Err(bad(format!("{} trailing bytes", body.len())));
    }
    Ok((class, key))
}

fn read(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path).map_err(|source| KeyError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Loads and validates a verifying-key file.
pub fn read_vk(path: &Path) -> Result<Vk, KeyError> {
    let (class, key): (Class, VerifyingKey<Bn254>) =
        decode(path, VK_MAGIC, "verifying", &read(path)?, Validate::Yes)?;
    if key.gamma_abc_g1.len() != 1 + crate::bundle::PUBLIC_INPUTS {
        return Err(KeyError::Malformed {
            path: path.to_path_buf(),
            kind: "verifying",
            reason: format!(
                "{} public inputs, expected {}",
                key.gamma_abc_g1.len().saturating_sub(1),
                crate::bundle::PUBLIC_INPUTS
            ),
        });
    }
    Ok(Vk::new(class, key))
}

/// Loads a proving-key file: its verifying key is fully validated (on the curve and in the
/// subgroup), every other point is checked to be on its curve. The G2 subgroup checks of the
/// query vectors are skipped (they take minutes for the larger classes): a proving key can only
/// ever make the worker's own proofs fail, and every proof is checked against the verifying key
/// before it is written.
pub fn read_pk(path: &Path) -> Result<(Class, ProvingKey<Bn254>), KeyError> {
    let (class, pk): (Class, ProvingKey<Bn254>) =
        decode(path, PK_MAGIC, "proving", &read(path)?, Validate::No)?;
    let bad = |reason: &str| KeyError::Malformed {
        path: path.to_path_buf(),
        kind: "proving",
        reason: reason.into(),
    };
    let mut vk_bytes = Vec::new();
    let _ = pk.vk.serialize_uncompressed(&mut vk_bytes);
    VerifyingKey::<Bn254>::deserialize_with_mode(&vk_bytes[..], Compress::No, Validate::Yes)
        .map_err(|_| bad("its verifying key has invalid points"))?;
    let g1 = [&pk.a_query, &pk.b_g1_query, &pk.h_query, &pk.l_query];
    let g1_ok = g1.iter().all(|v| v.iter().all(|p| p.is_on_curve()))
        && pk.beta_g1.is_on_curve()
        && pk.delta_g1.is_on_curve();
    if !g1_ok || !pk.b_g2_query.iter().all(|p| p.is_on_curve()) {
        return Err(bad("a point is not on its curve"));
    }
    Ok((class, pk))
}

/// Where a class's keys live in a key directory.
pub fn paths(dir: &Path, class: Class) -> (PathBuf, PathBuf) {
    (
        dir.join(format!("{}.pk", class.name)),
        dir.join(format!("{}.vk", class.name)),
    )
}

/// The verifying key of `bundle` (read from `path`): `vk` if given, else `<class>.vk` beside the
/// bundle or in `../keys/` — which must be the bundle's class and key.
pub fn for_bundle(
    path: &Path,
    bundle: &crate::bundle::Bundle,
    vk: Option<&Path>,
) -> Result<Vk, KeyError> {
    let vk_path = match vk {
        Some(v) => v.to_path_buf(),
        // The class names the file: only a class this build knows may.
        None => Class::by_name(&bundle.class)
            .map(|c| default_vk(path, c.name))
            .map_err(|source| KeyError::Class {
                path: path.to_path_buf(),
                source,
            })?,
    };
    let vk = read_vk(&vk_path)?;
    if vk.class.name != bundle.class || vk.hash != bundle.vk_hash {
        return Err(KeyError::NotTheBundles(Box::new(KeyMismatch {
            bundle: path.to_path_buf(),
            bundle_class: bundle.class.clone(),
            bundle_hash: bundle.vk_hash.clone(),
            path: vk_path,
            class: vk.class.name,
            hash: vk.hash,
        })));
    }
    Ok(vk)
}

/// `<class>.vk` beside a bundle, else in `../keys/` (the demo's layout).
fn default_vk(bundle: &Path, class: &str) -> PathBuf {
    let dir = bundle.parent().unwrap_or(Path::new("."));
    let name = format!("{class}.vk");
    let here = dir.join(&name);
    if here.exists() {
        here
    } else {
        dir.join("..").join("keys").join(name)
    }
}
