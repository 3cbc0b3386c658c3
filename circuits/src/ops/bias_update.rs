//! **bias_update** in the circuit: the element gadget and the sample check
//! (`spotproof_core::ops::bias_update`).

use super::{SampleCx, SampleGadget};
use crate::gadgets::*;
use spotproof_core::ops::bias_update::BiasUpdate;

/// `ops::bias_update_elem`: `clamp(b − rshr_round(g, s), −2^24, 2^24)`.
pub fn bias_update_elem(cs: &Cs, b: &Fp, g: &Fp, s: &Shift) -> R<Fp> {
    let q = rshr_round(cs, g, s)?;
    let lim = i64::from(spotproof_core::ops::BIAS_MAX);
    clamp(cs, &(b - q), &cst(-lim), &cst(lim), 34)
}

impl SampleGadget for BiasUpdate {
    fn rounds(&self) -> bool {
        true
    }
    fn sample(&self, cx: &SampleCx) -> R<()> {
        // The gradients, recomputed: the trace does not commit them (`bias_grad`'s sums of the
        // block's error columns). Biases are `N×1`: the block's columns past the first are
        // outside the output.
        let len = &cx.tensor(0)?.cols;
        let rows = cx.open(0)?.into_iter().zip(cx.open(1)?).zip(cx.open(2)?);
        for (t, ((et, b), b2)) in rows.enumerate() {
            let g = sum_i8(&et.values, len);
            let v = bias_update_elem(cx.cs(), &cx.first(1, &b)?, &g, cx.shift()?)?;
            let b2 = cx.first(2, &b2)?;
            for u in 0..cx.cols.len() {
                cx.expect(t, u, &v, &b2)?;
            }
        }
        Ok(())
    }
}
