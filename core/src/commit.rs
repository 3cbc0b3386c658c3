//! Tensor commitments: Poseidon over BN254, rows packed into field elements, a Merkle tree of row
//! digests, and a root that binds the tensor's role, dtype and shape.
//!
//! Every formula here must also be computed inside a circuit, so it is field arithmetic only.
//! The exact layout is specified in `papers/protocol.md` ("Commitment layout"); the worked examples
//! in `vectors/commit/` pin it.
//!
//! * Hash: Poseidon2 over BN254, width 3, as a rate-2 sponge ([`crate::poseidon2`]).
//!   `hash(x₁..xₙ)` absorbs the elements in order and squeezes one.
//! * Packing: values become offset-binary (`v + 2^(bits-1)` for signed types), `⌊248 / bits⌋` per
//!   field element, little-endian inside the element; the row's last element is zero-filled.
//! * Leaf of row `r`: `hash(DOMAIN_ROW, packed(row r)…)`; padding leaves `hash(DOMAIN_PAD)` up to
//!   `max(2, next power of two ≥ rows)` leaves; nodes `hash(left, right)`.
//! * Tensor root: `hash(DOMAIN_TENSOR, tag, dtype, rows, cols, merkle_root)`.

use crate::domain::{DOMAIN_PAD, DOMAIN_ROW, DOMAIN_TENSOR};
use crate::error::{CoreError, OpenError, RangeError, Result};
use ark_crypto_primitives::crh::{CRHScheme, TwoToOneCRHScheme};
use ark_crypto_primitives::merkle_tree::{self, IdentityDigestConverter, MerkleTree};
use ark_ff::{BigInteger, PrimeField};
use rayon::prelude::*;
use std::borrow::Borrow;

/// The field everything is committed in: the scalar field of BN254.
pub type Fr = ark_bn254::Fr;

/// Payload bits per packed field element (below the 254-bit modulus with room to spare).
pub const PACK_BITS: u32 = 248;

/// `hash(x₁..xₙ)`: absorb every element, squeeze one (the Poseidon2 sponge).
pub fn hash(inputs: &[Fr]) -> Fr {
    crate::poseidon2::hash(inputs)
}

/// A small integer as a field element.
pub fn fe(v: u64) -> Fr {
    Fr::from(v)
}

/// The element types a tensor can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[repr(u8)]
pub enum DType {
    /// int8 (activations, errors, int8 weights).
    I8 = 1,
    /// int16 (master weights).
    I16 = 2,
    /// int32 (biases, gradients).
    I32 = 3,
    /// uint8 (raw dataset features and labels).
    U8 = 4,
}

impl DType {
    /// Bits per value.
    pub fn bits(self) -> u32 {
        match self {
            DType::I8 | DType::U8 => 8,
            DType::I16 => 16,
            DType::I32 => 32,
        }
    }

    /// The name used in messages and manifests.
    pub fn name(self) -> &'static str {
        match self {
            DType::I8 => "i8",
            DType::I16 => "i16",
            DType::I32 => "i32",
            DType::U8 => "u8",
        }
    }

    /// The value range `lo..=hi`.
    pub fn range(self) -> (i64, i64) {
        match self {
            DType::I8 => (-128, 127),
            DType::I16 => (-32768, 32767),
            DType::I32 => (i64::from(i32::MIN), i64::from(i32::MAX)),
            DType::U8 => (0, 255),
        }
    }

    /// The offset that makes values non-negative (offset binary).
    pub fn offset(self) -> i64 {
        -self.range().0
    }

    /// Values per packed field element: `⌊248 / bits⌋` (31, 15, 7, 31).
    pub fn per_element(self) -> usize {
        (PACK_BITS / self.bits()) as usize
    }

    /// Field elements a row of `cols` values packs into.
    pub fn packed_len(self, cols: usize) -> usize {
        cols.div_ceil(self.per_element())
    }
}

