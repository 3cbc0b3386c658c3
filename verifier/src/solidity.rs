//! On-chain verification: the Solidity verifier rendered from a verifying key, the
//! `StepRegistry` contract that extends it, and the ABI calldata of the registry's calls.
//!
//! EVM encoding (EIP-196/197): every coordinate is a 32-byte big-endian integer below the base
//! field modulus; a G2 coordinate `c0 + c1·u` is written imaginary part first, `[c1, c0]` (the
//! opposite of snarkjs's JSON files, see [`crate::snarkjs`]); the point at infinity is all zeros.
//! A proof is eight words `A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y`.
//!
//! The function selectors below are the first four bytes of Keccak-256 of each signature; the
//! contract tests compare them with what solc reports for the compiled contracts.

use crate::bundle::{BeaconSource, Bundle, proof_from_hex};
use crate::files::write_atomic;
use crate::keys::Vk;
use crate::snarkjs::dec;
use crate::verify::{BeaconPin, Policy, Rejection, VerifyError, verify_bundles};
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInteger, PrimeField};
use ark_groth16::Proof;
use spotproof_core::ids::WorkerId;
use std::io;
use std::path::{Path, PathBuf};

/// File name of the rendered verifier.
pub const VERIFIER_FILE: &str = "SpotproofVerifier.sol";
/// File name of the registry.
pub const REGISTRY_FILE: &str = "StepRegistry.sol";
/// The registry's source: the same for every class (it inherits the rendered verifier).
pub const REGISTRY_SOURCE: &str = include_str!("../contracts/StepRegistry.sol");
const VERIFIER_TEMPLATE: &str = include_str!("../contracts/SpotproofVerifier.sol.in");

/// `commit(uint256)`.
pub const COMMIT_SELECTOR: [u8; 4] = [0xf4, 0xf9, 0x8a, 0xd5];
/// `prove(uint256,uint256[8])`.
pub const PROVE_SELECTOR: [u8; 4] = [0xe4, 0x2c, 0xfb, 0xf0];
/// `verifyProof(uint256[8],uint256[2])`.
pub const VERIFY_PROOF_SELECTOR: [u8; 4] = [0x5f, 0xe2, 0x4f, 0x23];
/// Bytes of the registry's `prove` calldata: selector, root, eight proof words.
pub const PROVE_CALLDATA_BYTES: usize = 4 + 32 * 9;

/// A 32-byte ABI word.
pub type Word = [u8; 32];

/// A prime-field element as a big-endian word.
pub fn word<F: PrimeField>(x: &F) -> Word {
    let mut w = [0u8; 32];
    let be = x.into_bigint().to_bytes_be();
    w[32 - be.len()..].copy_from_slice(&be);
    w
}

fn g1_coords(p: &G1Affine) -> [Fq; 2] {
    p.xy().map_or([Fq::from(0u8); 2], |(x, y)| [x, y])
}

/// `[x.c1, x.c0, y.c1, y.c0]`, the precompile's order.
fn g2_coords(p: &G2Affine) -> [Fq; 4] {
    let zero = Fq2::from(0u8);
    let (x, y) = p.xy().unwrap_or((zero, zero));
    [x.c1, x.c0, y.c1, y.c0]
}

/// A proof as the eight words the verifier and the registry take.
pub fn proof_words(p: &Proof<Bn254>) -> [Word; 8] {
    let [ax, ay] = g1_coords(&p.a);
    let [b0, b1, b2, b3] = g2_coords(&p.b);
    let [cx, cy] = g1_coords(&p.c);
    [ax, ay, b0, b1, b2, b3, cx, cy].map(|c| word(&c))
}

fn calldata(selector: [u8; 4], words: &[Word]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 32 * words.len());
    out.extend_from_slice(&selector);
    for w in words {
        out.extend_from_slice(w);
    }
    out
}

/// The registry's `commit(root)` call.
pub fn commit_calldata(root: &Fr) -> Vec<u8> {
    calldata(COMMIT_SELECTOR, &[word(root)])
}

/// The registry's `prove(root, proof)` call ([`PROVE_CALLDATA_BYTES`] bytes).
pub fn prove_calldata(root: &Fr, p: &Proof<Bn254>) -> Vec<u8> {
    let mut words = vec![word(root)];
    words.extend(proof_words(p));
    calldata(PROVE_SELECTOR, &words)
}

/// The verifier's `verifyProof(proof, [root, challenge])` call.
pub fn verify_proof_calldata(p: &Proof<Bn254>, inputs: &[Fr; 2]) -> Vec<u8> {
    let mut words = proof_words(p).to_vec();
    words.extend(inputs.iter().map(word));
    calldata(VERIFY_PROOF_SELECTOR, &words)
}

/// A bundle's calls to the registry, checked off chain first.
#[derive(Clone, Debug)]
pub struct RegistryCalls {
    /// The worker's address (the sender of both calls).
    pub worker: [u8; 20],
    /// The trace root.
    pub root: Fr,
    /// The beacon it was proven under (the registry derives it from the beacon block's hash).
    pub beacon: Fr,
    /// `commit(root)`.
    pub commit: Vec<u8>,
    /// `prove(root, proof)`.
    pub prove: Vec<u8>,
}

