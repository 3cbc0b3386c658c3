//! Opening committed rows inside the circuit: each tensor slot's shape-derived quantities, a
//! column index in chunk/position form, and a row opened from its tensor's Merkle root, whole
//! (every value range-checked) or as packed chunks. The step circuit and the per-op sample
//! checks (`crate::ops`) share it.

use crate::class::Class;
use crate::gadgets::*;
use ark_bn254::Fr;
use ark_ff::Field;
use ark_r1cs_std::GR1CSVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::SynthesisError;
use spotproof_core::commit::{self, DType};
use spotproof_core::layout::Role;

/// One opened row: its values and its Merkle siblings from the leaf up (padded with zeros to
/// the class's tree height).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowWitness {
    /// The row's values.
    pub values: Vec<i64>,
    /// Sibling digests, bottom-up.
    pub siblings: Vec<Fr>,
}

/// A tensor slot's shape-derived quantities, computed once.
pub(crate) struct TensorVar {
    pub(crate) dtype: DType,
    pub(crate) rows: Fp,
    pub(crate) cols: Fp,
    pub(crate) merkle_root: Fp,
    /// `[k < cols]` for every column `k < max_cols`.
    pub(crate) col_active: Vec<Fp>,
    /// `[c ≥ chunks]` for every chunk `c`.
    pub(crate) beyond: Vec<Fp>,
    /// One-hot: the row digest takes `p + 1` permutations.
    pub(crate) perms: Vec<Fp>,
    /// `[k < height]` for every tree level.
    pub(crate) levels: Vec<Fp>,
}

/// A column index in the chunk/position form of one dtype.
pub(crate) struct Col {
    pub(crate) chunk: Vec<Fp>,
    pub(crate) pos: Vec<Fp>,
}

/// An opened row: its chunks (and its offset-binary values when opened whole).
pub(crate) struct Opened {
    pub(crate) chunks: Vec<Fp>,
    pub(crate) values: Vec<Fp>,
}

pub(crate) fn missing() -> SynthesisError {
    SynthesisError::AssignmentMissing
}

pub(crate) struct Ctx<'a> {
    pub(crate) cs: Cs,
    pub(crate) class: Class,
    /// Per slot: rows, cols, Merkle root (the witness's; `None` at setup).
    pub(crate) shapes: Option<&'a [(usize, usize, Fr)]>,
    pub(crate) tensors: Vec<TensorVar>,
    /// Slots whose rows some sampled op opens whole (dot products and sums).
    pub(crate) whole: Vec<usize>,
    /// Each slot's role.
    pub(crate) roles: Vec<Role>,
}

