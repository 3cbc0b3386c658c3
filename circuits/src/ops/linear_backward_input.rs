//! **linear_backward_input** in the circuit: the element gadget and the sample check
//! (`spotproof_core::ops::linear_backward_input`).

use super::{SampleCx, SampleGadget};
use crate::gadgets::*;
use ark_bn254::Fr;
use ark_ff::One;
use ark_r1cs_std::GR1CSVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use spotproof_core::ops::linear_backward_input::LinearBackwardInput;

/// `ops::linear_backward_input_elem`: `a ∈ (0, 127)` ? `clamp(rshr_round(g, s), −128, 127)` : 0.
pub fn linear_backward_input_elem(cs: &Cs, g: &Fp, s: &Shift, a: &Fp) -> R<Fp> {
    let q = rshr_round(cs, g, s)?;
    let v = clamp(cs, &q, &cst(-128), &cst(127), 40)?;
    // le0 ? −a : a − 1  ≥ 0  (|a| ≤ 128)
    let le0 = bit(cs, &Fp::one(), || Ok(int(a.value()?) <= 0))?;
    let t = witness(cs, || {
        Ok(le0.value()? * (Fr::one() - a.value()? * Fr::from(2u64)))
    })?;
    enforce_mul(&le0, &(Fp::one() - a * Fr::from(2u64)), &t)?;
    bits(cs, &(a - Fp::one() + &t), 9)?;
    let top = is_zero(cs, &(a - cst(127)))?;
    let inside = Fp::one() - le0 - top;
    let d = witness(cs, || Ok(inside.value()? * v.value()?))?;
    enforce_mul(&inside, &v, &d)?;
    Ok(d)
}

impl SampleGadget for LinearBackwardInput {
    fn rounds(&self) -> bool {
        true
    }
    fn sample(&self, cx: &SampleCx) -> R<()> {
        let es = cx.open(0)?;
        let wts = cx.open(1)?;
        cx.tensor(0)?.cols.enforce_equal(&cx.tensor(1)?.cols)?;
        let len = &cx.tensor(0)?.cols;
        let rows = es.iter().zip(cx.open_chunks(2)?).zip(cx.open_chunks(3)?);
        for (t, ((e, a), d)) in rows.enumerate() {
            let (avs, dvs) = (cx.col_window(2, &a)?, cx.col_window(3, &d)?);
            for (u, wt) in wts.iter().enumerate() {
                let g = dot_i8(cx.cs(), &e.values, &wt.values, len)?;
                let v = linear_backward_input_elem(cx.cs(), &g, cx.shift()?, &avs[u])?;
                cx.expect(t, u, &v, &dvs[u])?;
            }
        }
        Ok(())
    }
}
