//! The step circuit's sample checks, one module per op (`ops/<op>.rs`, named like the core op and
//! the kernel): the op's element gadget and its sample check. Each check is implemented on the
//! core op's own type (`impl SampleGadget for spotproof_core::ops::linear_forward::LinearForward`)
//! and opens rows only through [`SampleCx::open`] (and its chunked and batch-row forms), which
//! take operand and row from the core's row plan (`SampledOp::plan`): the witness's openings
//! follow the plan entry by entry, one per block row (rows `i`) or block column (rows `j`), so the
//! checker and the circuit cannot disagree on which rows a sample opens. [`gadget`] is the one
//! registry.

pub mod bias_grad;
pub mod bias_update;
pub mod gather;
pub mod linear_backward_input;
pub mod linear_forward;
pub mod output_error;
pub mod predict;
pub mod sgd_update;
pub mod transpose;
pub mod weight_grad;

use crate::gadgets::{Cs, Fp, R, Shift, cst, enforce_mul, one_hot, sum};
use crate::open::{Col, Ctx, Opened, RowWitness, TensorVar};
use ark_bn254::Fr;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::SynthesisError;
use spotproof_core::layout::{OpDesc, Role, TraceKind};
use spotproof_core::ops::OpKind;
use spotproof_core::ops::sampled::{Operand, RowOf, SampledOp};

/// What every sample of a step shares, computed once before the samples: the `2^8` shift of
/// the weight derivation, gather's two shifts, the dataset's label column, and the header
/// fields the batch derivation hashes.
pub(crate) struct Shared {
    /// `Shift` of 8 (`ops::MASTER_SHIFT`).
    pub eight: Shift,
    /// Gather's `shl` and `shr` (its parameters 0 and 1).
    pub gather_shifts: Option<(Shift, Shift)>,
    /// The dataset's last column (labels).
    pub label_col: Option<Col>,
    /// The header's data seed.
    pub data_seed: Fp,
    /// The header's step.
    pub step: Fp,
    /// Inference: the model's rows (weights, biases) opened once per proof, by slot and form
    /// (whole or chunks), and read by every later sample ([`SampleCx::open`]).
    pub model_rows: std::cell::RefCell<std::collections::HashMap<(usize, bool), Vec<Opened>>>,
}

/// One index of a sampled block along rows or columns: `i = size·p + t` for the block's cell
/// `(p, q)`, and whether it lies inside the op's first output.
pub(crate) struct Index {
    /// The index `size·p + t`.
    pub value: Fp,
    /// `[index < rows]` (resp. `cols`) of the op's first output.
    pub active: Fp,
}

/// One sample slot being synthesized: a block of the op's first output, rows `R·p + t` (`t < R`)
/// by columns `C·q + u` (`u < C`), where the cell `(p, q)` was derived from the seed.
pub(crate) struct SampleCx<'a, 'b> {
    /// The openings context.
    pub ctx: &'a Ctx<'b>,
    /// The shared per-step values.
    pub shared: &'a Shared,
    /// The op sampled.
    pub op: &'a OpDesc,
    /// Its parameters.
    pub params: &'a [Fp],
    /// Its rounding shift (parameter 0), for the ops that round.
    pub shift: Option<&'a Shift>,
    /// The block's rows.
    pub rows: &'a [Index],
    /// The block's columns.
    pub cols: &'a [Index],
    /// The block row `p` and column `q` of the cell.
    pub p: &'a Fp,
    /// The block column `q`.
    pub q: &'a Fp,
    /// Bits of the block row `p` (the Merkle path of its rows' subtree).
    pub p_bits: &'a [Fp],
    /// Bits of the block column `q`.
    pub q_bits: &'a [Fp],
    /// One-hot of the block row `p` (over the column blocks of size `R` of the longest row),
    /// made when a row opened whole is first read at the block's rows.
    pub p_hot: std::cell::OnceCell<Vec<Fp>>,
    /// One-hot of the block column `q` (over the column blocks of size `C`), likewise.
    pub q_hot: std::cell::OnceCell<Vec<Fp>>,
    /// Columns of the longest row of any slot (`max_row + 1`, the dataset's).
    pub width: usize,
    /// `active_t · active_u` for every element `(t, u)`, row-major.
    pub act: &'a [Fp],
    /// The witness's openings of this sample (`None` at setup).
    pub openings: Option<&'a [RowWitness]>,
    /// The core's row plan.
    pub plan: &'static [(Operand, RowOf)],
}

