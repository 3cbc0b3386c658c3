//! **linear_backward_input** in the circuit: the element gadget and the sample check
//! (`spotproof_core::ops::linear_backward_input`).

use super::{SampleCx, SampleGadget};
use crate::gadgets::*;
use ark_bn254::Fr;
use ark_ff::One;
use ark_r1cs_std::GR1CSVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use spotproof_core::commit::DType;
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
    fn whole_inputs(&self) -> usize {
        2
    }
    fn rounds(&self) -> bool {
        true
    }
    fn sample(&self, cx: &SampleCx) -> R<()> {
        let e = cx.open(0, true)?;
        let wt = cx.open(1, true)?;
        cx.tensor(0)?.cols.enforce_equal(&cx.tensor(1)?.cols)?;
        let g = dot_i8(cx.cs(), &e.values, &wt.values, &cx.tensor(0)?.cols)?;
        let a = cx.open(2, false)?;
        let av = cx.value(2, &a, cx.jc, DType::I8)?;
        let dr = cx.open(3, false)?;
        let dv = cx.value(3, &dr, cx.jc, DType::I8)?;
        linear_backward_input_elem(cx.cs(), &g, cx.shift()?, &av)?.enforce_equal(&dv)
    }
}
