//! **predict** in the circuit: the arg-max and its correctness bit (`spotproof_core::ops::predict`).

use super::{SampleCx, SampleGadget};
use crate::gadgets::*;
use ark_bn254::Fr;
use ark_r1cs_std::GR1CSVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use spotproof_core::ops::predict::Predict;

/// `ops::predict_elem` of a logit row opened whole (offset binary `u_n = y_n + 128`, the padding
/// past the row zero): the class `p` with a one-hot `e_n = [n = p]`, the selected value
/// `v = Σ e_n·u_n`, and for every `n`: `v − u_n − [n < p] ∈ [0, 2^8)`. So `v` is at least every
/// value and strictly above every earlier one: `p` is the first maximum. A `p` in the padding
/// cannot pass (its `v = 0` is not above the row's first value, which is at least 0).
pub fn predict_elem(cs: &Cs, u: &[Fp]) -> R<Fp> {
    let vals = || -> R<Vec<i128>> { u.iter().map(|x| Ok(int(x.value()?))).collect() };
    predict_as(cs, u, &|| {
        Ok(spotproof_core::ops::predict_elem(&vals()?) as usize)
    })
}

/// [`predict_elem`]'s constraints with the class the prover claims (`claim`) as its one-hot:
/// satisfiable only if the claim is the first maximum (a prover's other choices, for tests).
pub fn predict_as(cs: &Cs, u: &[Fp], claim: &dyn Fn() -> R<usize>) -> R<Fp> {
    let one = Fp::one();
    let e = (0..u.len())
        .map(|n| bit(cs, &one, || Ok(claim()? == n)))
        .collect::<R<Vec<_>>>()?;
    sum(&e).enforce_equal(&one)?;
    let p = lin(e
        .iter()
        .enumerate()
        .map(|(n, x)| (Fr::from(n as u64), x.clone())));
    let mut picked = Vec::with_capacity(u.len());
    for (x, un) in e.iter().zip(u) {
        let t = witness(cs, || Ok(x.value()? * un.value()?))?;
        enforce_mul(x, un, &t)?;
        picked.push(t);
    }
    let v = sum(&picked);
    // [n < p] = Σ_{m > n} e_m, a suffix sum of the one-hot.
    let mut later = Fp::zero();
    for n in (0..u.len()).rev() {
        bits(cs, &(&v - &u[n] - &later), 8)?;
        later += &e[n];
    }
    Ok(p)
}

impl SampleGadget for Predict {
    fn sample(&self, cx: &SampleCx) -> R<()> {
        let labs = cx.open(1)?;
        let preds = cx.open_chunks(2)?;
        let bits_ = cx.open_chunks(3)?;
        for (t, (((y, lab), pr), c)) in cx
            .open(0)?
            .iter()
            .zip(&labs)
            .zip(&preds)
            .zip(&bits_)
            .enumerate()
        {
            let p = predict_elem(cx.cs(), &y.values)?;
            let label = cx.first(1, lab)?;
            let correct = is_zero(cx.cs(), &(&p - &label))?;
            let (ps, cs_) = (cx.col_window(2, pr)?, cx.col_window(3, c)?);
            for u in 0..cx.cols.len() {
                cx.expect(t, u, &p, &ps[u])?;
                cx.expect(t, u, &correct, &cs_[u])?;
            }
        }
        Ok(())
    }
}
