//! The step circuit's sample checks, one module per op (`ops/<op>.rs`, named like the core op and
//! the kernel): the op's element gadget and its sample check. Each check is implemented on the
//! core op's own type (`impl SampleGadget for spotproof_core::ops::linear_forward::LinearForward`)
//! and opens rows only through [`SampleCx::open`], which takes operand and row from the core's
//! row plan (`SampledOp::plan`): opening `k` of the witness is row `k` of that plan, so the
//! checker and the circuit cannot disagree on which rows a sample opens. [`gadget`] is the one
//! registry.

pub mod bias_grad;
pub mod bias_update;
pub mod gather;
pub mod linear_backward_input;
pub mod linear_forward;
pub mod output_error;
pub mod sgd_update;
pub mod transpose;
pub mod weight_grad;

use crate::gadgets::{Cs, Fp, R, Shift};
use crate::open::{Col, Ctx, Opened, RowWitness, TensorVar};
use ark_relations::gr1cs::SynthesisError;
use spotproof_core::commit::DType;
use spotproof_core::layout::OpDesc;
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
}

/// One sample slot being synthesized.
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
    /// The element's row, and its bits.
    pub i: &'a Fp,
    /// Row bits.
    pub ib: &'a [Fp],
    /// The element's column, and its bits.
    pub jc: &'a Fp,
    /// Column bits.
    pub jb: &'a [Fp],
    /// The witness's openings of this sample (`None` at setup).
    pub openings: Option<&'a [RowWitness]>,
    /// The core's row plan.
    pub plan: &'static [(Operand, RowOf)],
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

    /// The witness's opening `k`.
    fn witness(&self, k: usize) -> R<Option<&RowWitness>> {
        match self.openings {
            None => Ok(None),
            Some(v) => v.get(k).map(Some).ok_or(SynthesisError::Unsatisfiable),
        }
    }

    /// Opens plan row `k` (row `i` or `j` of its operand), whole or as chunks.
    pub fn open(&self, k: usize, whole: bool) -> R<Opened> {
        let bits = match self.plan.get(k).map(|p| p.1) {
            Some(RowOf::I) => self.ib,
            Some(RowOf::J) => self.jb,
            // The batch row is derived by the op (`open_at`).
            Some(RowOf::Batch) | None => return Err(SynthesisError::Unsatisfiable),
        };
        self.ctx.open(self.slot(k)?, bits, self.witness(k)?, whole)
    }

    /// Opens plan row `k`, a [`RowOf::Batch`] row, at the row whose bits the op derived.
    pub fn open_at(&self, k: usize, row: &[Fp], whole: bool) -> R<Opened> {
        if self.plan.get(k).map(|p| p.1) != Some(RowOf::Batch) {
            return Err(SynthesisError::Unsatisfiable);
        }
        self.ctx.open(self.slot(k)?, row, self.witness(k)?, whole)
    }

    /// The value of opened plan row `k` at column `col` (a `dtype` value).
    pub fn value(&self, k: usize, row: &Opened, col: &Fp, dtype: DType) -> R<Fp> {
        let slot = self.slot(k)?;
        let c = self.ctx.column(col, slot, dtype)?;
        self.ctx.scalar(slot, row, &c)
    }

    /// The op's rounding shift.
    pub fn shift(&self) -> R<&Shift> {
        self.shift.ok_or(SynthesisError::Unsatisfiable)
    }
}

/// An op's part of the step circuit, implemented on the core op it mirrors.
pub(crate) trait SampleGadget: SampledOp {
    /// How many of the op's first inputs its samples open whole (their values enter a dot
    /// product or a sum).
    fn whole_inputs(&self) -> usize {
        0
    }

    /// Whether parameter 0 is a rounding shift (its `Shift` is built once per op).
    fn rounds(&self) -> bool {
        false
    }

    /// Constraints on the op's parameters, once per op (in op order).
    fn params(&self, _cs: &Cs, _p: &[Fp], _shared: &mut Shared) -> R<()> {
        Ok(())
    }

    /// The sample's constraints: open the plan's rows and check the element.
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
