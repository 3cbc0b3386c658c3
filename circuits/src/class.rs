//! Circuit size classes: one Groth16 setup per class serves every model and step that fits it.
//!
//! A class fixes what the constraint system's *shape* depends on: the number of layers (hence
//! the op table's kinds and wiring, see `layout::layout`), the samples per step `S`, a bound on
//! the batch size and on each layer width (hence the longest row of each tensor and the height
//! of its tree, per role: `bounds`), the block shapes, and the height of the dataset tree.
//! Widths, batch, dataset, hyper-parameters, weights and the step are all witnesses or public
//! inputs.

use spotproof_core::commit::{tree_leaves, tree_path_len};
use spotproof_core::layout::{Role, TraceKind};
use spotproof_core::model::ModelConfig;
use spotproof_core::ops::OpKind;
use spotproof_core::ops::sampled::Operand;
use spotproof_core::sampling::Sampling;
use spotproof_core::trace::Work;

/// One class of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Class {
    /// Its name (as on the command line and in bundles).
    pub name: &'static str,
    /// What its traces record: training steps or inference ([`TraceKind`]).
    pub kind: TraceKind,
    /// Layers of the model.
    pub layers: usize,
    /// Samples per step.
    pub samples: usize,
    /// The largest batch.
    pub batch: usize,
    /// The largest width of each layer boundary, input first (`layers + 1` of them).
    pub widths: &'static [usize],
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
pub const CLASSES: [Class; 14] = [
    // The ceremony test class (`scripts/ceremony.sh` in CI): one element of the gather per
    // step is all it checks, so that its powers of tau stay small. Not for real runs.
    Class {
        name: "mlp2-s1-b8-w16x16x16",
        kind: TraceKind::Train,
        layers: 2,
        samples: 1,
        batch: 8,
        widths: &[16; 3],
        dataset_depth: 8,
        blocks: [[1, 1]; OpKind::ALL.len()],
    },
    Class {
        name: "mlp2-s18-r32",
        kind: TraceKind::Train,
        layers: 2,
        samples: 18,
        batch: 32,
        widths: &[32; 3],
        dataset_depth: 12,
        blocks: BLOCKS,
    },
    // Deeper models: 7 ops per layer, so `S` is a multiple of the op count (every op sampled
    // equally, `sampling::default_samples`); `r32` for tests, `r128` for the digits shapes,
    // `r1024` for MNIST's.
    Class {
        name: "mlp3-s21-r32",
        kind: TraceKind::Train,
        layers: 3,
        samples: 21,
        batch: 32,
        widths: &[32; 4],
        dataset_depth: 12,
        blocks: BLOCKS,
    },
    Class {
        name: "mlp4-s28-r32",
        kind: TraceKind::Train,
        layers: 4,
        samples: 28,
        batch: 32,
        widths: &[32; 5],
        dataset_depth: 12,
        blocks: BLOCKS,
    },
    Class {
        name: "mlp5-s35-r32",
        kind: TraceKind::Train,
        layers: 5,
        samples: 35,
        batch: 32,
        widths: &[32; 6],
        dataset_depth: 12,
        blocks: BLOCKS,
    },
    Class {
        name: "mlp2-s14-b32-w64x128x16",
        kind: TraceKind::Train,
        layers: 2,
        samples: 14,
        batch: 32,
        widths: &[64, 128, 16],
        dataset_depth: 16,
        blocks: spotproof_core::sampling::TILE_BLOCKS,
    },
    Class {
        name: "mlp4-s56-r128",
        kind: TraceKind::Train,
        layers: 4,
        samples: 56,
        batch: 128,
        widths: &[128; 5],
        dataset_depth: 16,
        blocks: BLOCKS,
    },
    Class {
        name: "mlp2-s64-r128",
        kind: TraceKind::Train,
        layers: 2,
        samples: 64,
        batch: 128,
        widths: &[128; 3],
        dataset_depth: 16,
        blocks: BLOCKS,
    },
    Class {
        name: "mlp3-s63-r128",
        kind: TraceKind::Train,
        layers: 3,
        samples: 63,
        batch: 128,
        widths: &[128; 4],
        dataset_depth: 16,
        blocks: BLOCKS,
    },
    Class {
        name: "mlp5-s70-r128",
        kind: TraceKind::Train,
        layers: 5,
        samples: 70,
        batch: 128,
        widths: &[128; 6],
        dataset_depth: 16,
        blocks: BLOCKS,
    },
    Class {
        name: "mlp4-s56-r1024",
        kind: TraceKind::Train,
        layers: 4,
        samples: 56,
        batch: 1024,
        widths: &[1024; 5],
        dataset_depth: 16,
        blocks: BLOCKS,
    },
    Class {
        name: "mlp2-s64-r1024",
        kind: TraceKind::Train,
        layers: 2,
        samples: 64,
        batch: 1024,
        widths: &[1024; 3],
        dataset_depth: 16,
        blocks: BLOCKS,
    },
    Class {
        name: "mlp3-s63-r1024",
        kind: TraceKind::Train,
        layers: 3,
        samples: 63,
        batch: 1024,
        widths: &[1024; 4],
        dataset_depth: 16,
        blocks: BLOCKS,
    },
    Class {
        name: "mlp5-s70-r1024",
        kind: TraceKind::Train,
        layers: 5,
        samples: 70,
        batch: 1024,
        widths: &[1024; 6],
        dataset_depth: 16,
        blocks: BLOCKS,
    },
];

