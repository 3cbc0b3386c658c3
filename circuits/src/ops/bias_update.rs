//! **bias_update** in the circuit: the element gadget and the sample check
//! (`spotproof_core::ops::bias_update`).

use super::{SampleCx, SampleGadget};
use crate::gadgets::*;
use ark_r1cs_std::eq::EqGadget;
use spotproof_core::commit::DType;
use spotproof_core::ops::bias_update::BiasUpdate;

/// `ops::bias_update_elem`: `clamp(b − rshr_round(g, s), −2^24, 2^24)`.
pub fn bias_update_elem(cs: &Cs, b: &Fp, g: &Fp, s: &Shift) -> R<Fp> {
    let q = rshr_round(cs, g, s)?;
    let lim = i64::from(spotproof_core::ops::BIAS_MAX);
    clamp(cs, &(b - q), &cst(-lim), &cst(lim), 34)
}

impl SampleGadget for BiasUpdate {
    fn whole_inputs(&self) -> usize {
        1
    }
    fn rounds(&self) -> bool {
        true
    }
    fn sample(&self, cx: &SampleCx) -> R<()> {
        // The gradient, recomputed: the trace does not commit it (`bias_grad`'s sum).
        let et = cx.open(0, true)?;
        let g = sum_i8(&et.values, &cx.tensor(0)?.cols);
        let at = |k: usize| -> R<Fp> {
            let r = cx.open(k, false)?;
            cx.value(k, &r, cx.jc, DType::I32)
        };
        let b = at(1)?;
        let b2 = at(2)?;
        bias_update_elem(cx.cs(), &b, &g, cx.shift()?)?.enforce_equal(&b2)
    }
}
