//! Groth16/BN254 proofs, verifying keys and public inputs in snarkjs's JSON files, so that
//! `snarkjs groth16 verify verification_key.json public.json proof.json` — an implementation that
//! shares no code with arkworks — can check what we prove.
//!
//! The layout is what snarkjs 0.7's `zkey export verificationkey` and `groth16 prove` write:
//! - field elements are canonical integers (not Montgomery form) as decimal strings;
//! - points are projective with `z = 1`: G1 is `[x, y, "1"]`;
//! - an Fq2 element `c0 + c1·u` is `[c0, c1]`, real part first (ffjavascript's `F2.toObject`), so
//!   G2 is `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`. The swapped `[c1, c0]` order belongs to the
//!   EIP-197 precompile and snarkjs's Solidity verifier, not to these files;
//! - the point at infinity is snarkjs's `[0, 1, 0]` (with Fq2 zero and one for G2);
//! - `vk_alphabeta_12` is e(α, β) in the tower Fq12 = Fq6[w], Fq6 = Fq2[v], nested as
//!   `[[c0.c0, c0.c1, c0.c2], [c1.c0, c1.c1, c1.c2]]` with each entry an Fq2 pair. snarkjs's
//!   verifier recomputes the pairing and ignores this field, but other consumers read it.

use ark_bn254::{Bn254, Fq2, Fq12, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ec::pairing::Pairing;
use ark_ff::{AdditiveGroup, Field, PrimeField};
use ark_groth16::{Proof, VerifyingKey};
use serde_json::{Value, json};
use std::io;
use std::path::Path;

/// snarkjs's `verification_key.json` for `vk`: protocol, curve, `nPublic`, the four key points,
/// e(α, β) as `vk_alphabeta_12`, and `IC` (arkworks' `gamma_abc_g1`, constant term first).
pub fn verification_key(vk: &VerifyingKey<Bn254>) -> Value {
    let alpha_beta = Bn254::pairing(vk.alpha_g1, vk.beta_g2).0;
    json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.gamma_abc_g1.len().saturating_sub(1),
        "vk_alpha_1": g1(&vk.alpha_g1),
        "vk_beta_2": g2(&vk.beta_g2),
        "vk_gamma_2": g2(&vk.gamma_g2),
        "vk_delta_2": g2(&vk.delta_g2),
        "vk_alphabeta_12": fq12(&alpha_beta),
        "IC": vk.gamma_abc_g1.iter().map(g1).collect::<Vec<_>>(),
    })
}

/// snarkjs's `proof.json` for `p`: `pi_a` (G1), `pi_b` (G2), `pi_c` (G1), protocol and curve.
pub fn proof(p: &Proof<Bn254>) -> Value {
    json!({
        "pi_a": g1(&p.a),
        "pi_b": g2(&p.b),
        "pi_c": g1(&p.c),
        "protocol": "groth16",
        "curve": "bn128",
    })
}

/// snarkjs's `public.json`: the public inputs, in circuit order, as decimal strings.
pub fn public_inputs(inputs: &[Fr]) -> Value {
    Value::Array(inputs.iter().map(|x| Value::String(dec(x))).collect())
}

/// Writes `proof.json`, `public.json` and `verification_key.json` into the existing directory
/// `dir`, each atomically: a reader sees the old file or the whole new one, never a torn write.
///
/// # Errors
/// `InvalidInput` if `inputs` does not have the key's `nPublic` entries (snarkjs would verify
/// against a different statement); otherwise whatever creating, writing or renaming a file fails
/// with.
pub fn write_dir(
    dir: &Path,
    vk: &VerifyingKey<Bn254>,
    p: &Proof<Bn254>,
    inputs: &[Fr],
) -> io::Result<()> {
    let expected = vk.gamma_abc_g1.len().saturating_sub(1);
    if inputs.len() != expected {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} public inputs for a verifying key with nPublic = {expected}",
                inputs.len()
            ),
        ));
    }
    write_json_atomic(dir, "verification_key.json", &verification_key(vk))?;
    write_json_atomic(dir, "public.json", &public_inputs(inputs))?;
    write_json_atomic(dir, "proof.json", &proof(p))
}

