//! **output_error** in the circuit: the element gadgets and the sample check
//! (`spotproof_core::ops::output_error`).

use super::{SampleCx, SampleGadget, Shared};
use crate::gadgets::*;
use ark_r1cs_std::GR1CSVar;
use spotproof_core::ops::output_error::OutputError;

/// `ops::target_elem` with `lo = 0`: `hi` where `class = label`, else 0.
pub fn target_elem(cs: &Cs, class: &Fp, label: &Fp, hi: &Fp) -> R<Fp> {
    let eq = is_zero(cs, &(class - label))?;
    witness(cs, || Ok(eq.value()? * hi.value()?)).and_then(|t| {
        enforce_mul(&eq, hi, &t)?;
        Ok(t)
    })
}

/// `ops::output_error_elem`: `clamp(y − t, −128, 127)`.
pub fn output_error_elem(cs: &Cs, y: &Fp, t: &Fp) -> R<Fp> {
    clamp(cs, &(y - t), &cst(-128), &cst(127), 10)
}

impl SampleGadget for OutputError {
    fn params(&self, cs: &Cs, p: &[Fp], _: &mut Shared) -> R<()> {
        // The target is an int8.
        bits(cs, &(&p[0] + cst(128)), 8).map(|_| ())
    }
    fn sample(&self, cx: &SampleCx) -> R<()> {
        let labs = cx.open(1)?;
        for (t, ((y, lab), e)) in cx
            .open_chunks(0)?
            .iter()
            .zip(&labs)
            .zip(cx.open_chunks(2)?)
            .enumerate()
        {
            let (ys, es) = (cx.col_window(0, y)?, cx.col_window(2, &e)?);
            let lv = cx.first(1, lab)?;
            for (u, col) in cx.cols.iter().enumerate() {
                let tv = target_elem(cx.cs(), &col.value, &lv, &cx.params[0])?;
                cx.expect(t, u, &output_error_elem(cx.cs(), &ys[u], &tv)?, &es[u])?;
            }
        }
        Ok(())
    }
}
