//! **predict**: a query's predicted class (the arg-max of its logits) and whether it is the
//! query's label (CPU reference, element functions, sampled check). Kernel: `shaders/predict.wgsl`.

use super::OpKind;
use super::sampled::{Plan, Rows, Sampled, SampledOp, Site, as_, at, expect, fetch};
use super::{check_output_labels, par_rows};
use crate::error::Result;
use crate::tensor::Mat;

/// The predicted class of one row of logits: the *first* index of the largest value (ties go to
/// the smaller class); 0 for an empty row.
pub fn predict_elem<T: Copy + PartialOrd>(logits: &[T]) -> u32 {
    let mut best = 0;
    for (n, &v) in logits.iter().enumerate() {
        if v > logits[best] {
            best = n;
        }
    }
    best as u32
}

/// The correctness bit of one prediction: `[pred = label]`.
pub fn correct_elem(pred: u32, label: u32) -> u32 {
    u32::from(pred == label)
}

/// **predict** — `pred[b] = argmax_n y[b][n]` (the first maximum) and `correct[b] = [pred[b] =
/// labels[b]]`. Shapes: `y: B×N`, `labels: B`, every label `< N` (queries without labels carry
/// label 0: their bits then say nothing). No arithmetic: comparisons of int8 values only.
pub fn predict(y: &Mat<i8>, labels: &[u32]) -> Result<(Vec<u32>, Vec<u32>)> {
    let (b, n) = y.shape();
    check_output_labels(b, n, labels)?;
    let mut pred = vec![0u32; b];
    par_rows(&mut pred, 1, |i, out| out[0] = predict_elem(y.row(i)));
    let correct = pred
        .iter()
        .zip(labels)
        .map(|(&p, &l)| correct_elem(p, l))
        .collect();
    Ok((pred, correct))
}

/// The sampled check: output `(i, 0)` opens logit row `i`, label row `i`, prediction row `i` and
/// correctness row `i`, and checks both outputs.
pub struct Predict;

impl SampledOp for Predict {
    fn kind(&self) -> OpKind {
        OpKind::Predict
    }
    fn plan(&self) -> Plan {
        use super::sampled::{Operand::*, RowOf::*};
        &[(Input(0), I), (Input(1), I), (Output(0), I), (Output(1), I)]
    }
    fn check_element(&self, s: &Site, rows: &Rows, i: usize, j: usize) -> Sampled<()> {
        let [y, lab, pred, correct] = fetch(rows, &self.element_rows(s, i, j)?)?;
        let label: u32 = as_(at(lab, 0)?, "label out of range")?;
        let p = predict_elem(y);
        expect(i, j, at(pred, j)?, p.into())?;
        expect(i, j, at(correct, j)?, correct_elem(p, label).into())
    }
}