impl Ctx<'_> {
    /// The longest row a slot can have: one value for labels, biases and bias gradients (every
    /// layout has them `×1`), a feature row and its label for the dataset, `max_row` otherwise.
    fn max_cols(&self, slot: usize) -> usize {
        match self.roles[slot] {
            Role::Labels | Role::Bias(_) | Role::BiasGrad(_) => 1,
            Role::Dataset => self.class.max_row + 1,
            _ => self.class.max_row,
        }
    }

    fn depth(&self, slot: usize) -> usize {
        if slot == 0 {
            self.class.dataset_depth
        } else {
            self.class.depth()
        }
    }

    pub(crate) fn tensor(&self, slot: usize, dtype: DType) -> R<TensorVar> {
        let cs = &self.cs;
        let shape = || self.shapes.and_then(|s| s.get(slot)).ok_or_else(missing);
        let rows = witness(cs, || Ok(Fr::from(shape()?.0 as u64)))?;
        let cols = witness(cs, || Ok(Fr::from(shape()?.1 as u64)))?;
        let merkle_root = witness(cs, || Ok(shape()?.2))?;
        let max_cols = self.max_cols(slot);
        let per = dtype.per_element();
        let m_max = dtype.packed_len(max_cols);
        // Chunks per row m: a prefix mask over the chunks, with (m − 1)·per < cols ≤ m·per.
        let m = witness(cs, || Ok(Fr::from(shape()?.1.div_ceil(per) as u64)))?;
        let chunk_active = prefix_mask(cs, &m, m_max)?;
        let lg = (per as u64).next_power_of_two().trailing_zeros() as usize + 1;
        bits(cs, &(&m * Fr::from(per as u64) - &cols), lg)?;
        bits(
            cs,
            &(&cols - Fp::one() - (&m - Fp::one()) * Fr::from(per as u64)),
            lg + 1,
        )?;
        bits(cs, &(&m - Fp::one()), lg + 8)?;
        let beyond = chunk_active.iter().map(|a| Fp::one() - a).collect();
        // The digest takes ⌈(m+1)/2⌉ permutations: p + 1 of them iff m ∈ {2p, 2p+1}.
        let at_least = |c: i64| -> Fp {
            if c < 1 {
                Fp::one()
            } else {
                chunk_active
                    .get(c as usize - 1)
                    .cloned()
                    .unwrap_or_else(Fp::zero)
            }
        };
        let perms = (0..(m_max + 1).div_ceil(2) as i64)
            .map(|p| at_least(2 * p) - at_least(2 * p + 2))
            .collect();
        // Per-column mask, for the rows opened whole.
        let col_active = if self.whole.contains(&slot) {
            prefix_mask(cs, &cols, max_cols)?
        } else {
            Vec::new()
        };
        // Tree height h ≥ 1 as a prefix mask over the levels: 2^h = 1 + Σ_{k<h} 2^k, and
        // 2^(h−1) < rows ≤ 2^h (rows ∈ {1, 2} when h = 1).
        let depth = self.depth(slot);
        let levels = prefix_mask(
            cs,
            &witness(cs, || {
                Ok(Fr::from(commit::tree_path_len(shape()?.0) as u64 + 1))
            })?,
            depth,
        )?;
        levels[0].enforce_equal(&Fp::one())?;
        let top = lin(levels
            .iter()
            .enumerate()
            .map(|(k, l)| (Fr::from(1u64 << k), l.clone())))
            + Fp::one();
        let half = &top * Fr::from(2u64).inverse().unwrap_or_default();
        let h_is_1 = &levels[0] - levels.get(1).cloned().unwrap_or_else(Fp::zero);
        bits(cs, &(&top - &rows), depth + 1)?;
        bits(cs, &(&rows - Fp::one() - half + h_is_1), depth + 1)?;
        Ok(TensorVar {
            dtype,
            rows,
            cols,
            merkle_root,
            col_active,
            beyond,
            perms,
            levels,
        })
    }

    /// The column `x` (`< max_cols` of `slot`) in chunk/position form for `dtype`.
    pub(crate) fn column(&self, x: &Fp, slot: usize, dtype: DType) -> R<Col> {
        let per = dtype.per_element();
        let m = dtype.packed_len(self.max_cols(slot));
        let v = || x.value().map(int);
        let c = witness(&self.cs, || Ok(Fr::from((v()? / per as i128) as u64)))?;
        let p = witness(&self.cs, || Ok(Fr::from((v()? % per as i128) as u64)))?;
        let chunk = one_hot(&self.cs, &c, m)?;
        let pos = one_hot(&self.cs, &p, per)?;
        (c * Fr::from(per as u64) + p).enforce_equal(x)?;
        Ok(Col { chunk, pos })
    }

    /// Opens row `row` (its bits) of `slot` from the tensor's Merkle root: whole (every value
    /// range-checked, padding zero) or as chunks.
    pub(crate) fn open(
        &self,
        slot: usize,
        row: &[Fp],
        w: Option<&RowWitness>,
        whole: bool,
    ) -> R<Opened> {
        let cs = &self.cs;
        let t = &self.tensors[slot];
        let (chunks, values) = if whole {
            unpack_row(cs, t.dtype, w.map(|w| &w.values[..]), &t.col_active)?
        } else {
            let packed = || -> R<Vec<Fr>> {
                let w = w.ok_or_else(missing)?;
                commit::pack_row(t.dtype, &w.values).map_err(|_| SynthesisError::Unsatisfiable)
            };
            let packed = if w.is_some() { Some(packed()?) } else { None };
            let mut chunks = Vec::with_capacity(t.beyond.len());
            for (c, b) in t.beyond.iter().enumerate() {
                let x = witness(cs, || {
                    Ok(packed
                        .as_ref()
                        .ok_or_else(missing)?
                        .get(c)
                        .copied()
                        .unwrap_or_default())
                })?;
                enforce_mul(&x, b, &Fp::zero())?;
                chunks.push(x);
            }
            (chunks, Vec::new())
        };
        let leaf = row_digest(&chunks, &t.perms)?;
        let depth = t.levels.len();
        let mut sib = Vec::with_capacity(depth);
        for k in 0..depth {
            sib.push(witness(cs, || {
                Ok(w.ok_or_else(missing)?
                    .siblings
                    .get(k)
                    .copied()
                    .unwrap_or_default())
            })?);
        }
        merkle_root(cs, leaf, &row[..depth], &sib, &t.levels)?.enforce_equal(&t.merkle_root)?;
        Ok(Opened { chunks, values })
    }

    /// The value at column `col` of an opened row.
    pub(crate) fn scalar(&self, slot: usize, o: &Opened, col: &Col) -> R<Fp> {
        let dtype = self.tensors[slot].dtype;
        let chunk = select(&col.chunk, &o.chunks)?;
        let us = unpack_chunk(&self.cs, dtype, &chunk)?;
        Ok(select(&col.pos, &us)? - cst(dtype.offset()))
    }
}