/// How many openings plan entry `row` takes in an `r × c` block: one per block row for rows
/// `i` (and batch rows), one per block column for rows `j`.
pub(crate) fn openings_of(row: RowOf, r: usize, c: usize) -> usize {
    match row {
        RowOf::I | RowOf::Batch => r,
        RowOf::J => c,
    }
}

impl SampleCx<'_, '_> {
    /// The constraint system.
    pub fn cs(&self) -> &Cs {
        &self.ctx.cs
    }

    /// The slot of plan row `k`.
    pub fn slot(&self, k: usize) -> R<usize> {
        let (operand, _) = self.plan.get(k).ok_or(SynthesisError::Unsatisfiable)?;
        let v = match *operand {
            Operand::Input(n) => self.op.inputs.get(n),
            Operand::Output(n) => self.op.outputs.get(n),
        };
        v.copied().ok_or(SynthesisError::Unsatisfiable)
    }

    /// The tensor of plan row `k`.
    pub fn tensor(&self, k: usize) -> R<&TensorVar> {
        Ok(&self.ctx.tensors[self.slot(k)?])
    }

    /// Plan entry `k`'s first opening in the witness: the entries before it take one opening
    /// per block row or column ([`openings_of`]).
    fn offset(&self, k: usize) -> usize {
        self.plan[..k]
            .iter()
            .map(|p| openings_of(p.1, self.rows.len(), self.cols.len()))
            .sum()
    }

    /// The witness's opening `n`.
    fn witness(&self, n: usize) -> R<Option<&RowWitness>> {
        match self.openings {
            None => Ok(None),
            Some(v) => v.get(n).map(Some).ok_or(SynthesisError::Unsatisfiable),
        }
    }

    /// Opens plan row `k` whole (its values enter a dot product or a sum), once per block row
    /// (rows `i`) or block column (rows `j`), all through the block's subtree
    /// (`Ctx::open_block`); an index outside the output stands for a padding leaf.
    pub fn open(&self, k: usize) -> R<Vec<Opened>> {
        self.open_as(k, true)
    }

    /// Opens plan row `k` for windows only ([`Self::col_window`], [`Self::row_window`]), like
    /// [`Self::open`]: as chunks where that is cheaper than whole (long rows,
    /// `Ctx::prefer_chunks`).
    pub fn open_chunks(&self, k: usize) -> R<Vec<Opened>> {
        let size = self.rows.len().max(self.cols.len());
        self.open_as(k, !self.ctx.prefer_chunks(self.slot(k)?, size))
    }

    fn open_as(&self, k: usize, whole: bool) -> R<Vec<Opened>> {
        // Inference reads the same model rows in every sample (rows j of a block that spans the
        // output's columns, its column q = 0 enforced): opened and bound to their roots once.
        let slot = self.slot(k)?;
        let shared_rows = self.ctx.class.kind == TraceKind::Infer
            && self.plan.get(k).map(|p| p.1) == Some(RowOf::J)
            && matches!(self.ctx.roles[slot], Role::Weight(_) | Role::Bias(_));
        if shared_rows && let Some(v) = self.shared.model_rows.borrow().get(&(slot, whole)) {
            return Ok(v.clone());
        }
        let opened = self.open_fresh(k, whole)?;
        if shared_rows {
            self.shared
                .model_rows
                .borrow_mut()
                .insert((slot, whole), opened.clone());
        }
        Ok(opened)
    }

    fn open_fresh(&self, k: usize, whole: bool) -> R<Vec<Opened>> {
        let (idx, bits) = match self.plan.get(k).map(|p| p.1) {
            Some(RowOf::I) => (self.rows, self.p_bits),
            Some(RowOf::J) => (self.cols, self.q_bits),
            // The batch rows are derived by the op (`open_at`).
            Some(RowOf::Batch) | None => return Err(SynthesisError::Unsatisfiable),
        };
        let base = self.offset(k);
        let ws = (0..idx.len())
            .map(|n| self.witness(base + n))
            .collect::<R<Vec<_>>>()?;
        let active: Vec<Fp> = idx.iter().map(|x| x.active.clone()).collect();
        self.ctx
            .open_block(self.slot(k)?, bits, &ws, &active, whole)
    }

    /// Opens plan row `k`, a [`RowOf::Batch`] row, for block row `t` at the row whose bits the
    /// op derived, as chunks.
    pub fn open_at(&self, k: usize, t: usize, row: &[Fp]) -> R<Opened> {
        if self.plan.get(k).map(|p| p.1) != Some(RowOf::Batch) {
            return Err(SynthesisError::Unsatisfiable);
        }
        let active = &self
            .rows
            .get(t)
            .ok_or(SynthesisError::Unsatisfiable)?
            .active;
        let n = self.offset(k) + t;
        let slot = self.slot(k)?;
        let whole = !self.ctx.prefer_chunks(slot, self.cols.len());
        self.ctx.open(slot, row, self.witness(n)?, active, whole)
    }