/// Writes `value` as pretty JSON to `dir/name`, atomically.
fn write_json_atomic(dir: &Path, name: &str, value: &Value) -> io::Result<()> {
    let mut text = serde_json::to_vec_pretty(value)?;
    text.push(b'\n');
    crate::files::write_atomic(&dir.join(name), &text)
}

/// The canonical integer of a prime-field element, in decimal.
pub(crate) fn dec<F: PrimeField>(x: &F) -> String {
    x.into_bigint().to_string()
}

fn fq2(x: &Fq2) -> Value {
    json!([dec(&x.c0), dec(&x.c1)])
}

fn g1(p: &G1Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([dec(&x), dec(&y), "1"]),
        None => json!(["0", "1", "0"]),
    }
}

fn g2(p: &G2Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([fq2(&x), fq2(&y), fq2(&Fq2::ONE)]),
        None => json!([fq2(&Fq2::ZERO), fq2(&Fq2::ONE), fq2(&Fq2::ZERO)]),
    }
}

fn fq12(x: &Fq12) -> Value {
    let fq6 = |c: &ark_bn254::Fq6| json!([fq2(&c.c0), fq2(&c.c1), fq2(&c.c2)]);
    json!([fq6(&x.c0), fq6(&x.c1)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::PrimeGroup;

    /// snarkjs 0.7.6 (ffjavascript 0.3.1) printing the generators and e(G1, G2) with
    /// `G1.toObject`, `G2.toObject` and `Gt.toObject`: pins the Fq2 order and the Fq12 nesting
    /// independently of snarkjs's verifier, which never reads `vk_alphabeta_12`.
    #[test]
    fn generators_and_pairing_match_snarkjs() {
        let g1g = G1Affine::generator();
        let g2g = G2Affine::generator();
        assert_eq!(g1(&g1g), json!(["1", "2", "1"]));
        assert_eq!(
            g2(&g2g),
            json!([
                [
                    "10857046999023057135944570762232829481370756359578518086990519993285655852781",
                    "11559732032986387107991004021392285783925812861821192530917403151452391805634"
                ],
                [
                    "8495653923123431417604973247489272438418190587263600148770280649306958101930",
                    "4082367875863433681332203403145435568316851327593401208105741076214120093531"
                ],
                ["1", "0"]
            ])
        );
        let e = Bn254::pairing(ark_bn254::G1Projective::generator(), g2g).0;
        assert_eq!(
            fq12(&e),
            json!([
                [
                    [
                        "17264119758069723980713015158403419364912226240334615592005620718956030922389",
                        "1300711225518851207585954685848229181392358478699795190245709208408267917898"
                    ],
                    [
                        "8894217292938489450175280157304813535227569267786222825147475294561798790624",
                        "1829859855596098509359522796979920150769875799037311140071969971193843357227"
                    ],
                    [
                        "4968700049505451466697923764727215585075098085662966862137174841375779106779",
                        "12814315002058128940449527172080950701976819591738376253772993495204862218736"
                    ]
                ],
                [
                    [
                        "4233474252585134102088637248223601499779641130562251948384759786370563844606",
                        "9420544134055737381096389798327244442442230840902787283326002357297404128074"
                    ],
                    [
                        "13457906610892676317612909831857663099224588803620954529514857102808143524905",
                        "5122435115068592725432309312491733755581898052459744089947319066829791570839"
                    ],
                    [
                        "8891987925005301465158626530377582234132838601606565363865129986128301774627",
                        "440796048150724096437130979851431985500142692666486515369083499585648077975"
                    ]
                ]
            ])
        );
    }

    #[test]
    fn infinity_is_snarkjs_zero() {
        assert_eq!(g1(&G1Affine::zero()), json!(["0", "1", "0"]));
        assert_eq!(
            g2(&G2Affine::zero()),
            json!([["0", "0"], ["1", "0"], ["0", "0"]])
        );
    }
}
