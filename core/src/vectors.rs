//! Golden test vectors: small inputs and the outputs the core reference computes for them.
//!
//! This module holds their formats and how each is replayed from its inputs (what a validator
//! needs). They are generated from this crate's reference, with fixed seeds, by the example
//! `cargo run -p spotproof-core --example vectors` (`core/examples/vectors/`, which rewrites
//! `vectors/` as pretty-printed JSON), and checked by the core tests (regenerating them must give
//! the committed bytes) and by the kernel tests (every kernel must reproduce every output). The format is plain JSON so that any other implementation
//! can read it: a tensor is `{"rows", "cols", "data"}` with row-major integers.

use crate::check;
use crate::commit::{self, Fr, TensorHeader};
use crate::data::Dataset;
use crate::domain;
use crate::error::{CoreError, Result, VectorError};
use crate::layout;
use crate::layout::Role;
use crate::model::Model;
use crate::ops::{Executor, InputScale, OpKind, Reference};
use crate::poseidon2;
use crate::rng::SplitMix64;
use crate::sampling::{self, Sampling};
use crate::step::{self, StepTensors};
use crate::tensor::Mat;
use crate::trace;
use ark_ff::{BigInteger, PrimeField};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the vector format and of the op contracts they pin.
pub const VERSION: u32 = 2;

/// Folders of `vectors/` whose files are not op vectors ([`OpVector`]): a whole step, tensor
/// commitments, the hash's constants, a committed step end to end, the run layer's hashes, a
/// committed inference end to end.
pub const NON_OP_FOLDERS: [&str; 6] = ["step", "commit", "hash", "trace", "run", "infer"];

/// A tensor of any integer type, widened to i64 for storage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tensor {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Row-major values.
    pub data: Vec<i64>,
}

impl Tensor {
    /// Widens a matrix.
    pub fn of<T: Copy + Default + Into<i64>>(m: &Mat<T>) -> Self {
        Self {
            rows: m.rows(),
            cols: m.cols(),
            data: m.data().iter().map(|&v| v.into()).collect(),
        }
    }

    /// Widens a vector as a `1×n` tensor.
    pub fn of_vec<T: Copy + Into<i64>>(v: &[T]) -> Self {
        Self {
            rows: 1,
            cols: v.len(),
            data: v.iter().map(|&x| x.into()).collect(),
        }
    }

    /// Narrows back into a matrix of `T`; errors on a value out of `T`'s range.
    pub fn to_mat<T: Copy + Default + TryFrom<i64>>(&self) -> Result<Mat<T>> {
        let data = self
            .data
            .iter()
            .map(|&v| {
                T::try_from(v).map_err(|_| {
                    CoreError::from(VectorError::ValueRange {
                        tensor: format!("a {}×{} tensor", self.rows, self.cols),
                        value: v,
                    })
                })
            })
            .collect::<Result<Vec<T>>>()?;
        Mat::new(self.rows, self.cols, data)
    }

    /// Narrows into a flat vector of `T`.
    pub fn to_vec<T: Copy + Default + TryFrom<i64>>(&self) -> Result<Vec<T>> {
        Ok(self.to_mat::<T>()?.into_data())
    }
}

/// One op applied to fixed inputs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpVector {
    /// The op (JSON: its name, also the core function's and the kernel file's).
    pub op: OpKind,
    /// [`VERSION`].
    pub version: u32,
    /// Seed the inputs were drawn from.
    pub seed: u64,
    /// Scalar parameters (shifts, flags, targets).
    pub params: BTreeMap<String, i64>,
    /// Named inputs.
    pub inputs: BTreeMap<String, Tensor>,
    /// Named outputs as the core reference computes them.
    pub outputs: BTreeMap<String, Tensor>,
}

impl OpVector {
    /// A parameter, or a typed error if it is missing.
    pub fn param(&self, name: &'static str) -> Result<i64> {
        self.params
            .get(name)
            .copied()
            .ok_or(VectorError::MissingParam(name).into())
    }

    /// An input, or a typed error if it is missing.
    pub fn input(&self, name: &str) -> Result<&Tensor> {
        self.inputs
            .get(name)
            .ok_or_else(|| VectorError::MissingInput(name.into()).into())
    }

    fn shift(&self, name: &'static str) -> Result<u32> {
        u32::try_from(self.param(name)?).map_err(|_| VectorError::NegativeShift(name).into())
    }
}