/// Checks a bundle as the validator does (manifest, root, conformance, chain start, proof) plus
/// what the registry needs — a beacon received after the commitment (the registry recomputes it
/// from the beacon block, so the bundle's own is taken here) and a worker id that is an address —
/// and encodes its registry calls. `vk` must be the bundle's key ([`crate::keys::for_bundle`]).
///
/// # Errors
/// A usage error when the bundle cannot be read or is not of `vk`'s class and key; `Ok(Err(_))`
/// when the registry would refuse it.
pub fn registry_calls(
    path: &Path,
    bundle: &Bundle,
    vk: &Vk,
) -> Result<Result<RegistryCalls, Rejection>, VerifyError> {
    let p = bundle;
    if bundle.beacon_source == BeaconSource::FiatShamir {
        return Ok(Err(Rejection::NotABlockBeacon));
    }
    let Some(worker) = WorkerId::new(p.worker) else {
        return Ok(Err(Rejection::WorkerNotAddress));
    };
    let policy = Policy {
        beacon: BeaconPin::Registry,
        roots: None,
        allow_gaps: false,
    };
    let report = verify_bundles(
        vk,
        &[(path.to_path_buf(), bundle.clone())],
        &policy,
        &mut rand::rngs::OsRng,
    )?;
    if let Some(Err(r)) = report.verdicts.into_iter().next().map(|v| v.result) {
        return Ok(Err(r));
    }
    let proof = match proof_from_hex(&bundle.proof) {
        Ok(p) => p,
        Err(e) => return Ok(Err(Rejection::ProofEncoding(e))),
    };
    Ok(Ok(RegistryCalls {
        worker: worker.address(),
        root: p.trace_root,
        beacon: p.beacon,
        commit: commit_calldata(&p.trace_root),
        prove: prove_calldata(&p.trace_root, &proof),
    }))
}

/// The verifier contract for `vk`: the template with the key's points as constants. The output
/// depends on the key only.
pub fn verifier_source(vk: &Vk) -> String {
    let k = vk.key();
    let mut key = String::new();
    let mut constant = |name: String, value: &Fq| {
        key.push_str(&format!(
            "    uint256 internal constant {name} =\n        {};\n",
            dec(value)
        ));
    };
    let g1 = |name: &str, p: &G1Affine, constant: &mut dyn FnMut(String, &Fq)| {
        let [x, y] = g1_coords(p);
        constant(format!("{name}_X"), &x);
        constant(format!("{name}_Y"), &y);
    };
    let g2 = |name: &str, p: &G2Affine, constant: &mut dyn FnMut(String, &Fq)| {
        let [x1, x0, y1, y0] = g2_coords(p);
        constant(format!("{name}_X1"), &x1);
        constant(format!("{name}_X0"), &x0);
        constant(format!("{name}_Y1"), &y1);
        constant(format!("{name}_Y0"), &y0);
    };
    g1("ALPHA", &k.alpha_g1, &mut constant);
    g2("BETA", &k.beta_g2, &mut constant);
    g2("GAMMA", &k.gamma_g2, &mut constant);
    g2("DELTA", &k.delta_g2, &mut constant);
    for (i, p) in k.gamma_abc_g1.iter().enumerate() {
        g1(&format!("IC{i}"), p, &mut constant);
    }
    VERIFIER_TEMPLATE
        .replace("{{CLASS}}", vk.class.name)
        .replace("{{VK_HASH}}", &vk.hash)
        .replace("{{KEY}}", &key)
}

/// Writes [`VERIFIER_FILE`] (rendered from `vk`), [`REGISTRY_FILE`], the run registry
/// ([`crate::registry::RUN_REGISTRY_FILE`], rendered for `vk`'s class) and the Poseidon2 contract
/// it calls ([`crate::registry::POSEIDON2_FILE`]) into `dir` (created if missing), each
/// atomically. Returns their paths.
///
/// # Errors
/// Whatever creating the directory or writing a file fails with.
pub fn write_contracts(dir: &Path, vk: &Vk) -> io::Result<Vec<PathBuf>> {
    use crate::registry::{
        POSEIDON2_FILE, RUN_REGISTRY_FILE, poseidon2_source, run_registry_source,
    };
    std::fs::create_dir_all(dir)?;
    let files = [
        (VERIFIER_FILE, verifier_source(vk)),
        (REGISTRY_FILE, REGISTRY_SOURCE.to_string()),
        (RUN_REGISTRY_FILE, run_registry_source(vk)),
        (POSEIDON2_FILE, poseidon2_source()),
    ];
    let mut paths = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        paths.push(path);
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g2_words_are_imaginary_part_first() {
        // EIP-197's test vector: the G2 generator as the precompile reads it.
        let g = G2Affine::generator();
        let coords = g2_coords(&g).map(|c| dec(&c));
        assert_eq!(
            coords,
            [
                "11559732032986387107991004021392285783925812861821192530917403151452391805634",
                "10857046999023057135944570762232829481370756359578518086990519993285655852781",
                "4082367875863433681332203403145435568316851327593401208105741076214120093531",
                "8495653923123431417604973247489272438418190587263600148770280649306958101930",
            ]
        );
    }

    #[test]
    fn words_are_big_endian() {
        let w = word(&Fr::from(0x0102u64));
        assert_eq!(&w[30..], &[1, 2]);
        assert!(w[..30].iter().all(|&b| b == 0));
    }
}
