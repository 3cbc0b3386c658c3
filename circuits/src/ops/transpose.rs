//! **transpose** in the circuit: the element is the input's value itself, and the sample check
//! (`spotproof_core::ops::transpose`).

use super::{SampleCx, SampleGadget};
use crate::gadgets::*;
use spotproof_core::ops::transpose::Transpose;

impl SampleGadget for Transpose {
    fn sample(&self, cx: &SampleCx) -> R<()> {
        // t[i][j] = x[j][i]: the block's C rows of x read at its R rows, against its R rows of t
        // read at its C columns.
        let xs = cx
            .open_chunks(0)?
            .iter()
            .map(|x| cx.row_window(0, x))
            .collect::<R<Vec<_>>>()?;
        for (t, tr) in cx.open_chunks(1)?.iter().enumerate() {
            for (u, tv) in cx.col_window(1, tr)?.iter().enumerate() {
                cx.expect(t, u, &xs[u][t], tv)?;
            }
        }
        Ok(())
    }
}
