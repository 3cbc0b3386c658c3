//! A dense row-major matrix, the only tensor shape a step needs.

use crate::error::{CoreError, Result};
use serde::{Deserialize, Serialize};

/// A row-major `rows × cols` matrix of integers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mat<T> {
    rows: usize,
    cols: usize,
    data: Vec<T>,
}

impl<T: Copy + Default> Mat<T> {
    /// A matrix from its row-major values; the length must be `rows * cols`.
    pub fn new(rows: usize, cols: usize, data: Vec<T>) -> Result<Self> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(CoreError::TensorLen {
                rows,
                cols,
                got: data.len(),
            });
        }
        Ok(Self { rows, cols, data })
    }

    /// A matrix from values the caller computed for exactly this shape.
    pub(crate) fn from_parts(rows: usize, cols: usize, data: Vec<T>) -> Self {
        debug_assert_eq!(rows * cols, data.len());
        Self { rows, cols, data }
    }

    /// A matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            data: vec![T::default(); rows * cols],
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// (rows, cols).
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Row-major values.
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// Row-major values, mutable.
    pub fn data_mut(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// Consumes the matrix, returning its values.
    pub fn into_data(self) -> Vec<T> {
        self.data
    }

    /// Row `i` (panics if out of range: callers index rows they have shape-checked).
    pub fn row(&self, i: usize) -> &[T] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Element (i, j).
    pub fn at(&self, i: usize, j: usize) -> T {
        self.data[i * self.cols + j]
    }

    /// Errors unless the shape is `expected`.
    pub fn expect_shape(
        &self,
        op: &'static str,
        what: &'static str,
        expected: (usize, usize),
    ) -> Result<()> {
        if self.shape() == expected {
            Ok(())
        } else {
            Err(CoreError::Shape {
                op,
                what,
                expected,
                got: self.shape(),
            })
        }
    }
}
