//! **transpose** in the circuit: the element is the input's value itself, and the sample check
//! (`spotproof_core::ops::transpose`).

use super::{SampleCx, SampleGadget};
use crate::gadgets::*;
use ark_r1cs_std::eq::EqGadget;
use spotproof_core::commit::DType;
use spotproof_core::ops::transpose::Transpose;

impl SampleGadget for Transpose {
    fn sample(&self, cx: &SampleCx) -> R<()> {
        let x = cx.open(0, false)?;
        let xv = cx.value(0, &x, cx.i, DType::I8)?;
        let t = cx.open(1, false)?;
        let tv = cx.value(1, &t, cx.jc, DType::I8)?;
        xv.enforce_equal(&tv)
    }
}
