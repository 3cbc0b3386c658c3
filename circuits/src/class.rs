//! Circuit size classes: one Groth16 setup per class serves every model and step that fits it.
//!
//! A class fixes what the constraint system's *shape* depends on: the number of layers (hence
//! the op table's kinds and wiring, see `layout::layout`), the samples per step `S`, the longest
//! row `K` (every width and the batch size, so every row of every non-dataset tensor, and the
//! height of their trees, `log2 K`), and the height of the dataset tree. Widths, batch, dataset,
//! hyper-parameters, weights and the step are all witnesses or public inputs.

use spotproof_core::commit::tree_path_len;
use spotproof_core::layout::Role;
use spotproof_core::model::ModelConfig;
use spotproof_core::ops::OpKind;
use spotproof_core::sampling::Sampling;
use spotproof_core::trace::Work;

/// One class of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Class {
    /// Its name (as on the command line and in bundles).
    pub name: &'static str,
    /// Layers of the model.
    pub layers: usize,
    /// Samples per step.
    pub samples: usize,
    /// The longest row (and column) of any tensor but the dataset.
    pub max_row: usize,
    /// Height of the dataset's Merkle tree (at most `2^dataset_depth` training rows).
    pub dataset_depth: usize,
    /// Block shape `[rows, cols]` of a sample per op kind, in `OpKind::ALL` order
    /// (`sampling::Sampling::blocks`).
    pub blocks: Blocks,
}

/// Block shapes per op kind, in `OpKind::ALL` order: gather, linear_forward, output_error,
/// linear_backward_input, weight_grad, bias_grad, sgd_update, bias_update, transpose.
pub type Blocks = [[usize; 2]; OpKind::ALL.len()];

/// The block shapes of the catalogue's classes (`sampling::BLOCKS`).
pub const BLOCKS: Blocks = spotproof_core::sampling::BLOCKS;

/// The catalogue, smallest first.
pub const CLASSES: [Class; 4] = [
    Class {
        name: "mlp2-s18-r32",
        layers: 2,
        samples: 18,
        max_row: 32,
        dataset_depth: 12,
        blocks: BLOCKS,
    },
    Class {
        name: "mlp2-s64-r128",
        layers: 2,
        samples: 64,
        max_row: 128,
        dataset_depth: 16,
        blocks: BLOCKS,
    },
    Class {
        name: "mlp2-s14-r128",
        layers: 2,
        samples: 14,
        max_row: 128,
        dataset_depth: 16,
        blocks: spotproof_core::sampling::TILE_BLOCKS,
    },
    Class {
        name: "mlp2-s64-r1024",
        layers: 2,
        samples: 64,
        max_row: 1024,
        dataset_depth: 16,
        blocks: BLOCKS,
    },
];

/// Why a model fits no class.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassError {
    /// No class of that name.
    #[error("unknown circuit class {0:?} (known: {known})", known = names())]
    Unknown(String),
    /// The model does not fit the named class.
    #[error("the model does not fit class {class}: {reason}")]
    DoesNotFit {
        /// The class.
        class: &'static str,
        /// Why.
        reason: String,
    },
    /// The model fits no class of the catalogue.
    #[error("the model fits no circuit class: {0}")]
    NoClass(String),
}

fn names() -> String {
    CLASSES.map(|c| c.name).join(", ")
}

impl Class {
    /// How the class samples: its `S` and block shapes.
    pub fn sampling(&self) -> Sampling {
        Sampling {
            samples: self.samples,
            blocks: self.blocks,
        }
    }

    /// The block shape `(rows, cols)` of `kind`'s samples.
    pub fn block(&self, kind: OpKind) -> (usize, usize) {
        self.sampling().block(kind)
    }

    /// The most one proof of the class checks: its `S` samples go to op `j mod n_ops` of the
    /// layout (`sampling::samples_of`) and each checks a block of that op's output, at most its
    /// kind's block shape (one column for the `N×1` biases); an output element of a dot-product
    /// op recomputes as many multiply-accumulates as its inner row is long, at most the class's
    /// longest row, and any other one element-wise output. A bundle's own figure
    /// (`Manifest::work`) uses the model's shapes.
    pub fn capacity(&self) -> Work {
        let lay = crate::step::template(self.layers);
        let mut w = Work::default();
        for j in 0..self.samples {
            let op = &lay.ops[j % lay.ops.len()];
            let (r, c) = self.block(op.kind);
            let one_col = matches!(lay.roles[op.outputs[0]], Role::Bias(_) | Role::BiasGrad(_));
            let n = (r * if one_col { 1 } else { c }) as u64;
            match spotproof_core::ops::sampled_op(op.kind).inner() {
                Some(_) => w.macs += n * self.max_row as u64,
                None => w.outputs += n,
            }
        }
        w
    }

    /// The class named `name`.
    pub fn by_name(name: &str) -> Result<Class, ClassError> {
        CLASSES
            .iter()
            .find(|c| c.name == name)
            .copied()
            .ok_or_else(|| ClassError::Unknown(name.into()))
    }

    /// Height of the trees of every tensor but the dataset: `⌈log2 max_row⌉`.
    pub fn depth(&self) -> usize {
        self.max_row.next_power_of_two().trailing_zeros() as usize
    }

    /// Checks that a model (with `dataset_rows` committed training rows, `samples` per step)
    /// fits this class.
    pub fn check(
        &self,
        cfg: &ModelConfig,
        dataset_rows: usize,
        samples: usize,
    ) -> Result<(), ClassError> {
        let no = |reason: String| {
            Err(ClassError::DoesNotFit {
                class: self.name,
                reason,
            })
        };
        if cfg.layers() != self.layers {
            return no(format!(
                "{} layers, the class has {}",
                cfg.layers(),
                self.layers
            ));
        }
        if samples != self.samples {
            return no(format!(
                "{samples} samples per step, the class proves {}",
                self.samples
            ));
        }
        if let Some(w) = cfg.widths.iter().find(|&&w| w > self.max_row) {
            return no(format!(
                "width {w} exceeds the class's row length {}",
                self.max_row
            ));
        }
        if cfg.batch > self.max_row {
            return no(format!(
                "batch {} exceeds the class's row length {}",
                cfg.batch, self.max_row
            ));
        }
        if tree_path_len(dataset_rows) + 1 > self.dataset_depth {
            return no(format!(
                "{dataset_rows} training rows exceed the class's {} (a tree of height {})",
                1usize << self.dataset_depth,
                self.dataset_depth
            ));
        }
        Ok(())
    }

    /// The smallest class that fits, or why none does.
    pub fn smallest_for(
        cfg: &ModelConfig,
        dataset_rows: usize,
        samples: usize,
    ) -> Result<Class, ClassError> {
        let mut reasons = Vec::new();
        for c in CLASSES {
            match c.check(cfg, dataset_rows, samples) {
                Ok(()) => return Ok(c),
                Err(e) => reasons.push(e.to_string()),
            }
        }
        Err(ClassError::NoClass(reasons.join("; ")))
    }
}