/// Packs a row: element `i` is `Σ_j (v[i·per + j] + offset) · 2^(bits·j)`.
pub fn pack_row(dtype: DType, values: &[i64]) -> std::result::Result<Vec<Fr>, RangeError> {
    let (lo, hi) = dtype.range();
    if let Some(&bad) = values.iter().find(|&&v| v < lo || v > hi) {
        return Err(RangeError {
            dtype: dtype.name(),
            value: bad,
        });
    }
    let bits = dtype.bits();
    Ok(values
        .chunks(dtype.per_element())
        .map(|chunk| {
            // 248 bits as four little-endian u64 limbs.
            let mut limbs = [0u64; 4];
            for (j, &v) in chunk.iter().enumerate() {
                let u = (v + dtype.offset()) as u64;
                let at = bits as usize * j;
                limbs[at / 64] |= u << (at % 64);
                if at % 64 + bits as usize > 64 {
                    limbs[at / 64 + 1] |= u >> (64 - at % 64);
                }
            }
            Fr::from_bigint(ark_ff::BigInt::new(limbs)).unwrap_or_default()
        })
        .collect())
}

/// The leaf input of a row: `[DOMAIN_ROW, packed…]`.
pub fn row_leaf(dtype: DType, values: &[i64]) -> std::result::Result<Vec<Fr>, RangeError> {
    let mut leaf = vec![fe(DOMAIN_ROW)];
    leaf.extend(pack_row(dtype, values)?);
    Ok(leaf)
}

/// The sponge as ark-crypto-primitives' hash traits, so its Merkle tree and paths can be used.
#[derive(Clone, Copy, Debug)]
pub struct Sponge;

impl CRHScheme for Sponge {
    type Input = [Fr];
    type Output = Fr;
    type Parameters = ();

    fn setup<R: rand::Rng>(_: &mut R) -> std::result::Result<(), ark_crypto_primitives::Error> {
        Ok(())
    }

    fn evaluate<T: Borrow<[Fr]>>(
        _: &(),
        input: T,
    ) -> std::result::Result<Fr, ark_crypto_primitives::Error> {
        Ok(hash(input.borrow()))
    }
}

impl TwoToOneCRHScheme for Sponge {
    type Input = Fr;
    type Output = Fr;
    type Parameters = ();

    fn setup<R: rand::Rng>(_: &mut R) -> std::result::Result<(), ark_crypto_primitives::Error> {
        Ok(())
    }

    fn evaluate<T: Borrow<Fr>>(
        _: &(),
        left: T,
        right: T,
    ) -> std::result::Result<Fr, ark_crypto_primitives::Error> {
        Ok(crate::poseidon2::hash2(*left.borrow(), *right.borrow()))
    }

    fn compress<T: Borrow<Fr>>(
        _: &(),
        left: T,
        right: T,
    ) -> std::result::Result<Fr, ark_crypto_primitives::Error> {
        Ok(crate::poseidon2::hash2(*left.borrow(), *right.borrow()))
    }
}

/// ark-crypto-primitives' Merkle tree over the sponge; leaves are `[Fr]` inputs.
pub struct MerkleConfig;

impl merkle_tree::Config for MerkleConfig {
    type Leaf = [Fr];
    type LeafDigest = Fr;
    type LeafInnerDigestConverter = IdentityDigestConverter<Fr>;
    type InnerDigest = Fr;
    type LeafHash = Sponge;
    type TwoToOneHash = Sponge;
}

/// A Merkle authentication path of one row.
pub type RowPath = merkle_tree::Path<MerkleConfig>;

/// What a tensor root binds, besides the Merkle root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct TensorHeader {
    /// The tensor's role in its trace (assigned by the trace; any u64 outside one).
    pub tag: u64,
    /// Element type.
    pub dtype: DType,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
}

impl TensorHeader {
    /// Leaves of the tree: `max(2, next power of two ≥ rows)`.
    pub fn leaves(&self) -> usize {
        tree_leaves(self.rows)
    }