/// The inference catalogue, smallest first for each number of layers: each proof checks `S / (layers + 2)` queries whole
/// (gather, every layer, predict; `sampling::draw`), at most `batch` queries per trace.
pub const INFER_CLASSES: [Class; 10] = [
    // Tests: models up to 32 wide, 32 queries, 4 queries per proof.
    Class {
        name: "inf2-g4-q32-r32",
        kind: TraceKind::Infer,
        layers: 2,
        samples: 4 * 4,
        batch: 32,
        widths: &[32; 3],
        dataset_depth: 5,
        blocks: spotproof_core::sampling::infer_blocks(32, 32),
    },
    // Deeper models (`layers + 2` ops, so `S = g·(layers + 2)`): tests and narrow models, then
    // models up to 128 wide (the digits shapes).
    Class {
        name: "inf3-g4-q32-r32",
        kind: TraceKind::Infer,
        layers: 3,
        samples: 4 * 5,
        batch: 32,
        widths: &[32; 4],
        dataset_depth: 5,
        blocks: spotproof_core::sampling::infer_blocks(32, 32),
    },
    Class {
        name: "inf4-g4-q32-r32",
        kind: TraceKind::Infer,
        layers: 4,
        samples: 4 * 6,
        batch: 32,
        widths: &[32; 5],
        dataset_depth: 5,
        blocks: spotproof_core::sampling::infer_blocks(32, 32),
    },
    Class {
        name: "inf5-g4-q32-r32",
        kind: TraceKind::Infer,
        layers: 5,
        samples: 4 * 7,
        batch: 32,
        widths: &[32; 6],
        dataset_depth: 5,
        blocks: spotproof_core::sampling::infer_blocks(32, 32),
    },
    Class {
        name: "inf3-g16-q512-r128",
        kind: TraceKind::Infer,
        layers: 3,
        samples: 16 * 5,
        batch: 512,
        widths: &[128; 4],
        dataset_depth: 9,
        blocks: spotproof_core::sampling::infer_blocks(128, 128),
    },
    Class {
        name: "inf4-g16-q512-r128",
        kind: TraceKind::Infer,
        layers: 4,
        samples: 16 * 6,
        batch: 512,
        widths: &[128; 5],
        dataset_depth: 9,
        blocks: spotproof_core::sampling::infer_blocks(128, 128),
    },
    Class {
        name: "inf5-g16-q512-r128",
        kind: TraceKind::Infer,
        layers: 5,
        samples: 16 * 7,
        batch: 512,
        widths: &[128; 6],
        dataset_depth: 9,
        blocks: spotproof_core::sampling::infer_blocks(128, 128),
    },
    // The digits model (64 → 128 → 10): up to 512 queries per trace (digits' held-out split
    // is 360 rows), 16 per proof.
    Class {
        name: "inf2-g16-q512-w64x128x16",
        kind: TraceKind::Infer,
        layers: 2,
        samples: 16 * 4,
        batch: 512,
        widths: &[64, 128, 16],
        dataset_depth: 9,
        blocks: spotproof_core::sampling::infer_blocks(64, 128),
    },
    // The MNIST model (784 → 128 → 10): a held-out split of up to 2,048 rows, 8 per proof.
    Class {
        name: "inf2-g8-q2048-w784x128x16",
        kind: TraceKind::Infer,
        layers: 2,
        samples: 8 * 4,
        batch: 2048,
        widths: &[784, 128, 16],
        dataset_depth: 11,
        blocks: spotproof_core::sampling::infer_blocks(784, 128),
    },
    // The digits model on large batches (up to 16,384 queries per trace), 48 per proof: the
    // model's rows are opened once for 48 queries, so two proofs (96 queries) catch 5% wrong
    // answers with ≥ 99% whatever the batch.
    Class {
        name: "inf2-g48-q16384-w64x128x16",
        kind: TraceKind::Infer,
        layers: 2,
        samples: 48 * 4,
        batch: 16384,
        widths: &[64, 128, 16],
        dataset_depth: 14,
        blocks: spotproof_core::sampling::infer_blocks(64, 128),
    },
];

