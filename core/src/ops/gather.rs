//! **gather**: the batch, dataset rows preprocessed into int8 with their labels (CPU reference,
//! element function, sampled check). Kernel: `shaders/gather.wgsl`.

use super::OpKind;
use super::sampled::{Plan, Rows, SampleError, Sampled, SampledOp, Site, as_, at, expect, fetch};
use super::{expect_len, par_rows};
use crate::error::{CoreError, Result};
use crate::tensor::Mat;

/// How a raw `u8` feature (a pixel) becomes an int8 input: `x = min((p << shl) >> shr, 127)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InputScale {
    /// Left shift (e.g. 3 for 0..16 digits pixels).
    pub shl: u32,
    /// Right shift (e.g. 1 for 0..255 MNIST pixels).
    pub shr: u32,
}

/// One pixel's preprocessing: `min((p << shl) >> shr, 127)` (no rounding: a floor shift).
pub fn gather_elem(p: u8, scale: InputScale) -> i8 {
    ((u64::from(p) << scale.shl.min(31)) >> scale.shr.min(31)).min(127) as i8
}

/// **gather** — the batch: dataset rows at `indices`, preprocessed into int8, with their labels.
///
/// `x[b][k] = min((images[indices[b]][k] << shl) >> shr, 127)` (floor shifts, no rounding),
/// `labels_out[b] = labels[indices[b]]`. Every index must be below the number of rows. Models
/// admit `shl, shr ≤ 8` (checked by `ModelConfig::validate`), so `p << shl < 2^16`: no overflow
/// in any 32-bit implementation.
pub fn gather(
    images: &Mat<u8>,
    labels: &[u8],
    indices: &[u32],
    scale: InputScale,
) -> Result<(Mat<i8>, Vec<u32>)> {
    check_gather(images.rows(), labels, indices)?;
    let k = images.cols();
    let mut x = Mat::zeros(indices.len(), k);
    par_rows(x.data_mut(), k, |i, out| {
        for (o, &p) in out.iter_mut().zip(images.row(indices[i] as usize)) {
            *o = gather_elem(p, scale);
        }
    });
    let l = indices
        .iter()
        .map(|&i| u32::from(labels[i as usize]))
        .collect();
    Ok((x, l))
}

/// Checks what [`gather`] checks (one label per row, every index below `rows`) without
/// computing it, for executors whose kernels cannot report errors.
pub fn check_gather(rows: usize, labels: &[u8], indices: &[u32]) -> Result<()> {
    expect_len("gather", "labels", labels.len(), rows)?;
    match indices.iter().find(|&&i| i as usize >= rows) {
        Some(&bad) => Err(CoreError::Index {
            op: "gather",
            index: bad as usize,
            len: rows,
        }),
        None => Ok(()),
    }
}

/// The sampled check: output `(i, j)` opens the dataset row batch row `i` was drawn from
/// (`sampling::batch_row`), input row `i` and label row `i`; it checks the input element and the
/// label.
pub struct Gather;

impl SampledOp for Gather {
    fn kind(&self) -> OpKind {
        OpKind::Gather
    }
    fn plan(&self) -> Plan {
        use super::sampled::{Operand::*, RowOf::*};
        &[(Input(0), Batch), (Output(0), I), (Output(1), I)]
    }
    fn check_element(&self, s: &Site, rows: &Rows, i: usize, j: usize) -> Sampled<()> {
        let [row, x, lab] = fetch(rows, &self.element_rows(s, i, j)?)?;
        let scale = InputScale {
            shl: s.shift(0)?,
            shr: s.shift(1)?,
        };
        let pixel: u8 = as_(at(row, j)?, "pixel out of range")?;
        expect(i, j, at(x, j)?, gather_elem(pixel, scale).into())?;
        let label = *row.last().ok_or(SampleError::Bad("empty dataset row"))?;
        expect(i, j, at(lab, 0)?, label)
    }
}
