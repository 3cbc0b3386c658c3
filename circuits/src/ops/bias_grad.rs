//! **bias_grad** in the circuit: the element is the sum of an opened int8 row ([`sum_i8`]), and
//! the sample check (`spotproof_core::ops::bias_grad`).

use super::{SampleCx, SampleGadget};
use crate::gadgets::*;
use spotproof_core::ops::bias_grad::BiasGrad;

impl SampleGadget for BiasGrad {
    fn sample(&self, cx: &SampleCx) -> R<()> {
        let len = &cx.tensor(0)?.cols;
        for (t, (et, g)) in cx.open(0)?.iter().zip(cx.open(1)?).enumerate() {
            let gv = cx.first(1, &g)?;
            for u in 0..cx.cols.len() {
                cx.expect(t, u, &sum_i8(&et.values, len), &gv)?;
            }
        }
        Ok(())
    }
}
