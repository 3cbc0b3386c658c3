//! **sgd_update** in the circuit: the element gadgets and the sample check
//! (`spotproof_core::ops::sgd_update`).

use super::{SampleCx, SampleGadget};
use crate::gadgets::*;
use ark_r1cs_std::eq::EqGadget;
use spotproof_core::commit::DType;
use spotproof_core::ops::sgd_update::SgdUpdate;

/// `ops::sgd_update_elem`: `clamp(m − rshr_round(g, s), −32768, 32767)`.
pub fn sgd_update_elem(cs: &Cs, m: &Fp, g: &Fp, s: &Shift) -> R<Fp> {
    let q = rshr_round(cs, g, s)?;
    clamp(cs, &(m - q), &cst(-32768), &cst(32767), 34)
}

/// `ops::derive_weight_elem`: `clamp(rshr_round(m, 8), −128, 127)`.
pub fn derive_weight_elem(cs: &Cs, m: &Fp, eight: &Shift) -> R<Fp> {
    let q = rshr_round(cs, m, eight)?;
    clamp(cs, &q, &cst(-128), &cst(127), 20)
}

impl SampleGadget for SgdUpdate {
    fn whole_inputs(&self) -> usize {
        2
    }
    fn rounds(&self) -> bool {
        true
    }
    fn sample(&self, cx: &SampleCx) -> R<()> {
        // The gradient element, recomputed: the trace does not commit it (`weight_grad`'s dot).
        let et = cx.open(0, true)?;
        let xt = cx.open(1, true)?;
        cx.tensor(0)?.cols.enforce_equal(&cx.tensor(1)?.cols)?;
        let g = dot_i8(cx.cs(), &et.values, &xt.values, &cx.tensor(0)?.cols)?;
        let at = |k: usize, dtype: DType| -> R<Fp> {
            let r = cx.open(k, false)?;
            cx.value(k, &r, cx.jc, dtype)
        };
        let m = at(2, DType::I16)?;
        let m2 = at(3, DType::I16)?;
        let w2 = at(4, DType::I8)?;
        let mv = sgd_update_elem(cx.cs(), &m, &g, cx.shift()?)?;
        mv.enforce_equal(&m2)?;
        derive_weight_elem(cx.cs(), &mv, &cx.shared.eight)?.enforce_equal(&w2)
    }
}
