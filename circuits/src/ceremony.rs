//! Keys from a multi-party ceremony run with snarkjs (`scripts/ceremony.sh`): a class's constraint
//! system in iden3's `.r1cs` format for `snarkjs groth16 setup`, and the ceremony's final `.zkey`
//! read back as an arkworks proving key.
//!
//! The import refuses a key for another circuit: the zkey's header must have the class's
//! variables, public inputs and domain, and its coefficient section (the A and B matrices and
//! the public-input rows snarkjs adds) must be the class's own, entry for entry. The C matrix is
//! not in a zkey; that the key's points were made for it is what `snarkjs zkey verify` checks
//! against the exported `.r1cs` and the powers of tau (the script runs it before importing).
//! Keys made this way prove with the same prover as `setup`'s ([`crate::qap`]).

use crate::class::Class;
use crate::groth::{ProveError, Shape};
use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, BigInteger, PrimeField, Zero};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use rayon::prelude::*;
use std::collections::HashMap;

/// Why a zkey could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ZkeyError {
    /// Not a zkey, truncated, or with a section missing.
    #[error("not a Groth16 zkey: {0}")]
    Malformed(String),
    /// A zkey, but not of this class's circuit.
    #[error("the zkey is not of class {class}'s circuit: {reason}")]
    OtherCircuit {
        /// The class.
        class: &'static str,
        /// What differs.
        reason: String,
    },
    /// A point off its curve or out of its field.
    #[error("the zkey holds an invalid point in section {0}")]
    BadPoint(u32),
    /// The class's matrices could not be built.
    #[error(transparent)]
    Prove(#[from] ProveError),
}

const N8: usize = 32;

/// The class's constraint system as an iden3 `.r1cs` file (version 1): the header (field, wires,
/// 0 outputs, the public inputs, 0 private inputs, labels, constraints), every constraint's A, B
/// and C as `(wire, coefficient)` terms (coefficients little-endian, standard form), and the
/// identity wire-to-label map. Wire 0 is the constant one, wires 1 and 2 the public inputs (the
/// trace root and the challenge), then the witness in synthesis order.
pub fn r1cs(class: Class) -> Result<Vec<u8>, ProveError> {
    let s = crate::groth::matrices(class)?;
    let wires = s.num_inputs + s.num_witnesses;
    let mut header = Vec::new();
    header.extend((N8 as u32).to_le_bytes());
    header.extend(Fr::MODULUS.to_bytes_le());
    for v in [wires, 0, s.num_inputs - 1, 0] {
        header.extend((v as u32).to_le_bytes());
    }
    header.extend((wires as u64).to_le_bytes());
    header.extend((s.num_constraints as u32).to_le_bytes());
    let mut constraints = Vec::new();
    for c in 0..s.num_constraints {
        for m in &s.matrices[..3] {
            let row = &m[c];
            constraints.extend((row.len() as u32).to_le_bytes());
            for (coeff, col) in row {
                constraints.extend((*col as u32).to_le_bytes());
                constraints.extend(coeff.into_bigint().to_bytes_le());
            }
        }
    }
    let labels: Vec<u8> = (0..wires as u64).flat_map(u64::to_le_bytes).collect();
    let mut out = b"r1cs".to_vec();
    out.extend(1u32.to_le_bytes());
    out.extend(3u32.to_le_bytes());
    for (id, body) in [(1u32, header), (2, constraints), (3, labels)] {
        out.extend(id.to_le_bytes());
        out.extend((body.len() as u64).to_le_bytes());
        out.extend(body);
    }
    Ok(out)
}

