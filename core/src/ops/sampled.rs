//! What an op is to the sampling protocol: the rows a sample of its outputs opens and how those
//! outputs are checked from the opened rows alone. Each op's module implements [`SampledOp`];
//! [`super::sampled_op`] is the one registry. The trace checker (`check`) builds the [`Site`] from a
//! manifest and maps [`SampleError`] to its rejections; the circuit opens the same rows, plan
//! entry by plan entry, once per block row or column.

use super::OpKind;
use std::ops::Range;

/// A block of an op's first output that one sample checks: a cell of the grid that tiles the
/// output with blocks of the op kind's shape (`sampling::Sampling`), clipped to the output. The
/// rows a block opens are the union of its elements' rows, in first-use order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Output rows.
    pub rows: Range<usize>,
    /// Output columns.
    pub cols: Range<usize>,
}

impl Block {
    /// Cell `cell` (row-major) of the grid that tiles an `rows × cols` output with `br × bc`
    /// blocks (`sampling::grid`), clipped to the output; empty if there is no such cell.
    pub fn cell(cell: u64, rows: usize, cols: usize, br: usize, bc: usize) -> Self {
        let (br, bc) = (br.max(1), bc.max(1));
        let (nr, nc) = crate::sampling::grid(rows, cols, br, bc);
        if cell >= nr.saturating_mul(nc) {
            return Self {
                rows: 0..0,
                cols: 0..0,
            };
        }
        let (p, q) = ((cell / nc) as usize, (cell % nc) as usize);
        // p·br < rows and q·bc < cols; the ends saturate for absurd block shapes.
        Self {
            rows: p * br..(p + 1).saturating_mul(br).min(rows),
            cols: q * bc..(q + 1).saturating_mul(bc).min(cols),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.rows.len() * self.cols.len()
    }

    /// Whether the block has no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements `(i, j)`, row-major.
    pub fn elements(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.rows
            .clone()
            .flat_map(move |i| self.cols.clone().map(move |j| (i, j)))
    }
}

/// One sampled op as the checker sees it: its parameters and tensor slots, the shape of every
/// slot, the block, and the batch derivation (for `gather`).
pub struct Site<'a> {
    /// The op's parameters.
    pub params: [i64; 4],
    /// Input slots.
    pub inputs: &'a [usize],
    /// Output slots.
    pub outputs: &'a [usize],
    /// `(rows, cols)` of every slot of the manifest.
    pub shapes: &'a [(usize, usize)],
    /// The block checked.
    pub block: Block,
    /// Batch row `i` → the dataset row it was drawn from, given the dataset's row count.
    pub batch_row: &'a dyn Fn(u64, u64) -> usize,
}

/// Why a sample fails, from the op's point of view; the checker adds which sample and op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SampleError {
    /// The op table or an opened row is malformed.
    Bad(&'static str),
    /// A row the check needs was not opened.
    Missing {
        /// Tensor slot.
        tensor: usize,
        /// Row.
        row: usize,
    },
    /// Output element `(i, j)` is not what the reference computes from the opened inputs.
    Wrong {
        /// Output row.
        i: usize,
        /// Output column.
        j: usize,
        /// The committed value.
        committed: i64,
        /// The recomputed value.
        expected: i64,
    },
}

/// A sampled check's result.
pub type Sampled<T> = Result<T, SampleError>;

/// The opened rows, looked up by `(slot, row)`.
pub type Rows<'a> = dyn Fn((usize, usize)) -> Result<&'a [i64], SampleError> + 'a;

impl Site<'_> {
    /// Input slot `k`.
    pub fn input(&self, k: usize) -> Result<usize, SampleError> {
        self.slot(self.inputs, k)
    }

    /// Output slot `k`.
    pub fn output(&self, k: usize) -> Result<usize, SampleError> {
        self.slot(self.outputs, k)
    }

    fn slot(&self, v: &[usize], k: usize) -> Result<usize, SampleError> {
        v.get(k)
            .copied()
            .filter(|&t| t < self.shapes.len())
            .ok_or(SampleError::Bad("tensor slot out of range"))
    }

    /// Parameter `k` as a shift (below 32).
    pub fn shift(&self, k: usize) -> Result<u32, SampleError> {
        u32::try_from(self.params[k])
            .ok()
            .filter(|&v| v < 32)
            .ok_or(SampleError::Bad("shift out of range"))
    }

    /// Parameter `k` as an int8.
    pub fn i8_param(&self, k: usize) -> Result<i8, SampleError> {
        i8::try_from(self.params[k]).map_err(|_| SampleError::Bad("parameter out of int8 range"))
    }
}

