//! Circuit size classes: one Groth16 setup per class serves every model and step that fits it.
//!
//! A class fixes what the constraint system's *shape* depends on: the number of layers (hence
//! the op table's kinds and wiring, see `layout::layout`), the samples per step `S`, the longest
//! row `K` (every width and the batch size, so every row of every non-dataset tensor, and the
//! height of their trees, `log2 K`), and the height of the dataset tree. Widths, batch, dataset,
//! hyper-parameters, weights and the step are all witnesses or public inputs.

use spotproof_core::commit::tree_path_len;
use spotproof_core::model::ModelConfig;
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
}

/// The catalogue, smallest first.
pub const CLASSES: [Class; 3] = [
    Class {
        name: "mlp2-s18-r32",
        layers: 2,
        samples: 18,
        max_row: 32,
        dataset_depth: 12,
    },
    Class {
        name: "mlp2-s64-r128",
        layers: 2,
        samples: 64,
        max_row: 128,
        dataset_depth: 16,
    },
    Class {
        name: "mlp2-s64-r1024",
        layers: 2,
        samples: 64,
        max_row: 1024,
        dataset_depth: 16,
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
    /// The most one proof of the class checks: its `S` samples go to op `j mod n_ops` of the
    /// layout (`sampling::samples_of`); a dot-product sample recomputes as many
    /// multiply-accumulates as its inner row is long, at most the class's longest row, and any
    /// other sample one element-wise output. A bundle's own figure (`Manifest::work`) uses the
    /// model's row lengths.
    pub fn capacity(&self) -> Work {
        let ops = crate::step::template(self.layers).ops;
        let mut w = Work::default();
        for j in 0..self.samples {
            match spotproof_core::ops::sampled_op(ops[j % ops.len()].kind).inner() {
                Some(_) => w.macs += self.max_row as u64,
                None => w.outputs += 1,
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