    /// Length of every row path's `auth_path` (tree height minus the leaf and root levels).
    pub fn path_len(&self) -> usize {
        tree_path_len(self.rows)
    }

    /// `hash(DOMAIN_TENSOR, tag, dtype, rows, cols, merkle_root)`.
    pub fn root(&self, merkle_root: Fr) -> Fr {
        hash(&[
            fe(DOMAIN_TENSOR),
            fe(self.tag),
            fe(self.dtype as u64),
            fe(self.rows as u64),
            fe(self.cols as u64),
            merkle_root,
        ])
    }
}

/// Leaves of a tree over `n` entries: `max(2, next power of two ≥ n)`.
pub fn tree_leaves(n: usize) -> usize {
    n.next_power_of_two().max(2)
}

/// The `auth_path` length of every path in a tree over `n` entries: `log2(leaves) − 1`.
pub fn tree_path_len(n: usize) -> usize {
    tree_leaves(n).trailing_zeros() as usize - 1
}

/// A committed tensor: its header, its Merkle tree and its root.
pub struct TensorCommitment {
    /// Role, dtype, shape.
    pub header: TensorHeader,
    /// Root of the row tree.
    pub merkle_root: Fr,
    /// The tensor root (binds the header).
    pub root: Fr,
    tree: MerkleTree<MerkleConfig>,
    values: Vec<i64>,
}

/// Commits a row-major tensor (`values.len() == rows·cols`, every value within `dtype`).
pub fn commit_tensor(header: TensorHeader, values: &[i64]) -> Result<TensorCommitment> {
    if header.rows.checked_mul(header.cols) != Some(values.len())
        || header.rows == 0
        || header.cols == 0
    {
        return Err(CoreError::TensorShape {
            rows: header.rows,
            cols: header.cols,
            values: values.len(),
        });
    }
    let mut digests: Vec<Fr> = values
        .par_chunks(header.cols)
        .map(|row| row_leaf(header.dtype, row).map(|leaf| hash(&leaf)))
        .collect::<std::result::Result<_, RangeError>>()?;
    digests.resize(header.leaves(), hash(&[fe(DOMAIN_PAD)]));
    let tree = MerkleTree::<MerkleConfig>::new_with_leaf_digest(&(), &(), digests)
        .map_err(|e| CoreError::Merkle(e.to_string()))?;
    let merkle_root = tree.root();
    Ok(TensorCommitment {
        header,
        merkle_root,
        root: header.root(merkle_root),
        tree,
        values: values.to_vec(),
    })
}

impl TensorCommitment {
    /// Whether this is the commitment of `values` under `header`.
    pub fn is(&self, header: &TensorHeader, values: &[i64]) -> bool {
        self.header == *header && self.values == values
    }

    /// Row `row`'s values (the committer keeps them to open rows later).
    pub fn row(&self, row: usize) -> Result<&[i64]> {
        let c = self.header.cols;
        self.values
            .get(row * c..(row + 1) * c)
            .ok_or(CoreError::Index {
                op: "row",
                index: row,
                len: self.header.rows,
            })
    }

    /// The authentication path of row `row`.
    pub fn open_row(&self, row: usize) -> Result<RowPath> {
        if row >= self.header.rows {
            return Err(CoreError::Index {
                op: "open_row",
                index: row,
                len: self.header.rows,
            });
        }
        self.tree
            .generate_proof(row)
            .map_err(|e| CoreError::Merkle(e.to_string()))
    }
}

