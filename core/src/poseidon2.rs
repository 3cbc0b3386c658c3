//! Poseidon2 over BN254's scalar field, width 3, α = 5, 8 external and 56 internal rounds: the
//! instance of the Poseidon2 paper's reference implementation (HorizenLabs/poseidon2,
//! `POSEIDON2_BN256_PARAMS`), and the sponge every commitment of protocol v2 uses.
//!
//! Permutation of a state `x = (x₀, x₁, x₂)` (`papers/protocol.md`, "Hash"):
//! 1. `x ← M_E·x` with `M_E = circ(2, 1, 1)`, i.e. `xᵢ += x₀ + x₁ + x₂`;
//! 2. 4 external rounds: `xᵢ += c_{r,i}`, `xᵢ ← xᵢ⁵` for every `i`, `x ← M_E·x`;
//! 3. 56 internal rounds: `x₀ += c_r`, `x₀ ← x₀⁵`, `x ← M_I·x` with
//!    `M_I = [[2,1,1],[1,2,1],[1,1,3]]`, i.e. `s = x₀ + x₁ + x₂`, `x₀ += s`, `x₁ += s`, `x₂ = 2x₂ + s`;
//! 4. 4 external rounds as in 2.
//!
//! The round constants are the reference's (`constants.rs`, also in `vectors/hash/v2.json`), and the
//! reference's known answer `permute(0, 1, 2)` is a test here.
//!
//! Sponge `hash(x₁..xₙ)`: the state starts at zero; the inputs are taken two at a time, added into
//! `x₁, x₂` (capacity `x₀`), and each pair is followed by one permutation (an empty input still
//! permutes once); the digest is `x₁`. That is ark-crypto-primitives' duplex sponge with rate 2 and
//! capacity 1, with Poseidon2 in place of Poseidon: `⌈n/2⌉` permutations (at least one).
//!
//! Costs (width 3): 8·3 + 56 = 80 S-boxes, i.e. 240 R1CS constraints, per permutation; natively
//! about 240 field multiplications and no allocation.

mod constants;

use crate::commit::{Fr, from_hex};
use ark_ff::{AdditiveGroup, Field};
use std::sync::OnceLock;

/// State width.
pub const WIDTH: usize = 3;
/// Sponge rate (capacity 1).
pub const RATE: usize = 2;
/// External (full) rounds, half before and half after the internal ones.
pub const EXTERNAL_ROUNDS: usize = 8;
/// Internal (partial) rounds.
pub const INTERNAL_ROUNDS: usize = 56;

/// The round constants as field elements.
pub struct Constants {
    /// Per external round, one constant per state element.
    pub external: [[Fr; WIDTH]; EXTERNAL_ROUNDS],
    /// Per internal round, the constant added to `x₀`.
    pub internal: [Fr; INTERNAL_ROUNDS],
}

/// The round constants (parsed once per process).
pub fn constants() -> &'static Constants {
    static C: OnceLock<Constants> = OnceLock::new();
    C.get_or_init(|| {
        // The tables are fixed text checked by the tests; a bad entry would fail every test.
        let parse = |s: &str| from_hex(s).unwrap_or_default();
        Constants {
            external: constants::EXTERNAL_RC.map(|row| row.map(parse)),
            internal: constants::INTERNAL_RC.map(parse),
        }
    })
}

/// `x⁵`.
#[inline(always)]
fn pow5(x: &mut Fr) {
    let x2 = x.square();
    let x4 = x2.square();
    *x *= x4;
}

/// `x ← circ(2, 1, 1)·x`.
#[inline(always)]
fn external_matrix(x: &mut [Fr; WIDTH]) {
    let s = x[0] + x[1] + x[2];
    x[0] += s;
    x[1] += s;
    x[2] += s;
}

#[inline(always)]
fn external_round(x: &mut [Fr; WIDTH], c: &[Fr; WIDTH]) {
    for (xi, ci) in x.iter_mut().zip(c) {
        *xi += ci;
        pow5(xi);
    }
    external_matrix(x);
}

/// The Poseidon2 permutation, in place.
pub fn permute(x: &mut [Fr; WIDTH]) {
    let c = constants();
    external_matrix(x);
    let (first, last) = c.external.split_at(EXTERNAL_ROUNDS / 2);
    for rc in first {
        external_round(x, rc);
    }
    for rc in &c.internal {
        x[0] += rc;
        pow5(&mut x[0]);
        let s = x[0] + x[1] + x[2];
        x[0] += s;
        x[1] += s;
        x[2].double_in_place();
        x[2] += s;
    }
    for rc in last {
        external_round(x, rc);
    }
}

/// `hash(x₁..xₙ)`: the sponge over `inputs` (see the module docs).
pub fn hash(inputs: &[Fr]) -> Fr {
    let mut x = [Fr::ZERO; WIDTH];
    if inputs.is_empty() {
        permute(&mut x);
    }
    for pair in inputs.chunks(RATE) {
        for (xi, v) in x[1..].iter_mut().zip(pair) {
            *xi += v;
        }
        permute(&mut x);
    }
    x[1]
}

/// `hash(left, right)`: one permutation of `(0, left, right)`.
pub fn hash2(left: Fr, right: Fr) -> Fr {
    let mut x = [Fr::ZERO, left, right];
    permute(&mut x);
    x[1]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference implementation's known answer (`poseidon2_tests_bn256::kats`).
    #[test]
    fn permutation_matches_the_reference_test_vector() {
        let mut x = [Fr::from(0u64), Fr::from(1u64), Fr::from(2u64)];
        permute(&mut x);
        let expected = [
            "0bb61d24daca55eebcb1929a82650f328134334da98ea4f847f760054f4a3033",
            "303b6f7c86d043bfcbcc80214f26a30277a15d3f74ca654992defe7ff8d03570",
            "1ed25194542b12eef8617361c3ba7c52e660b145994427cc86296242cf766ec8",
        ];
        assert_eq!(x, expected.map(|h| from_hex(h).unwrap()));
    }

    #[test]
    fn the_tables_parse_and_internal_rounds_are_not_zero() {
        for row in constants::EXTERNAL_RC {
            for h in row {
                assert!(from_hex(h).is_some(), "{h}");
            }
        }
        for h in constants::INTERNAL_RC {
            assert!(from_hex(h).is_some_and(|c| c != Fr::ZERO), "{h}");
        }
    }

    #[test]
    fn the_sponge_takes_two_inputs_per_permutation() {
        let (a, b, c) = (Fr::from(3u64), Fr::from(4u64), Fr::from(5u64));
        assert_eq!(hash(&[a, b]), hash2(a, b));
        // Three inputs: (a, b), permute, (c, ·), permute.
        let mut x = [Fr::ZERO, a, b];
        permute(&mut x);
        x[1] += c;
        permute(&mut x);
        assert_eq!(hash(&[a, b, c]), x[1]);
        // Padding is not free: a trailing zero is a different input length only through the
        // domain tags and fixed lengths of every use, so `hash([a]) == hash([a, 0])` by design.
        assert_eq!(hash(&[a]), hash(&[a, Fr::ZERO]));
        let mut z = [Fr::ZERO; WIDTH];
        permute(&mut z);
        assert_eq!(hash(&[]), z[1]);
    }
}
