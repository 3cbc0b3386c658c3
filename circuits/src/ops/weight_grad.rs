//! **weight_grad** in the circuit: the element is the dot product of two opened int8 rows
//! ([`dot_i8`]), and the sample check (`spotproof_core::ops::weight_grad`).

use super::{SampleCx, SampleGadget};
use crate::gadgets::*;
use ark_r1cs_std::eq::EqGadget;
use spotproof_core::ops::weight_grad::WeightGrad;

impl SampleGadget for WeightGrad {
    fn sample(&self, cx: &SampleCx) -> R<()> {
        let ets = cx.open(0)?;
        let xts = cx.open(1)?;
        cx.tensor(0)?.cols.enforce_equal(&cx.tensor(1)?.cols)?;
        let len = &cx.tensor(0)?.cols;
        for (t, (et, g)) in ets.iter().zip(cx.open_chunks(2)?).enumerate() {
            let gs = cx.col_window(2, &g)?;
            for (u, xt) in xts.iter().enumerate() {
                cx.expect(t, u, &dot_i8(cx.cs(), &et.values, &xt.values, len)?, &gs[u])?;
            }
        }
        Ok(())
    }
}
