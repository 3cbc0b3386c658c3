//! **linear_forward** in the circuit: the element gadget and the sample check
//! (`spotproof_core::ops::linear_forward`).

use super::{SampleCx, SampleGadget, Shared};
use crate::gadgets::*;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use spotproof_core::commit::DType;
use spotproof_core::ops::linear_forward::LinearForward;

/// `ops::linear_forward_elem`: `clamp(rshr_round(acc, s), lo, 127)`.
pub fn linear_forward_elem(cs: &Cs, acc: &Fp, s: &Shift, lo: &Fp) -> R<Fp> {
    let q = rshr_round(cs, acc, s)?;
    clamp(cs, &q, lo, &cst(127), 40)
}

impl SampleGadget for LinearForward {
    fn whole_inputs(&self) -> usize {
        2
    }
    fn rounds(&self) -> bool {
        true
    }
    fn params(&self, cs: &Cs, p: &[Fp], _: &mut Shared) -> R<()> {
        // The activation floor is an int8.
        bits(cs, &(&p[1] + cst(128)), 8).map(|_| ())
    }
    fn sample(&self, cx: &SampleCx) -> R<()> {
        let x = cx.open(0, true)?;
        let wr = cx.open(1, true)?;
        cx.tensor(0)?.cols.enforce_equal(&cx.tensor(1)?.cols)?;
        let b = cx.open(2, false)?;
        let bv = cx.value(2, &b, &Fp::zero(), DType::I32)?;
        let acc = dot_i8(cx.cs(), &x.values, &wr.values, &cx.tensor(0)?.cols)? + bv;
        let y = cx.open(3, false)?;
        let yv = cx.value(3, &y, cx.jc, DType::I8)?;
        linear_forward_elem(cx.cs(), &acc, cx.shift()?, &cx.params[1])?.enforce_equal(&yv)
    }
}
