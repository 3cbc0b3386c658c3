//! **linear_forward** in the circuit: the element gadget and the sample check
//! (`spotproof_core::ops::linear_forward`).

use super::{SampleCx, SampleGadget, Shared};
use crate::gadgets::*;
use ark_r1cs_std::eq::EqGadget;
use spotproof_core::ops::linear_forward::LinearForward;

/// `ops::linear_forward_elem`: `clamp(rshr_round(acc, s), lo, 127)`.
pub fn linear_forward_elem(cs: &Cs, acc: &Fp, s: &Shift, lo: &Fp) -> R<Fp> {
    let q = rshr_round(cs, acc, s)?;
    clamp(cs, &q, lo, &cst(127), 40)
}

impl SampleGadget for LinearForward {
    fn rounds(&self) -> bool {
        true
    }
    fn params(&self, cs: &Cs, p: &[Fp], _: &mut Shared) -> R<()> {
        // The activation floor is an int8.
        bits(cs, &(&p[1] + cst(128)), 8).map(|_| ())
    }
    fn sample(&self, cx: &SampleCx) -> R<()> {
        // The block's R input rows and C weight rows, each opened once and used by every dot
        // product of the tile.
        let xs = cx.open(0)?;
        let ws = cx.open(1)?;
        cx.tensor(0)?.cols.enforce_equal(&cx.tensor(1)?.cols)?;
        let bs = cx
            .open(2)?
            .iter()
            .map(|b| cx.first(2, b))
            .collect::<R<Vec<_>>>()?;
        let len = &cx.tensor(0)?.cols;
        for (t, (x, y)) in xs.iter().zip(cx.open_chunks(3)?).enumerate() {
            let ys = cx.col_window(3, &y)?;
            for (u, (w, b)) in ws.iter().zip(&bs).enumerate() {
                let acc = dot_i8(cx.cs(), &x.values, &w.values, len)? + b;
                let v = linear_forward_elem(cx.cs(), &acc, cx.shift()?, &cx.params[1])?;
                cx.expect(t, u, &v, &ys[u])?;
            }
        }
        Ok(())
    }
}
