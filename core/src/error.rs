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
    Config(#[from] ConfigError),
    /// A vector file that does not describe its op.
    #[error("invalid vector: {0}")]
    Vector(#[from] VectorError),
    /// A row opening that does not check out.
    #[error(transparent)]
    Open(#[from] OpenError),
    /// A beacon or worker id that the step circuit's public challenge cannot carry.
    #[error("the circuit takes beacons below 2^93 and worker ids below 2^160 (addresses)")]
    ChallengeRange,
    /// An op of a trace's op table that the op's row plan refuses.
    #[error("op {op} of the trace's op table is malformed: {reason}")]
    MalformedOp {
        /// The op's index.
        op: usize,
        /// What its plan refused.
        reason: &'static str,
    },
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
    #[error(transparent)]
    ValueRange(#[from] RangeError),
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
    /// The Merkle library refused an operation (its errors are opaque and not `Send`: the text).
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

/// A value outside the range of the dtype it is committed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("value {value} does not fit {dtype}")]
pub struct RangeError {
    /// The dtype's name.
    pub dtype: &'static str,
    /// The value.
    pub value: i64,
}

/// Why a model or training configuration is refused, before anything runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Fewer than two widths.
    #[error("a model needs an input width and at least one layer")]
    NoLayer,
    /// A width of 0 or above 2^20.
    #[error("every width must be between 1 and 2^20")]
    Width,
    /// An output layer of one class.
    #[error("the output layer needs at least two classes")]
    OneClass,
    /// A batch of 0 rows.
    #[error("the batch size must be at least 1")]
    EmptyBatch,
    /// A batch above 2^20 rows.
    #[error("the batch size must be at most 2^20")]
    BatchTooLarge,
    /// A learning-rate shift of 32 or more.
    #[error("shift counts must be below 32")]
    Shift,
    /// An input scale shift above 8.
    #[error("input shifts must be at most 8")]
    InputShift,
    /// A negative target.
    #[error("the target must be non-negative")]
    NegativeTarget,
    /// Labels the model cannot output.
    #[error("the dataset has more classes than the model has outputs")]
    DatasetClasses,
    /// Per-layer tensors of a step that do not match the model's layers.
    #[error("the step's tensors do not match the model's layers")]
    StepLayers,
    /// Tensors of a step that do not match the model's layout.
    #[error("the step's tensors do not match the model's layout")]
    StepLayout,
}

/// Why an op vector cannot be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VectorError {
    /// A value outside the type its op reads it as.
    #[error("value {value} of {tensor} is out of range for its type")]
    ValueRange {
        /// The tensor's name, where known.
        tensor: String,
        /// The value.
        value: i64,
    },
    /// A parameter the op needs is missing.
    #[error("it lacks the parameter {0:?}")]
    MissingParam(&'static str),
    /// An input the op needs is missing.
    #[error("it lacks the input {0:?}")]
    MissingInput(String),
    /// A shift parameter below 0.
    #[error("the shift {0:?} is negative")]
    NegativeShift(&'static str),
    /// A target parameter outside int8.
    #[error("the target {0:?} is outside int8")]
    Target(&'static str),
}

/// Why an opened row (or trace leaf) is not the committed one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// The opening names a tensor the manifest does not have.
    #[error("no such tensor")]
    NoSuchTensor,
    /// A row (or leaf) index past the end.
    #[error("{op}: index {index} is out of range for {len} rows")]
    Index {
        /// Which check.
        op: &'static str,
        /// The index.
        index: usize,
        /// Rows (leaves) committed.
        len: usize,
    },
    /// A row of the wrong length.
    #[error("the row has {got} values, the tensor {expected} columns")]
    Width {
        /// Values opened.
        got: usize,
        /// Columns committed.
        expected: usize,
    },
    /// A value outside the tensor's dtype.
    #[error(transparent)]
    ValueRange(#[from] RangeError),
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
    /// The Merkle library refused to verify the path.
    #[error("merkle tree: {0}")]
    Merkle(String),
}

/// Result with [`CoreError`].
pub type Result<T> = std::result::Result<T, CoreError>;