/// Checks that `values` are row `row` of the tensor with `header` and Merkle root `merkle_root`
/// (the caller checks `header.root(merkle_root)` against the tensor root it trusts).
pub fn verify_row(
    header: &TensorHeader,
    merkle_root: Fr,
    row: usize,
    values: &[i64],
    path: &RowPath,
) -> std::result::Result<(), OpenError> {
    if row >= header.rows {
        return Err(OpenError::Index {
            op: "verify_row",
            index: row,
            len: header.rows,
        });
    }
    if values.len() != header.cols {
        return Err(OpenError::Width {
            got: values.len(),
            expected: header.cols,
        });
    }
    if path.leaf_index != row || path.auth_path.len() != header.path_len() {
        return Err(OpenError::PathShape {
            row,
            leaf_index: path.leaf_index,
            path_len: path.auth_path.len(),
            expected_len: header.path_len(),
        });
    }
    let leaf = row_leaf(header.dtype, values)?;
    match path.verify(&(), &(), &merkle_root, leaf.as_slice()) {
        Ok(true) => Ok(()),
        Ok(false) => Err(OpenError::RowMismatch { row }),
        Err(e) => Err(OpenError::Merkle(e.to_string())),
    }
}

/// A field element as 64 lowercase hex digits (big-endian), for manifests and vectors.
pub fn to_hex(x: &Fr) -> String {
    hex::encode(x.into_bigint().to_bytes_be())
}

/// Parses [`to_hex`]'s form: exactly 64 hex digits of an integer below the field modulus.
pub fn from_hex(s: &str) -> Option<Fr> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(s, &mut bytes).ok()?;
    let mut limbs = [0u64; 4];
    for (limb, word) in limbs.iter_mut().zip(bytes.chunks_exact(8).rev()) {
        *limb = u64::from_be_bytes(word.try_into().ok()?);
    }
    Fr::from_bigint(ark_ff::BigInt::new(limbs))
}

/// Field elements in files (bundles, trace files, vectors): [`to_hex`]'s form through serde.
/// `#[serde(with = "spotproof_core::commit::fr_hex")]` on an `Fr`, a `Vec` or an array of
/// them, or a `(Vec<u64>, Fr)` pair; reading refuses anything [`from_hex`] refuses.
pub mod fr_hex {
    use super::{Fr, from_hex, to_hex};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// What the adapter says of text that is not a field element.
    pub const EXPECTED: &str = "not 64 hex digits of a field element";

    /// A value made of field elements, written as hex.
    pub trait Hex: Sized {
        /// Writes it.
        fn ser<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
        /// Reads it.
        fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
    }

