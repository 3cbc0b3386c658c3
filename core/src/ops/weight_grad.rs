//! **weight_grad**: the exact weight gradient (CPU reference, element function, sampled check).
//! Kernel: `shaders/weight_grad.wgsl`.

use super::OpKind;
use super::par_rows;
use super::sampled::{Plan, Rows, SampleError, Sampled, SampledOp, Site, at, expect, fetch};
use crate::error::Result;
use crate::tensor::Mat;

/// One weight-gradient element: `g[n][k] = Σ_b e[b][n]·x[b][k]`, exact, from the error column
/// `n` and the input column `k` (rows of the committed transposes). `|g| ≤ B·2^14`.
pub fn weight_grad_elem<T: Copy + Into<i64>>(e_col: &[T], x_col: &[T]) -> i64 {
    e_col
        .iter()
        .zip(x_col)
        .map(|(&a, &c)| a.into() * c.into())
        .sum()
}

/// **weight_grad** — the exact weight gradient `g[n][k] = Σ_b e[b][n]·x[b][k]` in `i32`.
///
/// Shapes: `e: B×N`, `x: B×K`, `g: N×K`. No rounding. Bound: `|g| ≤ B·2^14`.
pub fn weight_grad(e: &Mat<i8>, x: &Mat<i8>) -> Result<Mat<i32>> {
    const OP: &str = "weight_grad";
    let (b, n) = e.shape();
    let k = x.cols();
    x.expect_shape(OP, "input", (b, k))?;
    let mut g = Mat::zeros(n, k);
    par_rows(g.data_mut(), k, |j, out| {
        let mut acc = vec![0i64; k];
        for i in 0..b {
            let ej = i64::from(e.at(i, j));
            if ej != 0 {
                for (s, &xv) in acc.iter_mut().zip(x.row(i)) {
                    *s += ej * i64::from(xv);
                }
            }
        }
        for (o, s) in out.iter_mut().zip(acc) {
            *o = s as i32;
        }
    });
    Ok(g)
}

/// The sampled check: output `(i, j)` opens transposed-error row `i`, transposed-input row `j`
/// and gradient row `i`.
pub struct WeightGrad;

impl SampledOp for WeightGrad {
    fn kind(&self) -> OpKind {
        OpKind::WeightGrad
    }
    fn inner(&self) -> Option<super::sampled::Operand> {
        Some(super::sampled::Operand::Input(0))
    }
    fn plan(&self) -> Plan {
        use super::sampled::{Operand::*, RowOf::*};
        &[(Input(0), I), (Input(1), J), (Output(0), I)]
    }
    fn check_element(&self, s: &Site, rows: &Rows, i: usize, j: usize) -> Sampled<()> {
        let [et, xt, g] = fetch(rows, &self.element_rows(s, i, j)?)?;
        if et.len() != xt.len() {
            return Err(SampleError::Bad("transposed operand rows differ in length"));
        }
        expect(i, j, at(g, j)?, weight_grad_elem(et, xt))
    }
}
