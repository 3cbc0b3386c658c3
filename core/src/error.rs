//! The one error type of spotproof-core.

use std::path::PathBuf;

/// Everything that can go wrong in core, with enough context to print one clear line.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// A tensor had the wrong shape for an op.
    #[error("{op}: {what} has shape {got:?}, expected {expected:?}")]
    Shape {
        /// The op that checked the shape.
        op: &'static str,
        /// Which operand.
        what: &'static str,
        /// Expected (rows, cols).
        expected: (usize, usize),
        /// Actual (rows, cols).
        got: (usize, usize),
    },
    /// A tensor's data length does not match rows × cols.
    #[error("tensor of {rows}×{cols} needs {} values, got {got}", rows * cols)]
    TensorLen {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
        /// Values supplied.
        got: usize,
    },
    /// A configuration whose integer accumulators could overflow, or an unusable shift.
    #[error("{op}: worst-case {quantity} is {bound}, above the limit {limit}; reduce {fix}")]
    Overflow {
        /// The op whose accumulator is at risk.
        op: &'static str,
        /// What is bounded.
        quantity: &'static str,
        /// The worst-case value for these shapes.
        bound: i64,
        /// The largest representable value.
        limit: i64,
        /// What the user can change.
        fix: &'static str,
    },
    /// An invalid model or training configuration.
    #[error("invalid configuration: {0}")]
    Config(&'static str),
    /// Text that is not the identifier it stands for (a worker id, a beacon, a block hash).
    #[error("{what} {given:?} is not {expected}")]
    Parse {
        /// What was being parsed.
        what: &'static str,
        /// The text given.
        given: String,
        /// The accepted forms.
        expected: &'static str,
    },
    /// A row index outside the dataset.
    #[error("{op}: index {index} is out of range for {len} rows")]
    Index {
        /// The op.
        op: &'static str,
        /// The offending index.
        index: usize,
        /// Number of rows.
        len: usize,
    },
    /// A label outside the model's classes.
    #[error("label {label} at row {row} is not below the number of classes {classes}")]
    Label {
        /// The label.
        label: u32,
        /// Its row.
        row: usize,
        /// Number of classes.
        classes: usize,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A dataset file was malformed.
    #[error("{path}: {reason}")]
    Format {
        /// The file (or a built-in dataset's name).
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A value outside the range of the dtype it is committed as.
    #[error("value {value} does not fit {dtype}")]
    ValueRange {
        /// The dtype's name.
        dtype: &'static str,
        /// The value.
        value: i64,
    },
    /// A tensor whose shape does not match its values (or is empty).
    #[error("a {rows}×{cols} tensor cannot hold {values} values")]
    TensorShape {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
        /// Values supplied.
        values: usize,
    },
    /// A Merkle path that is not a path to the claimed row of a tree of this size.
    #[error(
        "path to leaf {leaf_index} with {path_len} siblings cannot open row {row} (expected {expected_len} siblings)"
    )]
    PathShape {
        /// The claimed row.
        row: usize,
        /// The path's leaf index.
        leaf_index: usize,
        /// The path's length.
        path_len: usize,
        /// The tree's path length.
        expected_len: usize,
    },
    /// An opened row whose hash path does not reach the committed root.
    #[error("row {row} does not match the committed tensor")]
    RowMismatch {
        /// The row.
        row: usize,
    },
    /// The Merkle library refused an operation.
    #[error("merkle tree: {0}")]
    Merkle(String),
    /// Image and label files disagree.
    #[error("{images} has {n_images} images but {labels} has {n_labels} labels")]
    CountMismatch {
        /// The image file.
        images: PathBuf,
        /// Its count.
        n_images: usize,
        /// The label file.
        labels: PathBuf,
        /// Its count.
        n_labels: usize,
    },
}

/// Result with [`CoreError`].
pub type Result<T> = std::result::Result<T, CoreError>;