/// A whole training step from a fixed model and dataset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepVector {
    /// [`VERSION`].
    pub version: u32,
    /// Seed of the model and data.
    pub seed: u64,
    /// The model before the step.
    pub model: Model,
    /// Dataset features, `n×K0`.
    pub images: Mat<u8>,
    /// Dataset labels.
    pub labels: Vec<u8>,
    /// Feature scaling.
    pub scale: InputScale,
    /// The batch's rows.
    pub indices: Vec<u32>,
    /// Every tensor the step produces.
    pub tensors: StepTensors,
}

impl StepVector {
    /// The dataset this vector trains on.
    pub fn dataset(&self) -> Dataset {
        let classes = self.model.classes();
        Dataset {
            name: "vector".into(),
            images: self.images.clone(),
            labels: self.labels.clone(),
            classes,
            scale: self.scale,
        }
    }
}

/// Recomputes an op vector's outputs with the core reference.
pub fn evaluate(v: &OpVector) -> Result<BTreeMap<String, Tensor>> {
    evaluate_on(&Reference, v)
}

/// Recomputes an op vector's outputs on any [`Executor`] (the GPU runner implements it too).
pub fn evaluate_on<E: Executor>(
    ex: &E,
    v: &OpVector,
) -> std::result::Result<BTreeMap<String, Tensor>, E::Error> {
    let mut out = BTreeMap::new();
    match v.op {
        OpKind::Gather => {
            let scale = InputScale {
                shl: v.shift("shl")?,
                shr: v.shift("shr")?,
            };
            let (x, l) = ex.gather(
                &v.input("images")?.to_mat()?,
                &v.input("labels")?.to_vec()?,
                &v.input("indices")?.to_vec()?,
                scale,
            )?;
            out.insert("x".into(), Tensor::of(&x));
            out.insert("labels".into(), Tensor::of_vec(&l));
        }
        OpKind::LinearForward => {
            let y = ex.linear_forward(
                &v.input("x")?.to_mat()?,
                &v.input("w")?.to_mat()?,
                &v.input("bias")?.to_vec()?,
                v.shift("shift")?,
                v.param("relu")? != 0,
            )?;
            out.insert("y".into(), Tensor::of(&y));
        }
        OpKind::OutputError => {
            let hi = i8::try_from(v.param("hi")?)
                .map_err(|_| CoreError::from(VectorError::Target("hi")))?;
            let lo = i8::try_from(v.param("lo")?)
                .map_err(|_| CoreError::from(VectorError::Target("lo")))?;
            let e = ex.output_error(
                &v.input("y")?.to_mat()?,
                &v.input("labels")?.to_vec()?,
                hi,
                lo,
            )?;
            out.insert("e".into(), Tensor::of(&e));
        }
        OpKind::LinearBackwardInput => {
            let d = ex.linear_backward_input(
                &v.input("e")?.to_mat()?,
                &v.input("w")?.to_mat()?,
                &v.input("a")?.to_mat()?,
                v.shift("shift")?,
            )?;
            out.insert("d".into(), Tensor::of(&d));
        }
        OpKind::WeightGrad => {
            let g = ex.weight_grad(&v.input("e")?.to_mat()?, &v.input("x")?.to_mat()?)?;
            out.insert("g".into(), Tensor::of(&g));
        }
        OpKind::BiasGrad => {
            out.insert(
                "g".into(),
                Tensor::of_vec(&ex.bias_grad(&v.input("e")?.to_mat()?)?),
            );
        }
        OpKind::SgdUpdate => {
            let (m, w) = ex.sgd_update(
                &v.input("master")?.to_mat()?,
                &v.input("g")?.to_mat()?,
                v.shift("lr_shift")?,
            )?;
            out.insert("master".into(), Tensor::of(&m));
            out.insert("w".into(), Tensor::of(&w));
        }
        OpKind::BiasUpdate => {
            let b = ex.bias_update(
                &v.input("bias")?.to_vec()?,
                &v.input("g")?.to_vec()?,
                v.shift("shift")?,
            )?;
            out.insert("bias".into(), Tensor::of_vec(&b));
        }
        OpKind::Transpose => {
            let t = ex.transpose(&v.input("x")?.to_mat()?)?;
            out.insert("t".into(), Tensor::of(&t));
        }
        OpKind::Predict => {
            let (pred, correct) =
                ex.predict(&v.input("y")?.to_mat()?, &v.input("labels")?.to_vec()?)?;
            out.insert("pred".into(), Tensor::of_vec(&pred));
            out.insert("correct".into(), Tensor::of_vec(&correct));
        }
    }
    Ok(out)
}