/// Value `c` of an opened row.
pub fn at(row: &[i64], c: usize) -> Result<i64, SampleError> {
    row.get(c)
        .copied()
        .ok_or(SampleError::Bad("column out of range"))
}

/// A committed value `v` read as type `T`.
pub fn as_<T: TryFrom<i64>>(v: i64, what: &'static str) -> Result<T, SampleError> {
    T::try_from(v).map_err(|_| SampleError::Bad(what))
}

/// `committed == expected` for output `(i, j)`.
pub fn expect(i: usize, j: usize, committed: i64, expected: i64) -> Result<(), SampleError> {
    if committed == expected {
        Ok(())
    } else {
        Err(SampleError::Wrong {
            i,
            j,
            committed,
            expected,
        })
    }
}

/// An operand of an op: input `k` or output `k` (slots from its descriptor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// Input `k`.
    Input(usize),
    /// Output `k`.
    Output(usize),
}

/// Which row of an operand output element `(i, j)` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowOf {
    /// Row `i`.
    I,
    /// Row `j`.
    J,
    /// The dataset row batch row `i` was drawn from (`sampling::batch_row`).
    Batch,
}

/// An op's row plan: for output element `(i, j)`, the rows it opens, in order. Stated once, used
/// by the native checker (here) and by the circuit, which opens row `k` of the plan as the
/// witness's opening `k`.
pub type Plan = &'static [(Operand, RowOf)];

/// An op's sampled check. Implementors state the row plan of one output element and its check;
/// blocks follow from them.
pub trait SampledOp: Sync {
    /// The op.
    fn kind(&self) -> OpKind;

    /// The rows output element `(i, j)` opens, in order.
    fn plan(&self) -> Plan;

    /// For a dot-product op, the operand whose row length is the number of multiply-accumulates
    /// behind one output element; `None` for the element-wise ops.
    fn inner(&self) -> Option<Operand> {
        None
    }

    /// Rows `(slot, row)` output element `(i, j)` depends on: the plan evaluated.
    fn element_rows(&self, site: &Site, i: usize, j: usize) -> Sampled<Vec<(usize, usize)>> {
        self.plan()
            .iter()
            .map(|&(operand, row)| {
                let slot = match operand {
                    Operand::Input(k) => site.input(k)?,
                    Operand::Output(k) => site.output(k)?,
                };
                let r = match row {
                    RowOf::I => i,
                    RowOf::J => j,
                    RowOf::Batch => (site.batch_row)(i as u64, site.shapes[slot].0 as u64),
                };
                Ok((slot, r))
            })
            .collect()
    }

    /// Checks output element `(i, j)` (every output the op writes there) from opened rows.
    fn check_element(
        &self,
        site: &Site,
        rows: &Rows,
        i: usize,
        j: usize,
    ) -> Result<(), SampleError>;

