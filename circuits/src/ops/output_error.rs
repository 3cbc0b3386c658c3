//! **output_error** in the circuit: the element gadgets and the sample check
//! (`spotproof_core::ops::output_error`).

use super::{SampleCx, SampleGadget, Shared};
use crate::gadgets::*;
use ark_r1cs_std::GR1CSVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use spotproof_core::commit::DType;
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
        let y = cx.open(0, false)?;
        let yv = cx.value(0, &y, cx.jc, DType::I8)?;
        let lab = cx.open(1, false)?;
        let lv = cx.value(1, &lab, &Fp::zero(), DType::U8)?;
        let t = target_elem(cx.cs(), cx.jc, &lv, &cx.params[0])?;
        let e = cx.open(2, false)?;
        let ev = cx.value(2, &e, cx.jc, DType::I8)?;
        output_error_elem(cx.cs(), &yv, &t)?.enforce_equal(&ev)
    }
}
