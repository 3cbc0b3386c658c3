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
    fn rounds(&self) -> bool {
        true
    }
    fn sample(&self, cx: &SampleCx) -> R<()> {
        let at = |k: usize, dtype: DType| -> R<Fp> {
            let r = cx.open(k, false)?;
            cx.value(k, &r, cx.jc, dtype)
        };
        let m = at(0, DType::I16)?;
        let g = at(1, DType::I32)?;
        let m2 = at(2, DType::I16)?;
        let w2 = at(3, DType::I8)?;
        let mv = sgd_update_elem(cx.cs(), &m, &g, cx.shift()?)?;
        mv.enforce_equal(&m2)?;
        derive_weight_elem(cx.cs(), &mv, &cx.shared.eight)?.enforce_equal(&w2)
    }
}