/// A little-endian reader over one section.
struct Cursor<'a> {
    b: &'a [u8],
    id: u32,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ZkeyError> {
        if self.b.len() < n {
            return Err(ZkeyError::Malformed(format!(
                "section {} is truncated",
                self.id
            )));
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }
    fn u32(&mut self) -> Result<u32, ZkeyError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn limbs(&mut self) -> Result<[u64; 4], ZkeyError> {
        let b = self.take(N8)?;
        let mut l = [0u64; 4];
        for (i, x) in l.iter_mut().enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[8 * i..8 * i + 8]);
            *x = u64::from_le_bytes(w);
        }
        Ok(l)
    }
    /// A base-field element in Montgomery form (ffjavascript's and arkworks' `R = 2^256`).
    fn fq(&mut self) -> Result<Fq, ZkeyError> {
        let l = BigInt(self.limbs()?);
        if l >= Fq::MODULUS {
            return Err(ZkeyError::BadPoint(self.id));
        }
        Ok(Fq::new_unchecked(l))
    }
    fn g1(&mut self) -> Result<G1Affine, ZkeyError> {
        let (x, y) = (self.fq()?, self.fq()?);
        if x.is_zero() && y.is_zero() {
            return Ok(G1Affine::zero());
        }
        let p = G1Affine::new_unchecked(x, y);
        // BN254's G1 has cofactor 1: on the curve is in the group.
        p.is_on_curve()
            .then_some(p)
            .ok_or(ZkeyError::BadPoint(self.id))
    }
    fn g2(&mut self, subgroup: bool) -> Result<G2Affine, ZkeyError> {
        let x = Fq2::new(self.fq()?, self.fq()?);
        let y = Fq2::new(self.fq()?, self.fq()?);
        if x.is_zero() && y.is_zero() {
            return Ok(G2Affine::zero());
        }
        let p = G2Affine::new_unchecked(x, y);
        let ok = p.is_on_curve() && (!subgroup || p.is_in_correct_subgroup_assuming_on_curve());
        ok.then_some(p).ok_or(ZkeyError::BadPoint(self.id))
    }
    fn g1s(&mut self, n: usize) -> Result<Vec<G1Affine>, ZkeyError> {
        let bytes = self.take(n * 2 * N8)?;
        let id = self.id;
        bytes
            .par_chunks(2 * N8)
            .map(|b| Cursor { b, id }.g1())
            .collect()
    }
}