/// One committed tensor, with every intermediate a reimplementation needs to compare.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitExample {
    /// Role, dtype, shape.
    pub header: TensorHeader,
    /// Row-major values.
    pub values: Vec<i64>,
    /// Packed field elements of each row (hex).
    #[serde(with = "commit::fr_hex")]
    pub packed: Vec<Vec<Fr>>,
    /// Leaf digests, padding leaves included (hex).
    #[serde(with = "commit::fr_hex")]
    pub leaf_digests: Vec<Fr>,
    /// Merkle root (hex).
    #[serde(with = "commit::fr_hex")]
    pub merkle_root: Fr,
    /// Tensor root (hex).
    #[serde(with = "commit::fr_hex")]
    pub root: Fr,
}

/// Poseidon hashes and committed tensors: the commitment layout's worked examples.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitVector {
    /// [`VERSION`].
    pub version: u32,
    /// `(inputs, hash(inputs))` with small-integer inputs.
    #[serde(with = "commit::fr_hex")]
    pub hashes: Vec<(Vec<u64>, Fr)>,
    /// Committed tensors of every dtype, including a single row and a non-power-of-two row count.
    pub tensors: Vec<CommitExample>,
}

/// One permutation: input state and output state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermutationCase {
    /// State before (hex).
    #[serde(with = "commit::fr_hex")]
    pub input: [Fr; poseidon2::WIDTH],
    /// State after (hex).
    #[serde(with = "commit::fr_hex")]
    pub output: [Fr; poseidon2::WIDTH],
}

/// The hash, complete: every parameter and constant of the Poseidon2 permutation and known
/// answers, so an implementation needs nothing else (`papers/protocol.md` §2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashVector {
    /// [`VERSION`].
    pub version: u32,
    /// The field's modulus (hex).
    pub modulus: String,
    /// State width.
    pub width: usize,
    /// Sponge rate (the capacity element is state element 0).
    pub rate: usize,
    /// S-box exponent.
    pub alpha: u64,
    /// External rounds (half before, half after the internal rounds).
    pub external_rounds: usize,
    /// Internal rounds.
    pub internal_rounds: usize,
    /// The external linear layer, also applied once before the first round.
    pub external_matrix: [[u64; poseidon2::WIDTH]; poseidon2::WIDTH],
    /// The internal linear layer.
    pub internal_matrix: [[u64; poseidon2::WIDTH]; poseidon2::WIDTH],
    /// Round constants of the external rounds, in order (hex).
    #[serde(with = "commit::fr_hex")]
    pub external_constants: Vec<[Fr; poseidon2::WIDTH]>,
    /// Round constants of the internal rounds, added to state element 0 (hex).
    #[serde(with = "commit::fr_hex")]
    pub internal_constants: Vec<Fr>,
    /// Known answers; the first is the reference implementation's `permute(0, 1, 2)`.
    pub permutations: Vec<PermutationCase>,
}

/// The hash vector: this build's constants and permutations of fixed states.
pub fn hash_vector() -> HashVector {
    let c = poseidon2::constants();
    let mut r = SplitMix64::new(0x9E2);
    let mut states = vec![
        [Fr::from(0u64), Fr::from(1u64), Fr::from(2u64)],
        [Fr::from(0u64); 3],
    ];
    states.push([-Fr::from(1u64); 3]);
    states.push([0, 1, 2].map(|_| Fr::from(r.next_u64()) * Fr::from(r.next_u64())));
    let permutations = states
        .into_iter()
        .map(|input| {
            let mut output = input;
            poseidon2::permute(&mut output);
            PermutationCase { input, output }
        })
        .collect();
    HashVector {
        version: VERSION,
        modulus: hex::encode(Fr::MODULUS.to_bytes_be()),
        width: poseidon2::WIDTH,
        rate: poseidon2::RATE,
        alpha: 5,
        external_rounds: poseidon2::EXTERNAL_ROUNDS,
        internal_rounds: poseidon2::INTERNAL_ROUNDS,
        external_matrix: [[2, 1, 1], [1, 2, 1], [1, 1, 2]],
        internal_matrix: [[2, 1, 1], [1, 2, 1], [1, 1, 3]],
        external_constants: c.external.to_vec(),
        internal_constants: c.internal.to_vec(),
        permutations,
    }
}