    /// Rows the site's block opens, each once: the first element's plan as it stands, then each
    /// further element's rows not yet opened, in first-use order (the native checker's order;
    /// the circuit's witness lists them per plan entry, `step_witness`).
    fn rows(&self, site: &Site) -> Result<Vec<(usize, usize)>, SampleError> {
        let mut elements = site.block.elements();
        let mut out = match elements.next() {
            Some((i, j)) => self.element_rows(site, i, j)?,
            None => Vec::new(),
        };
        for (i, j) in elements {
            for r in self.element_rows(site, i, j)? {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
        Ok(out)
    }

    /// Checks every element of the site's block.
    fn check(&self, site: &Site, rows: &Rows) -> Result<(), SampleError> {
        site.block
            .elements()
            .try_for_each(|(i, j)| self.check_element(site, rows, i, j))
    }
}

/// The opened rows `keys` (in order) as an array.
pub fn fetch<'a, const N: usize>(
    rows: &Rows<'a>,
    keys: &[(usize, usize)],
) -> Result<[&'a [i64]; N], SampleError> {
    if keys.len() != N {
        return Err(SampleError::Bad("the op's row plan has another length"));
    }
    let mut out: [&[i64]; N] = [&[]; N];
    for (o, &k) in out.iter_mut().zip(keys) {
        *o = rows(k)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{self, linear_forward_elem};
    use std::collections::HashMap;

    /// Cells tile the output, the last row and column of cells clipped; a cell past the grid is
    /// empty; absurd block shapes clip to the whole output instead of overflowing.
    #[test]
    fn cells_tile_the_output() {
        let b = |cell| Block::cell(cell, 5, 3, 2, 2);
        assert_eq!(
            b(0),
            Block {
                rows: 0..2,
                cols: 0..2
            }
        );
        assert_eq!(
            b(1),
            Block {
                rows: 0..2,
                cols: 2..3
            }
        );
        assert_eq!(
            b(5),
            Block {
                rows: 4..5,
                cols: 2..3
            }
        );
        assert!(b(6).is_empty());
        let whole = Block::cell(0, 5, 3, usize::MAX, usize::MAX);
        assert_eq!(
            whole,
            Block {
                rows: 0..5,
                cols: 0..3
            }
        );
        assert_eq!(whole.len(), 15);
    }

    /// A 2×2 block of `linear_forward`: each row it needs opened once, every element checked.
    #[test]
    fn a_block_opens_its_elements_rows_once_and_checks_every_element() {
        // Slots: x 2×3, w 2×3, bias 2×1, y 2×2.
        let shapes = [(2, 3), (2, 3), (2, 1), (2, 2)];
        let no_batch = |_: u64, _: u64| 0;
        let site = Site {
            params: [1, -128, 0, 0],
            inputs: &[0, 1, 2],
            outputs: &[3],
            shapes: &shapes,
            block: Block {
                rows: 0..2,
                cols: 0..2,
            },
            batch_row: &no_batch,
        };
        let op = ops::sampled_op(OpKind::LinearForward);
        let plan = op.rows(&site).unwrap();
        assert_eq!(
            plan,
            [
                (0, 0),
                (1, 0),
                (2, 0),
                (3, 0),
                (1, 1),
                (2, 1),
                (0, 1),
                (3, 1)
            ]
        );
        let x = [[1i64, -2, 3], [4, 5, -6]];
        let w = [[2i64, 0, -1], [1, 1, 1]];
        let b = [[3i64], [-4]];
        let mut y = [[0i64; 2]; 2];
        for i in 0..2 {
            for j in 0..2 {
                let acc = b[j][0] + (0..3).map(|k| x[i][k] * w[j][k]).sum::<i64>();
                y[i][j] = linear_forward_elem(acc, 1, -128).into();
            }
        }
        let mut table: HashMap<(usize, usize), Vec<i64>> = HashMap::new();
        for r in 0..2 {
            table.insert((0, r), x[r].to_vec());
            table.insert((1, r), w[r].to_vec());
            table.insert((2, r), b[r].to_vec());
            table.insert((3, r), y[r].to_vec());
        }
        let check = |table: &HashMap<(usize, usize), Vec<i64>>| {
            let get = |k: (usize, usize)| {
                table
                    .get(&k)
                    .map(Vec::as_slice)
                    .ok_or(SampleError::Missing {
                        tensor: k.0,
                        row: k.1,
                    })
            };
            op.check(&site, &get)
        };
        assert_eq!(check(&table), Ok(()));
        table.get_mut(&(3, 1)).unwrap()[0] += 1;
        assert!(matches!(
            check(&table),
            Err(SampleError::Wrong { i: 1, j: 0, .. })
        ));
        table.remove(&(2, 1));
        assert_eq!(
            check(&table),
            Err(SampleError::Missing { tensor: 2, row: 1 })
        );
    }
}
