//! **bias_grad** in the circuit: the element is the sum of an opened int8 row ([`sum_i8`]), and
//! the sample check (`spotproof_core::ops::bias_grad`).

use super::{SampleCx, SampleGadget};
use crate::gadgets::*;
use ark_r1cs_std::eq::EqGadget;
use spotproof_core::commit::DType;
use spotproof_core::ops::bias_grad::BiasGrad;

impl SampleGadget for BiasGrad {
    fn whole_inputs(&self) -> usize {
        1
    }
    fn sample(&self, cx: &SampleCx) -> R<()> {
        let et = cx.open(0, true)?;
        let g = sum_i8(&et.values, &cx.tensor(0)?.cols);
        let gr = cx.open(1, false)?;
        let gv = cx.value(1, &gr, cx.jc, DType::I32)?;
        g.enforce_equal(&gv)
    }
}