    /// Values `size·b + v` (`v < size`) of an opened row: of a row opened whole through the
    /// one-hot of `b` (`hot`, made on first use), of one opened as chunks by
    /// `Ctx::chunk_window`.
    fn window(
        &self,
        k: usize,
        row: &Opened,
        b: &Fp,
        hot: &std::cell::OnceCell<Vec<Fp>>,
        size: usize,
    ) -> R<Vec<Fp>> {
        if row.values.is_empty() {
            let start = b * Fr::from(size as u64);
            return self.ctx.chunk_window(self.slot(k)?, row, &start, size);
        }
        let hot = match hot.get() {
            Some(h) => h,
            None => {
                let h = one_hot(self.cs(), b, self.width.div_ceil(size))?;
                hot.get_or_init(|| h)
            }
        };
        let off = cst(self.tensor(k)?.dtype.offset());
        (0..size)
            .map(|v| {
                let terms: Vec<Fp> = hot
                    .iter()
                    .enumerate()
                    .filter_map(|(b, h)| row.values.get(size * b + v).map(|x| h * x))
                    .collect();
                Ok(sum(&terms) - &off)
            })
            .collect()
    }

    /// The values of an opened row at the block's columns `C·q + u`, `u < C`.
    pub fn col_window(&self, k: usize, row: &Opened) -> R<Vec<Fp>> {
        self.window(k, row, self.q, &self.q_hot, self.cols.len())
    }

    /// The values of an opened row at the block's rows `R·p + t`, `t < R`, read as columns.
    pub fn row_window(&self, k: usize, row: &Opened) -> R<Vec<Fp>> {
        self.window(k, row, self.p, &self.p_hot, self.rows.len())
    }

    /// The value at column 0 of a row opened whole (a bias, a label).
    pub fn first(&self, k: usize, row: &Opened) -> R<Fp> {
        let off = cst(self.tensor(k)?.dtype.offset());
        let v = row.values.first().ok_or(SynthesisError::Unsatisfiable)?;
        Ok(v - off)
    }

    /// Output element `(t, u)` of the block is `expected` where it lies inside the output:
    /// `(got − expected) · active = 0`.
    pub fn expect(&self, t: usize, u: usize, got: &Fp, expected: &Fp) -> R<()> {
        let a = self
            .act
            .get(t * self.cols.len() + u)
            .ok_or(SynthesisError::Unsatisfiable)?;
        enforce_mul(&(got - expected), a, &Fp::zero())
    }

    /// The op's rounding shift.
    pub fn shift(&self) -> R<&Shift> {
        self.shift.ok_or(SynthesisError::Unsatisfiable)
    }
}

/// An op's part of the step circuit, implemented on the core op it mirrors.
pub(crate) trait SampleGadget: SampledOp {
    /// Whether parameter 0 is a rounding shift (its `Shift` is built once per op).
    fn rounds(&self) -> bool {
        false
    }

    /// Constraints on the op's parameters, once per op (in op order).
    fn params(&self, _cs: &Cs, _p: &[Fp], _shared: &mut Shared) -> R<()> {
        Ok(())
    }

    /// The sample's constraints: open the plan's rows and check every element of the block.
    fn sample(&self, cx: &SampleCx) -> R<()>;
}

/// The circuit side of an op kind: the one place an op is registered in this crate.
pub(crate) fn gadget(kind: OpKind) -> &'static dyn SampleGadget {
    use spotproof_core::ops as core;
    match kind {
        OpKind::Gather => &core::gather::Gather,
        OpKind::LinearForward => &core::linear_forward::LinearForward,
        OpKind::OutputError => &core::output_error::OutputError,
        OpKind::LinearBackwardInput => &core::linear_backward_input::LinearBackwardInput,
        OpKind::WeightGrad => &core::weight_grad::WeightGrad,
        OpKind::BiasGrad => &core::bias_grad::BiasGrad,
        OpKind::SgdUpdate => &core::sgd_update::SgdUpdate,
        OpKind::BiasUpdate => &core::bias_update::BiasUpdate,
        OpKind::Transpose => &core::transpose::Transpose,
        OpKind::Predict => &core::predict::Predict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_gadget_is_its_kinds() {
        for k in OpKind::ALL {
            assert_eq!(gadget(k).kind(), k);
        }
    }
}
