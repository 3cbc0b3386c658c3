//! **sgd_update** in the circuit: the element gadgets and the sample check
//! (`spotproof_core::ops::sgd_update`).

use super::{SampleCx, SampleGadget};
use crate::gadgets::*;
use ark_r1cs_std::eq::EqGadget;
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
        // The gradient tile, recomputed: the trace does not commit it (`weight_grad`'s dots of
        // the block's R error columns with its C input columns).
        let ets = cx.open(0)?;
        let xts = cx.open(1)?;
        cx.tensor(0)?.cols.enforce_equal(&cx.tensor(1)?.cols)?;
        let len = &cx.tensor(0)?.cols;
        let windows = |k: usize| -> R<Vec<Vec<Fp>>> {
            cx.open_chunks(k)?
                .iter()
                .map(|r| cx.col_window(k, r))
                .collect()
        };
        let (ms, m2s, w2s) = (windows(2)?, windows(3)?, windows(4)?);
        for (t, et) in ets.iter().enumerate() {
            for (u, xt) in xts.iter().enumerate() {
                let g = dot_i8(cx.cs(), &et.values, &xt.values, len)?;
                let mv = sgd_update_elem(cx.cs(), &ms[t][u], &g, cx.shift()?)?;
                cx.expect(t, u, &mv, &m2s[t][u])?;
                let wv = derive_weight_elem(cx.cs(), &mv, &cx.shared.eight)?;
                cx.expect(t, u, &wv, &w2s[t][u])?;
            }
        }
        Ok(())
    }
}