/// Reads a ceremony's final zkey (snarkjs, Groth16, BN254) as the proving key of `class`,
/// checking that it is the class's circuit (see the module documentation). The verifying key's
/// points are checked on their curves and in their groups, the others on their curves.
pub fn import_zkey(class: Class, bytes: &[u8]) -> Result<ProvingKey<Bn254>, ZkeyError> {
    let bad = |r: &str| ZkeyError::Malformed(r.to_string());
    let rest = bytes
        .strip_prefix(b"zkey")
        .ok_or_else(|| bad("wrong magic"))?;
    let mut top = Cursor { b: rest, id: 0 };
    if top.u32()? != 1 {
        return Err(bad("unknown zkey version"));
    }
    let n = top.u32()?;
    let mut sections: HashMap<u32, &[u8]> = HashMap::new();
    for _ in 0..n {
        let id = top.u32()?;
        let len = u64::from_le_bytes(top.take(8)?.try_into().map_err(|_| bad("truncated"))?);
        let body = top.take(usize::try_from(len).map_err(|_| bad("section too large"))?)?;
        if sections.insert(id, body).is_some() {
            return Err(bad(&format!("section {id} twice")));
        }
    }
    let section = |id: u32| -> Result<Cursor, ZkeyError> {
        sections
            .get(&id)
            .map(|b| Cursor { b, id })
            .ok_or_else(|| bad(&format!("no section {id}")))
    };
    if section(1)?.u32()? != 1 {
        return Err(bad("not a Groth16 key"));
    }
    let s = crate::groth::matrices(class)?;
    let other = |reason: String| ZkeyError::OtherCircuit {
        class: class.name,
        reason,
    };
    let mut h = section(2)?;
    if h.u32()? as usize != N8 || BigInt(h.limbs()?) != Fq::MODULUS {
        return Err(other("its base field is not BN254's".into()));
    }
    if h.u32()? as usize != N8 || BigInt(h.limbs()?) != Fr::MODULUS {
        return Err(other("its scalar field is not BN254's".into()));
    }
    let (vars, public, domain) = (h.u32()? as usize, h.u32()? as usize, h.u32()? as usize);
    let our_domain = GeneralEvaluationDomain::<Fr>::new(s.num_constraints + s.num_inputs)
        .map(|d| d.size())
        .unwrap_or(0);
    let ours = (s.num_inputs + s.num_witnesses, s.num_inputs - 1, our_domain);
    if (vars, public, domain) != ours {
        return Err(other(format!(
            "{vars} variables, {public} public inputs, domain {domain}; the class has {}, {}, {}",
            ours.0, ours.1, ours.2
        )));
    }
    let alpha_g1 = h.g1()?;
    let beta_g1 = h.g1()?;
    let beta_g2 = h.g2(true)?;
    let gamma_g2 = h.g2(true)?;
    let delta_g1 = h.g1()?;
    let delta_g2 = h.g2(true)?;
    check_coefficients(section(4)?, &s).map_err(other)?;
    let gamma_abc_g1 = section(3)?.g1s(public + 1)?;
    let a_query = section(5)?.g1s(vars)?;
    let b_g1_query = section(6)?.g1s(vars)?;
    let mut b2 = section(7)?;
    let bytes2 = b2.take(vars * 4 * N8)?;
    let b_g2_query = bytes2
        .par_chunks(4 * N8)
        .map(|b| Cursor { b, id: 7 }.g2(false))
        .collect::<Result<Vec<_>, _>>()?;
    let l_query = section(8)?.g1s(vars - public - 1)?;
    let h_query = section(9)?.g1s(domain)?;
    Ok(ProvingKey {
        vk: VerifyingKey {
            alpha_g1,
            beta_g2,
            gamma_g2,
            delta_g2,
            gamma_abc_g1,
        },
        beta_g1,
        delta_g1,
        a_query,
        b_g1_query,
        b_g2_query,
        h_query,
        l_query,
    })
}

/// The zkey's coefficient section against the class's A and B and the public-input rows
/// (`A[m + i]` holds wire `i` with 1): the same entries, in any order. Coefficients are stored
/// in Montgomery form of Montgomery form (`v·R²`).
fn check_coefficients(mut c: Cursor, s: &Shape) -> Result<(), String> {
    let n = c.u32().map_err(|e| e.to_string())? as usize;
    let mut got = Vec::with_capacity(n);
    for _ in 0..n {
        let mut e = || -> Result<(u32, u32, u32, Fr), ZkeyError> {
            let (m, k, w) = (c.u32()?, c.u32()?, c.u32()?);
            let mont = Fr::new_unchecked(BigInt(c.limbs()?)).into_bigint();
            Ok((m, k, w, Fr::new_unchecked(mont)))
        };
        got.push(e().map_err(|e| e.to_string())?);
    }
    let mut want = Vec::with_capacity(n);
    for (m, matrix) in s.matrices[..2].iter().enumerate() {
        for (k, row) in matrix.iter().enumerate() {
            for (coeff, col) in row {
                want.push((m as u32, k as u32, *col as u32, *coeff));
            }
        }
    }
    for i in 0..s.num_inputs {
        want.push((0, (s.num_constraints + i) as u32, i as u32, Fr::from(1u64)));
    }
    let key = |e: &(u32, u32, u32, Fr)| (e.0, e.1, e.2, e.3.into_bigint());
    got.par_sort_unstable_by_key(key);
    want.par_sort_unstable_by_key(key);
    if got.len() != want.len() {
        return Err(format!(
            "{} matrix entries, the class has {}",
            got.len(),
            want.len()
        ));
    }
    match got.iter().zip(&want).position(|(g, w)| g != w) {
        None => Ok(()),
        Some(i) => Err(format!(
            "matrix {} constraint {} differs from the class's",
            got[i].0, got[i].1
        )),
    }
}