/// Computes a tensor example from its header and values.
pub fn commit_example(header: TensorHeader, values: Vec<i64>) -> Result<CommitExample> {
    let c = commit::commit_tensor(header, &values)?;
    let packed = values
        .chunks(header.cols)
        .map(|r| commit::pack_row(header.dtype, r))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut leaves: Vec<Fr> = values
        .chunks(header.cols)
        .map(|r| Ok(commit::hash(&commit::row_leaf(header.dtype, r)?)))
        .collect::<Result<_>>()?;
    leaves.resize(
        header.leaves(),
        commit::hash(&[commit::fe(domain::DOMAIN_PAD)]),
    );
    Ok(CommitExample {
        header,
        values,
        packed,
        leaf_digests: leaves,
        merkle_root: c.merkle_root,
        root: c.root,
    })
}

/// What determines a committed step end to end: the model before it, the dataset (every row is
/// a training row), the header fields a worker chooses, and the number of samples.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceInputs {
    /// The model before the step.
    pub model: Model,
    /// Dataset features, `n×K0`.
    pub images: Mat<u8>,
    /// Dataset labels.
    pub labels: Vec<u8>,
    /// Feature scaling.
    pub scale: InputScale,
    /// Step index.
    pub step: u64,
    /// Previous trace root (hex).
    #[serde(with = "commit::fr_hex")]
    pub prev_root: Fr,
    /// Seed of the batch derivation.
    pub data_seed: u64,
    /// Worker id (hex, below 2^160).
    #[serde(with = "commit::fr_hex")]
    pub worker: Fr,
    /// Samples drawn and their block shapes.
    pub sampling: Sampling,
}

/// One sample: the op, the block of its first output, and the rows `(tensor slot, row)` it
/// opens in order (`check::rows_needed`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleRows {
    /// Sample number.
    pub j: u64,
    /// Op index.
    pub op: usize,
    /// Row-major cell of the op's grid of blocks.
    pub cell: u64,
    /// Block rows.
    pub block_rows: std::ops::Range<usize>,
    /// Block columns.
    pub block_cols: std::ops::Range<usize>,
    /// Rows opened.
    pub rows: Vec<(usize, usize)>,
}

/// One tensor of the trace: its role, Merkle root and tensor root (hex).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TensorRoots {
    /// Role.
    pub role: Role,
    /// Merkle root of its rows.
    #[serde(with = "commit::fr_hex")]
    pub merkle_root: Fr,
    /// Tensor root (header bound in).
    #[serde(with = "commit::fr_hex")]
    pub root: Fr,
}

/// Everything the protocol derives from [`TraceInputs`], under the Fiat–Shamir beacon.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceOutputs {
    /// Architecture id.
    #[serde(with = "commit::fr_hex")]
    pub arch_id: Fr,
    /// Root of the committed dataset.
    #[serde(with = "commit::fr_hex")]
    pub dataset_root: Fr,
    /// The batch's rows (`sampling::batch_indices`).
    pub batch_rows: Vec<u32>,
    /// Header digest (trace leaf 0).
    #[serde(with = "commit::fr_hex")]
    pub header_digest: Fr,
    /// Every tensor, in table order.
    pub tensors: Vec<TensorRoots>,
    /// Every op's digest, in table order.
    #[serde(with = "commit::fr_hex")]
    pub op_digests: Vec<Fr>,
    /// Trace root.
    #[serde(with = "commit::fr_hex")]
    pub trace_root: Fr,
    /// `hash(11, root) mod 2^93`.
    #[serde(with = "commit::fr_hex")]
    pub fiat_shamir_beacon: Fr,
    /// `hash(8, root, beacon)`.
    #[serde(with = "commit::fr_hex")]
    pub sample_seed: Fr,
    /// The samples and the rows each opens.
    pub samples: Vec<SampleRows>,
    /// The circuit's public inputs: trace root, `worker + 2^160 · beacon`.
    #[serde(with = "commit::fr_hex")]
    pub public_inputs: [Fr; 2],
}

/// A committed step end to end: inputs and what the protocol derives from them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceVector {
    /// [`VERSION`].
    pub version: u32,
    /// What determines the step.
    pub inputs: TraceInputs,
    /// What the protocol derives.
    pub outputs: TraceOutputs,
}