/// Every class, training then inference.
pub fn all_classes() -> impl Iterator<Item = Class> {
    CLASSES.into_iter().chain(INFER_CLASSES)
}

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
    all_classes().map(|c| c.name).collect::<Vec<_>>().join(", ")
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

    /// The block a sample of an op of `kind` writing a tensor of role `out` checks in the
    /// circuit: [`Class::block`], except that an inference block (a whole row of the output) is
    /// no wider than the output's bound (rounded up to a power of two), so that a narrow layer's
    /// samples do not pay for the widest layer's columns. The native checker clips every block
    /// to the output's actual shape anyway.
    pub fn circuit_block(&self, kind: OpKind, out: Role) -> (usize, usize) {
        let (r, c) = self.block(kind);
        match self.kind {
            TraceKind::Train => (r, c),
            TraceKind::Infer => (r, c.min(self.bounds(out).1.next_power_of_two())),
        }
    }

    /// The most one proof of the class checks: its `S` samples go to op `j mod n_ops` of the
    /// layout (`sampling::samples_of`) and each checks a block of that op's output, at most its
    /// kind's block shape clipped to the output's bounds (one column for the `N×1` biases); an
    /// output element of a dot-product op recomputes as many multiply-accumulates as its inner
    /// row is long, at most that row's bound, and any other one element-wise output. A bundle's own figure
    /// (`Manifest::work`) uses the model's shapes.
    pub fn capacity(&self) -> Work {
        let lay = self.template();
        let mut w = Work::default();
        for j in 0..self.samples {
            let op = &lay.ops[j % lay.ops.len()];
            let (r, c) = self.block(op.kind);
            let (rows, cols) = self.bounds(lay.roles[op.outputs[0]]);
            let n = (r.min(rows) * c.min(cols)) as u64;
            match spotproof_core::ops::sampled_op(op.kind).inner() {
                Some(inner) => {
                    let slot = match inner {
                        Operand::Input(k) => op.inputs[k],
                        Operand::Output(k) => op.outputs[k],
                    };
                    w.macs += n * self.bounds(lay.roles[slot]).1 as u64
                }
                None => w.outputs += n,
            }
        }
        w
    }

    /// The op table and tensor table of the class's traces (shapes aside).
    pub fn template(&self) -> spotproof_core::layout::Layout {
        spotproof_core::layout::template_of(self.kind, self.layers)
    }

    /// The class named `name`.
    pub fn by_name(name: &str) -> Result<Class, ClassError> {
        all_classes()
            .find(|c| c.name == name)
            .ok_or_else(|| ClassError::Unknown(name.into()))
    }

    /// The longest row or column of any tensor but the dataset: the largest bound.
    pub fn max_row(&self) -> usize {
        self.widths.iter().copied().fold(self.batch, usize::max)
    }

    /// `⌈log2 max_row⌉`: the bit length of any row or column index but the dataset's (the
    /// sampled cells are derived at this length).
    pub fn depth(&self) -> usize {
        self.max_row().next_power_of_two().trailing_zeros() as usize
    }

    /// The most rows and columns a tensor of `role` has in a model of the class: its shape in
    /// `layout::layout` at the class's bounds (`2^dataset_depth` training rows of a feature row
    /// and its label for the dataset).
    pub fn bounds(&self, role: Role) -> (usize, usize) {
        let b = self.batch;
        let w = |l: u16| self.widths.get(l as usize).copied().unwrap_or(0);
        match role {
            Role::Dataset => (1 << self.dataset_depth, w(0) + 1),
            Role::Input => (b, w(0)),
            Role::Labels => (b, 1),
            Role::Act(l) | Role::Err(l) => (b, w(l + 1)),
            Role::WeightGrad(l) | Role::Master(l) | Role::Weight(l) => (w(l + 1), w(l)),
            Role::BiasGrad(l) | Role::Bias(l) => (w(l + 1), 1),
            Role::InputT => (w(0), b),
            Role::ActT(l) | Role::ErrT(l) => (w(l + 1), b),
            Role::WeightT(l) => (w(l), w(l + 1)),
            Role::Pred | Role::Correct => (b, 1),
        }
    }

    /// Height of the Merkle tree of a tensor of `role` at the class's bounds
    /// (`commit::tree_leaves`: at least 1).
    pub fn tree_depth(&self, role: Role) -> usize {
        tree_leaves(self.bounds(role).0).trailing_zeros() as usize
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
        if let Some((l, (w, m))) = cfg
            .widths
            .iter()
            .zip(self.widths)
            .enumerate()
            .find(|(_, (w, m))| w > m)
        {
            return no(format!(
                "width {w} at layer boundary {l} exceeds the class's {m}"
            ));
        }
        // An inference trace's batch is its queries (the dataset's rows).
        let (what, batch) = match self.kind {
            TraceKind::Train => ("batch", cfg.batch),
            TraceKind::Infer => ("queries", dataset_rows),
        };
        if batch > self.batch {
            return no(format!("{what} {batch} exceeds the class's {}", self.batch));
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

    /// Queries whose forward passes one proof checks: `S / (layers + 2)` for an inference class.
    pub fn groups(&self) -> usize {
        self.samples / self.template().ops.len().max(1)
    }

    /// The smallest inference class for `queries` queries to `cfg`'s model, or why none fits.
    pub fn smallest_infer_for(cfg: &ModelConfig, queries: usize) -> Result<Class, ClassError> {
        Self::first_fit(INFER_CLASSES, |c| c.check(cfg, queries, c.samples))
    }

    /// The smallest class that fits, or why none does.
    pub fn smallest_for(
        cfg: &ModelConfig,
        dataset_rows: usize,
        samples: usize,
    ) -> Result<Class, ClassError> {
        Self::first_fit(CLASSES, |c| c.check(cfg, dataset_rows, samples))
    }

    fn first_fit(
        classes: impl IntoIterator<Item = Class>,
        fits: impl Fn(&Class) -> Result<(), ClassError>,
    ) -> Result<Class, ClassError> {
        let mut reasons = Vec::new();
        for c in classes {
            match fits(&c) {
                Ok(()) => return Ok(c),
                Err(e) => reasons.push(e.to_string()),
            }
        }
        Err(ClassError::NoClass(reasons.join("; ")))
    }
}
