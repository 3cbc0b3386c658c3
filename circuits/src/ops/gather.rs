//! **gather** in the circuit: the element gadget and the sample check, which derives the batch
//! row it opens from the header (`spotproof_core::ops::gather`, `sampling::batch_row`).

use super::{SampleCx, SampleGadget, Shared};
use crate::gadgets::*;
use ark_r1cs_std::GR1CSVar;
use ark_r1cs_std::fields::FieldVar;
use ark_relations::gr1cs::SynthesisError;
use spotproof_core::domain;
use spotproof_core::layout::TraceKind;
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
        let labs = cx.open(2)?;
        let depth = cx.ctx.class.dataset_depth;
        for (t, (x, lab)) in cx.open_chunks(1)?.iter().zip(&labs).enumerate() {
            let rb = if cx.ctx.class.kind == TraceKind::Infer {
                // Inference gathers every query in order: batch row i is query i.
                bits(cx.cs(), &cx.rows[t].value, depth)?
            } else {
                // The dataset row: reduce(hash(7, data_seed, step, i), dataset rows).
                let hb = hash(&[
                    cst(domain::DOMAIN_BATCH as i64),
                    cx.shared.data_seed.clone(),
                    cx.shared.step.clone(),
                    cx.rows[t].value.clone(),
                ])?;
                reduce(cx.cs(), &hb, &cx.tensor(0)?.rows, depth)?.1
            };
            let row = cx.open_at(0, t, &rb)?;
            let pix = cx.col_window(0, &row)?;
            let xs = cx.col_window(1, x)?;
            for (u, (p, xv)) in pix.iter().zip(&xs).enumerate() {
                cx.expect(t, u, &gather_elem(cx.cs(), p, shl, shr)?, xv)?;
            }
            // The label, once per row (every element of the block row checks it).
            let label = cx.ctx.scalar(cx.slot(0)?, &row, label_col)?;
            for u in 0..cx.cols.len() {
                cx.expect(t, u, &cx.first(2, lab)?, &label)?;
            }
        }
        Ok(())
    }
}