/// Trains and commits the step `inputs` describes; returns the trace and its Fiat–Shamir beacon.
pub fn trace_of(inputs: &TraceInputs) -> Result<(trace::Trace, commit::Fr)> {
    let data = Dataset {
        name: "vector".into(),
        images: inputs.images.clone(),
        labels: inputs.labels.clone(),
        classes: inputs.model.classes(),
        scale: inputs.scale,
    };
    let train: Vec<u32> = (0..data.len() as u32).collect();
    let dataset = std::sync::Arc::new(trace::commit_dataset(&data, &train)?);
    let cfg = &inputs.model.config;
    let batch_rows = sampling::batch_indices(inputs.data_seed, inputs.step, cfg.batch, train.len());
    let mut after = inputs.model.clone();
    let tensors = step::train_step(&mut after, &data, &batch_rows)?;
    let header = trace::StepHeader {
        arch_id: layout::arch_id(cfg),
        step: inputs.step,
        prev_root: inputs.prev_root,
        dataset_root: dataset.root,
        data_seed: inputs.data_seed,
        worker: inputs.worker,
    };
    let t = trace::commit_step(&inputs.model, &tensors, &dataset, header)?;
    let beacon = sampling::fiat_shamir_beacon(t.root);
    Ok((t, beacon))
}

/// Each sample's op, block and opened rows (`check::rows_needed`).
fn sample_rows(m: &trace::Manifest, samples: &[sampling::Sample]) -> Result<Vec<SampleRows>> {
    samples
        .iter()
        .map(|s| {
            let rows = check::rows_needed(m, s).map_err(|e| check::malformed(s, e))?;
            let block = check::block_of(m, s);
            Ok(SampleRows {
                j: s.j,
                op: s.op,
                cell: s.cell,
                block_rows: block.rows,
                block_cols: block.cols,
                rows,
            })
        })
        .collect()
}

/// Every tensor's role, Merkle root and tensor root, in table order.
fn tensor_roots(t: &trace::Trace) -> Vec<TensorRoots> {
    t.roles
        .iter()
        .zip(&t.tensors)
        .map(|(&role, c)| TensorRoots {
            role,
            merkle_root: c.merkle_root,
            root: c.root,
        })
        .collect()
}

/// Trains and commits the step `inputs` describes and derives its samples and public inputs.
pub fn trace_outputs(inputs: &TraceInputs) -> Result<TraceOutputs> {
    let (t, beacon) = trace_of(inputs)?;
    let (header, dataset_root) = (t.header, t.header.dataset_root);
    let m = trace::Manifest::of(&t);
    let samples = sample_rows(&m, &t.samples(beacon, &inputs.sampling))?;
    let challenge = sampling::challenge(beacon, header.worker).ok_or(CoreError::ChallengeRange)?;
    Ok(TraceOutputs {
        arch_id: header.arch_id,
        dataset_root,
        batch_rows: sampling::batch_indices(
            inputs.data_seed,
            inputs.step,
            inputs.model.config.batch,
            inputs.images.rows(),
        ),
        header_digest: header.digest(),
        tensors: tensor_roots(&t),
        op_digests: t.ops.iter().map(layout::OpDesc::digest).collect(),
        trace_root: t.root,
        fiat_shamir_beacon: beacon,
        sample_seed: sampling::sample_seed(t.root, beacon),
        samples,
        public_inputs: [t.root, challenge],
    })
}

/// What determines a committed inference and its challenge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferInputs {
    /// The model.
    pub model: Model,
    /// The queries' features, `Q×K0`.
    pub images: Mat<u8>,
    /// The queries' labels.
    pub labels: Vec<u8>,
    /// Worker id (hex, below 2^160).
    #[serde(with = "commit::fr_hex")]
    pub worker: Fr,
    /// The challenge's beacon.
    pub beacon: crate::run::Word,
    /// Samples drawn and their block shapes (`sampling::infer_blocks`).
    pub sampling: Sampling,
}

/// Everything the protocol derives from [`InferInputs`] (`papers/protocol.md` §13).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferOutputs {
    /// The queries' root (the trace's dataset slot).
    #[serde(with = "commit::fr_hex")]
    pub queries_root: Fr,
    /// Header digest (trace leaf 0).
    #[serde(with = "commit::fr_hex")]
    pub header_digest: Fr,
    /// Every tensor, in table order.
    pub tensors: Vec<TensorRoots>,
    /// Every op's digest, in table order.
    #[serde(with = "commit::fr_hex")]
    pub op_digests: Vec<Fr>,
    /// Trace root.
    #[serde(with = "commit::fr_hex")]
    pub trace_root: Fr,
    /// The predictions.
    pub predictions: Vec<u32>,
    /// The correctness bits.
    pub correct: Vec<u32>,
    /// The first proof's beacon (`InferChallenge::proof_beacon(0)`).
    #[serde(with = "commit::fr_hex")]
    pub proof_beacon: Fr,
    /// The queries proven whole, one per group of samples.
    pub queries_checked: Vec<u64>,
    /// The samples and the rows each opens.
    pub samples: Vec<SampleRows>,
    /// The circuit's public inputs.
    #[serde(with = "commit::fr_hex")]
    pub public_inputs: [Fr; 2],
}

