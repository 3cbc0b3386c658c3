//! **weight_grad** in the circuit: the element is the dot product of two opened int8 rows
//! ([`dot_i8`]), and the sample check (`spotproof_core::ops::weight_grad`).

use super::{SampleCx, SampleGadget};
use crate::gadgets::*;
use ark_r1cs_std::eq::EqGadget;
use spotproof_core::commit::DType;
use spotproof_core::ops::weight_grad::WeightGrad;

impl SampleGadget for WeightGrad {
    fn whole_inputs(&self) -> usize {
        2
    }
    fn sample(&self, cx: &SampleCx) -> R<()> {
        let et = cx.open(0, true)?;
        let xt = cx.open(1, true)?;
        cx.tensor(0)?.cols.enforce_equal(&cx.tensor(1)?.cols)?;
        let g = dot_i8(cx.cs(), &et.values, &xt.values, &cx.tensor(0)?.cols)?;
        let gr = cx.open(2, false)?;
        let gv = cx.value(2, &gr, cx.jc, DType::I32)?;
        g.enforce_equal(&gv)
    }
}
