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
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::SynthesisError;
use spotproof_core::commit::{self, DType};
use spotproof_core::domain;
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
    /// `[k < cols]` for every column `k < max_cols`, made when a row of the slot is first
    /// opened whole.
    pub(crate) col_active: std::cell::OnceCell<Vec<Fp>>,
    /// `[c ≥ chunks]` for every chunk `c` (chunks of a row opened as chunks are zero there).
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

/// An opened row: its chunks and its offset-binary values.
#[derive(Clone)]
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
    /// Each slot's role.
    pub(crate) roles: Vec<Role>,
}

impl Ctx<'_> {
    /// The longest row a slot can have at the class's bounds (`Class::bounds`).
    pub(crate) fn max_cols(&self, slot: usize) -> usize {
        self.class.bounds(self.roles[slot]).1
    }

    fn depth(&self, slot: usize) -> usize {
        match self.roles[slot] {
            Role::Dataset => self.class.dataset_depth,
            role => self.class.tree_depth(role),
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
        let beyond = chunk_active.iter().map(|a| Fp::one() - a).collect();
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
            col_active: std::cell::OnceCell::new(),
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

    /// Opens row `row` (its bits) of `slot` whole or as chunks ([`Ctx::row`]) and, where
    /// `active` is one, binds it to the tensor's Merkle root: `active · (root' − root) = 0`.
    pub(crate) fn open(
        &self,
        slot: usize,
        row: &[Fp],
        w: Option<&RowWitness>,
        active: &Fp,
        whole: bool,
    ) -> R<Opened> {
        let cs = &self.cs;
        let t = &self.tensors[slot];
        let (chunks, values) = self.row(slot, w, whole)?;
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
        let root = merkle_root(cs, leaf, &row[..depth], &sib, &t.levels)?;
        enforce_mul(active, &(root - &t.merkle_root), &Fp::zero())?;
        Ok(Opened { chunks, values })
    }

    /// A row's chunks and, opened whole, its offset-binary values (every value range-checked,
    /// padding forced to zero); opened as chunks, no values, and the chunks past the row's end
    /// forced to zero.
    fn row(&self, slot: usize, w: Option<&RowWitness>, whole: bool) -> R<(Vec<Fp>, Vec<Fp>)> {
        let cs = &self.cs;
        let t = &self.tensors[slot];
        if whole {
            let active = match t.col_active.get() {
                Some(a) => a,
                None => {
                    let a = prefix_mask(cs, &t.cols, self.max_cols(slot))?;
                    t.col_active.get_or_init(|| a)
                }
            };
            return unpack_row(cs, t.dtype, w.map(|w| &w.values[..]), active);
        }
        let packed = match w {
            Some(w) => Some(
                commit::pack_row(t.dtype, &w.values).map_err(|_| SynthesisError::Unsatisfiable)?,
            ),
            None => None,
        };
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
            // x · [c ≥ chunks] = 0
            enforce_mul(&x, b, &Fp::zero())?;
            chunks.push(x);
        }
        Ok((chunks, Vec::new()))
    }

    /// Whether a window of `size` values of a `slot` row is cheaper read from chunks
    /// ([`Ctx::chunk_window`]) than from the row opened whole: about `reach · (per·bits + m) +
    /// per·(size + 1)` constraints against `max_cols · (bits + 1)`.
    pub(crate) fn prefer_chunks(&self, slot: usize, size: usize) -> bool {
        let dtype = self.tensors[slot].dtype;
        let (per, bits) = (dtype.per_element(), dtype.bits() as usize);
        let max_cols = self.max_cols(slot);
        let m = dtype.packed_len(max_cols);
        let reach = (per + size - 1).div_ceil(per);
        reach * (per * bits + m) + per * (size + 1) < max_cols * (bits + 1)
    }

    /// The `size` values at columns `start + v` (`v < size`) of a row opened as chunks, `start` a
    /// multiple of `size`: the chunk `c₀` holding `start` and the next ones the window reaches
    /// are selected through a one-hot of `c₀` and unpacked (range-checked), and the window read
    /// at offset `o = start − per·c₀` through a one-hot of `o`. Columns past the row read as the
    /// zero padding (their elements are inactive).
    pub(crate) fn chunk_window(
        &self,
        slot: usize,
        o: &Opened,
        start: &Fp,
        size: usize,
    ) -> R<Vec<Fp>> {
        let cs = &self.cs;
        let dtype = self.tensors[slot].dtype;
        let per = dtype.per_element();
        let m = o.chunks.len();
        let st = || start.value().map(int);
        let c0 = witness(cs, || Ok(Fr::from((st()? / per as i128) as u64)))?;
        let off = witness(cs, || Ok(Fr::from((st()? % per as i128) as u64)))?;
        let c_hot = one_hot(cs, &c0, m)?;
        let o_hot = one_hot(cs, &off, per)?;
        // start = per·c₀ + o
        (&c0 * Fr::from(per as u64) + &off).enforce_equal(start)?;
        // The window reaches at most offset per − 1 + size − 1.
        let reach = (per + size - 1).div_ceil(per);
        let mut us = Vec::with_capacity(reach * per);
        for k in 0..reach {
            let terms: Vec<Fp> = c_hot
                .iter()
                .enumerate()
                .filter_map(|(c, h)| o.chunks.get(c + k).map(|x| h * x))
                .collect();
            us.extend(unpack_chunk(cs, dtype, &sum(&terms))?);
        }
        let offset = cst(dtype.offset());
        (0..size)
            .map(|v| {
                let terms: Vec<Fp> = o_hot
                    .iter()
                    .enumerate()
                    .filter_map(|(d, h)| us.get(d + v).map(|x| h * x))
                    .collect();
                Ok(sum(&terms) - &offset)
            })
            .collect()
    }

    /// Opens the `R = 2^lg` consecutive rows `R·b + t` of `slot` (an aligned block, `ws[t]` the
    /// witness of row `t`) whole or as chunks ([`Ctx::row`]), through their common subtree: the
    /// rows' digests (a row outside the tensor, `active_t = 0`, is the padding leaf
    /// `hash(DOMAIN_PAD)` there) are hashed up `lg` levels to the subtree root, which is opened at
    /// `b` (its `bits`) with the siblings of row `R·b`'s path from level `lg` up. Above the tree's
    /// height a level passes its left node through, so a block taller than the tree ends at the
    /// tree's root. A block taller than the class's bound on the tree (`2^depth` rows, a block
    /// shape shared by ops whose outputs have different bounds) keeps its first `2^depth` rows in
    /// the subtree; the rows below them lie past any tensor of the slot and must be inactive.
    pub(crate) fn open_block(
        &self,
        slot: usize,
        bits: &[Fp],
        ws: &[Option<&RowWitness>],
        active: &[Fp],
        whole: bool,
    ) -> R<Vec<Opened>> {
        let cs = &self.cs;
        let t = &self.tensors[slot];
        let size = ws.len();
        if !size.is_power_of_two() || active.len() != size {
            return Err(SynthesisError::Unsatisfiable);
        }
        let lg = (size.trailing_zeros() as usize).min(t.levels.len());
        let pad = FpVar::Constant(commit::hash(&[commit::fe(domain::DOMAIN_PAD)]));
        let mut opened = Vec::with_capacity(size);
        let mut level = Vec::with_capacity(size);
        for (k, (w, a)) in ws.iter().zip(active).enumerate() {
            if k >= 1 << lg {
                a.enforce_equal(&Fp::zero())?;
                let (chunks, values) = self.row(slot, *w, whole)?;
                opened.push(Opened { chunks, values });
                continue;
            }
            // Row k ≥ 1 of the block lies past the tree's 2^h leaves iff level msb(k) is off
            // there; it must then be inactive (its leaf would not reach the root).
            if k > 0 {
                let msb = k.ilog2() as usize;
                enforce_mul(a, &(Fp::one() - &t.levels[msb]), &Fp::zero())?;
            }
            let (chunks, values) = self.row(slot, *w, whole)?;
            let digest = row_digest(&chunks, &t.perms)?;
            // An inactive row is the padding leaf.
            level.push(pick(cs, a, &digest, &pad)?);
            opened.push(Opened { chunks, values });
        }
        for on in &t.levels[..lg] {
            level = level
                .chunks(2)
                .map(|pair| {
                    // Above the tree's height the left node passes through.
                    let h = hash(&[pair[0].clone(), pair[1].clone()])?;
                    pick(cs, on, &h, &pair[0])
                })
                .collect::<R<_>>()?;
        }
        let depth = t.levels.len();
        let first = ws.first().copied().flatten();
        let mut sib = Vec::with_capacity(depth - lg);
        for k in lg..depth {
            sib.push(witness(cs, || {
                Ok(first
                    .ok_or_else(missing)?
                    .siblings
                    .get(k)
                    .copied()
                    .unwrap_or_default())
            })?);
        }
        let node = level.pop().ok_or(SynthesisError::Unsatisfiable)?;
        merkle_root(cs, node, &bits[..depth - lg], &sib, &t.levels[lg..])?
            .enforce_equal(&t.merkle_root)?;
        Ok(opened)
    }

    /// The value at column `col` of an opened row.
    pub(crate) fn scalar(&self, slot: usize, o: &Opened, col: &Col) -> R<Fp> {
        let dtype = self.tensors[slot].dtype;
        let chunk = select(&col.chunk, &o.chunks)?;
        let us = unpack_chunk(&self.cs, dtype, &chunk)?;
        Ok(select(&col.pos, &us)? - cst(dtype.offset()))
    }
}
