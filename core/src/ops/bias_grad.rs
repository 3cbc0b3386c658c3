//! **bias_grad**: the exact bias gradient (CPU reference, element function, sampled check).
//! Kernel: `shaders/bias_grad.wgsl`.

use super::OpKind;
use super::sampled::{Plan, Rows, Sampled, SampledOp, Site, at, expect, fetch};
use crate::tensor::Mat;
use rayon::prelude::*;

/// One bias-gradient element: `g[n] = Σ_b e[b][n]`, exact, from the error column `n` (a row of
/// the committed transpose). `|g| ≤ B·128`.
pub fn bias_grad_elem<T: Copy + Into<i64>>(e_col: &[T]) -> i64 {
    e_col.iter().map(|&v| v.into()).sum()
}

/// **bias_grad** — the exact bias gradient `g[n] = Σ_b e[b][n]` in `i32`. Bound: `|g| ≤ B·128`.
pub fn bias_grad(e: &Mat<i8>) -> Vec<i32> {
    let (b, n) = e.shape();
    (0..n)
        .into_par_iter()
        .map(|j| (0..b).map(|i| i32::from(e.at(i, j))).sum())
        .collect()
}

/// The sampled check: output `(i, 0)` opens transposed-error row `i` and gradient row `i`.
pub struct BiasGrad;

impl SampledOp for BiasGrad {
    fn kind(&self) -> OpKind {
        OpKind::BiasGrad
    }
    fn plan(&self) -> Plan {
        use super::sampled::{Operand::*, RowOf::*};
        &[(Input(0), I), (Output(0), I)]
    }
    fn check_element(&self, s: &Site, rows: &Rows, i: usize, j: usize) -> Sampled<()> {
        let [et, g] = fetch(rows, &self.element_rows(s, i, j)?)?;
        expect(i, j, at(g, j)?, bias_grad_elem(et))
    }
}