/// A committed inference end to end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferVector {
    /// [`VERSION`].
    pub version: u32,
    /// What determines it.
    pub inputs: InferInputs,
    /// What the protocol derives.
    pub outputs: InferOutputs,
}

/// Runs, commits and samples the inference `inputs` describes.
pub fn infer_outputs(inputs: &InferInputs) -> Result<InferOutputs> {
    let data = Dataset {
        name: "vector".into(),
        images: inputs.images.clone(),
        labels: inputs.labels.clone(),
        classes: inputs.model.classes(),
        scale: inputs.model.config.input_scale,
    };
    let t = step::infer(&inputs.model, &data)?;
    let q = std::sync::Arc::new(trace::commit_queries(&data)?);
    let tr = trace::commit_inference(&inputs.model, &t, &q, inputs.worker)?;
    let m = trace::Manifest::of(&tr);
    let c = crate::infer::InferChallenge::new(
        tr.root,
        crate::run::ChallengeSource::BlockHash,
        inputs.beacon,
        1,
    );
    let beacon = c.proof_beacon(0);
    let chosen = tr.samples(beacon, &inputs.sampling);
    let samples = sample_rows(&m, &chosen)?;
    let challenge =
        sampling::challenge(beacon, tr.header.worker).ok_or(CoreError::ChallengeRange)?;
    Ok(InferOutputs {
        queries_root: q.root,
        header_digest: tr.header.digest(),
        tensors: tensor_roots(&tr),
        op_digests: tr.ops.iter().map(layout::OpDesc::digest).collect(),
        trace_root: tr.root,
        predictions: t.pred,
        correct: t.correct,
        proof_beacon: beacon,
        queries_checked: chosen
            .iter()
            .step_by(tr.ops.len())
            .map(|s| s.cell)
            .collect(),
        samples,
        public_inputs: [tr.root, challenge],
    })
}

/// What the run layer's hashes take: a task's fields, a run's trace roots, a beacon and the
/// number of steps challenged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInputs {
    /// The fields a task id binds.
    pub task: crate::run::TaskFields,
    /// The steps' trace roots.
    #[serde(with = "commit::fr_hex")]
    pub trace_roots: Vec<Fr>,
    /// The challenge's beacon.
    pub beacon: crate::run::Word,
    /// Steps challenged.
    pub challenge_steps: u64,
}

/// Everything the run layer derives from [`RunInputs`] (`papers/protocol.md` §12), as a contract
/// must recompute it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOutputs {
    /// The task id.
    pub task_id: crate::run::Word,
    /// Each step's leaf of the run tree.
    pub leaves: Vec<crate::run::Word>,
    /// The run root.
    pub run_root: crate::run::Word,
    /// Each step's membership path (siblings from the leaf up).
    pub paths: Vec<Vec<crate::run::Word>>,
    /// The challenge's draws, `k = 0 … C−1`.
    pub draws: Vec<crate::run::Word>,
    /// The challenged steps and their beacons.
    pub challenged: Vec<crate::run::ChallengedStep>,
}

/// The run layer's worked example.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunVector {
    /// [`VERSION`].
    pub version: u32,
    /// What the hashes take.
    pub inputs: RunInputs,
    /// What they give.
    pub outputs: RunOutputs,
}

/// Derives the run layer's outputs; `None` when the challenge size does not fit the run.
pub fn run_outputs(i: &RunInputs) -> Option<RunOutputs> {
    use crate::run;
    let root = run::run_root(&i.trace_roots);
    let n = i.trace_roots.len() as u64;
    let c = run::Challenge::derive(
        i.task.id(),
        root,
        n,
        i.challenge_steps,
        run::ChallengeSource::Random,
        i.beacon,
    )?;
    Some(RunOutputs {
        task_id: i.task.id(),
        leaves: i.trace_roots.iter().map(run::run_leaf).collect(),
        run_root: root,
        paths: (0..i.trace_roots.len())
            .map(|s| run::run_path(&i.trace_roots, s))
            .collect(),
        draws: (0..i.challenge_steps)
            .map(|k| run::challenge_draw(&root, &i.beacon, k))
            .collect(),
        challenged: c.challenged,
    })
}