    struct Out<'a, T>(&'a T);
    impl<T: Hex> Serialize for Out<'_, T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.0.ser(s)
        }
    }

    struct In<T>(T);
    impl<'de, T: Hex> Deserialize<'de> for In<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            T::de(d).map(In)
        }
    }

    impl Hex for Fr {
        fn ser<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&to_hex(self))
        }
        fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            from_hex(&String::deserialize(d)?).ok_or_else(|| D::Error::custom(EXPECTED))
        }
    }

    impl<T: Hex> Hex for Vec<T> {
        fn ser<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.iter().map(Out))
        }
        fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(Vec::<In<T>>::deserialize(d)?
                .into_iter()
                .map(|x| x.0)
                .collect())
        }
    }

    impl<T: Hex, const N: usize> Hex for [T; N] {
        fn ser<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.iter().map(Out))
        }
        fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let v = Vec::<T>::de(d)?;
            let n = v.len();
            v.try_into()
                .map_err(|_| D::Error::invalid_length(n, &format!("{N} field elements").as_str()))
        }
    }

    /// A hash case of the vectors: the inputs and the digest.
    impl Hex for (Vec<u64>, Fr) {
        fn ser<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            (&self.0, Out(&self.1)).serialize(s)
        }
        fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let (inputs, In(digest)) = <(Vec<u64>, In<Fr>)>::deserialize(d)?;
            Ok((inputs, digest))
        }
    }

    /// Writes `x` as hex.
    pub fn serialize<T: Hex, S: Serializer>(x: &T, s: S) -> Result<S::Ok, S::Error> {
        x.ser(s)
    }

    /// Reads hex into `T`.
    pub fn deserialize<'de, T: Hex, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        T::de(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_non_canonical_text() {
        for x in [
            Fr::from(0u64),
            Fr::from(255u64),
            -Fr::from(1u64),
            hash(&[fe(5)]),
        ] {
            assert_eq!(from_hex(&to_hex(&x)), Some(x));
        }
        let modulus = "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
        assert_eq!(from_hex(modulus), None);
        assert_eq!(from_hex("12"), None);
        assert_eq!(from_hex(&"g".repeat(64)), None);
    }

    fn header(rows: usize, cols: usize, dtype: DType) -> TensorHeader {
        TensorHeader {
            tag: 7,
            dtype,
            rows,
            cols,
        }
    }

    #[test]
    fn packing_is_offset_binary_little_endian() {
        let p = pack_row(DType::I8, &[-128, -127, 127]).unwrap();
        // -128 → 0, -127 → 1, 127 → 255, little-endian bytes.
        assert_eq!(p, vec![Fr::from((1u64 << 8) + (255 << 16))]);
        let p = pack_row(DType::I8, &[0; 32]).unwrap();
        assert_eq!(p.len(), 2);
        let all_ones = pack_row(DType::I32, &[i64::from(i32::MAX); 7]).unwrap();
        // 7 values of 0xFFFF_FFFF fill exactly 224 bits.
        assert_eq!(
            all_ones[0],
            ark_ff::Field::pow(&Fr::from(2u64), [224]) - Fr::from(1u64)
        );
        assert!(pack_row(DType::I8, &[128]).is_err());
        assert!(pack_row(DType::U8, &[-1]).is_err());
        assert_eq!(DType::I16.per_element(), 15);
    }

    #[test]
    fn rows_open_and_tampering_fails() {
        let values: Vec<i64> = (0..5 * 40).map(|i| (i % 256) - 128).collect();
        let h = header(5, 40, DType::I8);
        let c = commit_tensor(h, &values).unwrap();
        for r in 0..5 {
            let path = c.open_row(r).unwrap();
            verify_row(&h, c.merkle_root, r, &values[r * 40..(r + 1) * 40], &path).unwrap();
        }
        let path = c.open_row(2).unwrap();
        let mut row = values[80..120].to_vec();
        row[3] += 1;
        assert!(verify_row(&h, c.merkle_root, 2, &row, &path).is_err());
        // A path for another row does not open this one.
        assert!(verify_row(&h, c.merkle_root, 3, &values[120..160], &path).is_err());
        let mut forged = c.open_row(2).unwrap();
        forged.auth_path[0] += Fr::from(1u64);
        assert!(verify_row(&h, c.merkle_root, 2, &values[80..120], &forged).is_err());
        assert!(c.open_row(5).is_err());
    }

    #[test]
    fn the_root_binds_tag_dtype_and_shape() {
        let values: Vec<i64> = (0..12).collect();
        let base = commit_tensor(header(3, 4, DType::I8), &values)
            .unwrap()
            .root;
        assert_eq!(
            base,
            commit_tensor(header(3, 4, DType::I8), &values)
                .unwrap()
                .root
        );
        assert_ne!(
            base,
            commit_tensor(header(4, 3, DType::I8), &values)
                .unwrap()
                .root
        );
        assert_ne!(
            base,
            commit_tensor(header(3, 4, DType::I16), &values)
                .unwrap()
                .root
        );
        assert_ne!(
            base,
            commit_tensor(
                TensorHeader {
                    tag: 8,
                    ..header(3, 4, DType::I8)
                },
                &values
            )
            .unwrap()
            .root
        );
        assert!(commit_tensor(header(3, 5, DType::I8), &values).is_err());
        // A single row still makes a two-leaf tree.
        let one = commit_tensor(header(1, 12, DType::I32), &values).unwrap();
        verify_row(
            &one.header,
            one.merkle_root,
            0,
            &values,
            &one.open_row(0).unwrap(),
        )
        .unwrap();
    }
}
