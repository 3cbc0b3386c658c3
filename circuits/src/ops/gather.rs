//! **gather** in the circuit: the element gadget and the sample check, which derives the batch
//! row it opens from the header (`spotproof_core::ops::gather`, `sampling::batch_row`).

use super::{SampleCx, SampleGadget, Shared};
use crate::gadgets::*;
use ark_r1cs_std::GR1CSVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::SynthesisError;
use spotproof_core::commit::DType;
use spotproof_core::domain;
use spotproof_core::ops::gather::Gather;

/// `ops::gather_elem`: `min((p << shl) >> shr, 127)` (floor shifts).
pub fn gather_elem(cs: &Cs, p: &Fp, shl: &Shift, shr_: &Shift) -> R<Fp> {
    let t = witness(cs, || Ok(p.value()? * shl.pow.value()?))?;
    enforce_mul(p, &shl.pow, &t)?;
    let q = shr(cs, &t, &Fp::zero(), shr_)?;
    clamp(cs, &q, &cst(0), &cst(127), 40)
}

impl SampleGadget for Gather {
    fn params(&self, cs: &Cs, p: &[Fp], shared: &mut Shared) -> R<()> {
        shared.gather_shifts = Some((Shift::new(cs, &p[0])?, Shift::new(cs, &p[1])?));
        Ok(())
    }
    fn sample(&self, cx: &SampleCx) -> R<()> {
        let (shl, shr) = cx
            .shared
            .gather_shifts
            .as_ref()
            .ok_or(SynthesisError::Unsatisfiable)?;
        let label_col = cx
            .shared
            .label_col
            .as_ref()
            .ok_or(SynthesisError::Unsatisfiable)?;
        // The dataset row: reduce(hash(7, data_seed, step, i), dataset rows).
        let hb = hash(&[
            cst(domain::DOMAIN_BATCH as i64),
            cx.shared.data_seed.clone(),
            cx.shared.step.clone(),
            cx.i.clone(),
        ])?;
        let (_, rb) = reduce(
            cx.cs(),
            &hb,
            &cx.tensor(0)?.rows,
            cx.ctx.class.dataset_depth,
        )?;
        let row = cx.open_at(0, &rb, false)?;
        let pix = cx.value(0, &row, cx.jc, DType::U8)?;
        let label = cx.ctx.scalar(cx.slot(0)?, &row, label_col)?;
        let x = cx.open(1, false)?;
        let xv = cx.value(1, &x, cx.jc, DType::I8)?;
        gather_elem(cx.cs(), &pix, shl, shr)?.enforce_equal(&xv)?;
        let lab = cx.open(2, false)?;
        let lv = cx.value(2, &lab, &Fp::zero(), DType::U8)?;
        lv.enforce_equal(&label)
    }
}
