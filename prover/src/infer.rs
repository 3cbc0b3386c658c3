//! Inference and evaluation on the worker's side (`spotproof_core::infer`): `infer` runs the
//! forward pass of a batch of queries on the GPU (CPU fallback), commits the inference trace and
//! writes the public inference file and the predictions; `respond` proves it under a validator's
//! challenge (or a block hash).
//!
//! An output directory holds `inference.json` (public: the manifest, the trace root, the
//! predictions and correctness bits), `predictions.txt` (one line per query), and, private,
//! `model.bin` and `queries.json` (what a response recomputes the trace from).

use crate::error::{Result, WorkerError};
use crate::prove;
use crate::train::{DeviceChoice, open_gpu};
use spotproof_circuits::Class;
use spotproof_core::data::{Dataset, HOLDOUT_PERCENT, Split};
use spotproof_core::ids::{Beacon, BlockHash, WorkerId};
use spotproof_core::infer::{
    INFER_FORMAT, INFER_FORMAT_VERSION, InferChallenge, InferFile, Provenance,
};
use spotproof_core::layout;
use spotproof_core::model::Model;
use spotproof_core::run::{ChallengeSource, Word};
use spotproof_core::step::{self, InferTensors};
use spotproof_core::tensor::Mat;
use spotproof_core::trace::{self, Manifest, Trace};
use spotproof_core::weights::Weights;
use spotproof_verifier::bundle::BeaconSource;
use spotproof_verifier::files::write_atomic;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

fn usage(arg: &'static str, reason: impl Into<String>) -> WorkerError {
    WorkerError::Usage {
        arg,
        reason: reason.into(),
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WorkerError + '_ {
    move |source| WorkerError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn write_json<T: serde::Serialize>(path: &Path, v: &T) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(v).map_err(|e| usage("--out", e.to_string()))?;
    bytes.push(b'\n');
    write_atomic(path, &bytes).map_err(io(path))
}

/// Where the model comes from.
#[derive(Clone, Debug)]
pub enum ModelSource {
    /// A complete run's directory: its final weights (`model.bin`), checked against the run
    /// file's final state roots, and the run as provenance.
    Run(PathBuf),
    /// A weights file.
    Weights(PathBuf),
}

/// The queries.
#[derive(Clone, Debug)]
pub enum Queries {
    /// An IDX image file, and its labels (an evaluation) or none.
    Idx(PathBuf, Option<PathBuf>),
    /// The held-out split of the run's task dataset (needs [`ModelSource::Run`]).
    Heldout,
}

/// What `infer` (and `evaluate`) is given.
#[derive(Clone, Debug)]
pub struct InferArgs {
    /// The model.
    pub model: ModelSource,
    /// The queries.
    pub queries: Queries,
    /// Output directory.
    pub out: PathBuf,
    /// The worker.
    pub worker: WorkerId,
    /// Where the forward pass runs.
    pub device: DeviceChoice,
    /// The inference class (default: the smallest that fits).
    pub class: Option<String>,
}

/// What `infer` reports.
#[derive(Clone, Debug, serde::Serialize)]
pub struct InferReport {
    /// `OUT/inference.json`.
    pub inference: PathBuf,
    /// `OUT/predictions.txt`.
    pub predictions: PathBuf,
    /// The trace root (publish it, then get a challenge).
    pub trace_root: String,
    /// The queries' root.
    pub queries_root: String,
    /// Queries.
    pub queries: usize,
    /// The class its proofs use.
    pub class: String,
    /// Whether the queries carry labels.
    pub labelled: bool,
    /// The accuracy the bits claim, when labelled.
    pub accuracy: Option<f64>,
    /// "cpu" or the adapter's name.
    pub device: String,
    /// Seconds of the forward passes.
    pub compute_seconds: f64,
    /// Seconds committing.
    pub commit_seconds: f64,
}

/// The private copy of the queries a response recomputes from.
#[derive(serde::Serialize, serde::Deserialize)]
struct QueriesFile {
    images: Mat<u8>,
    labels: Vec<u8>,
    labelled: bool,
}

fn load_model(src: &ModelSource) -> Result<(Model, Option<Provenance>)> {
    match src {
        ModelSource::Weights(p) => Ok((Weights::read(p)?.model, None)),
        ModelSource::Run(dir) => {
            let run = crate::run::read_run(&dir.join("run.json"))?;
            let Some(run_root) = run.run_root.filter(|_| run.complete()) else {
                return Err(usage("--run", "the run is not complete"));
            };
            let model = Weights::read(&dir.join("model.bin"))?.model;
            let roots = layout::state_roots(&model)?;
            if roots != run.final_roots || model.config != run.model {
                return Err(usage("--run", "its model.bin is not the run's final state"));
            }
            Ok((
                model,
                Some(Provenance {
                    task_id: run.task_id,
                    run_root,
                }),
            ))
        }
    }
}

fn load_queries(q: &Queries, model: &Model, src: &ModelSource) -> Result<(Dataset, bool)> {
    let (mut data, labelled) = match q {
        Queries::Idx(images, Some(labels)) => (Dataset::from_idx_files(images, labels)?, true),
        Queries::Idx(images, None) => (Dataset::from_idx_images(images)?, false),
        Queries::Heldout => {
            let ModelSource::Run(dir) = src else {
                return Err(usage("--test", "the held-out split needs --run"));
            };
            let task = crate::run::read_task(&dir.join("task.json"))?;
            let spec: spotproof_core::data::DatasetSpec = task.dataset.parse()?;
            let data = spec.load()?;
            let split = Split::holdout(data.len(), HOLDOUT_PERCENT, task.split_seed);
            (data.subset(&split.test)?, true)
        }
    };
    let k = model.config.widths[0];
    if data.features() != k {
        return Err(usage(
            "--inputs",
            format!(
                "queries of {} features, the model takes {k}",
                data.features()
            ),
        ));
    }
    let classes = model.classes();
    if let Some((row, &l)) = data
        .labels
        .iter()
        .enumerate()
        .find(|(_, l)| usize::from(**l) >= classes)
    {
        return Err(usage(
            "--inputs",
            format!("label {l} of query {row} is not one of the model's {classes} classes"),
        ));
    }
    data.classes = classes;
    data.scale = model.config.input_scale;
    Ok((data, labelled))
}

fn commit(model: &Model, queries: &Dataset, t: &InferTensors, worker: WorkerId) -> Result<Trace> {
    let q = Arc::new(trace::commit_queries(queries)?);
    Ok(trace::commit_inference(model, t, &q, worker.fr())?)
}

/// Runs the forward passes of the queries, commits them and writes the output directory.
pub fn infer(a: &InferArgs, notice: &mut dyn FnMut(String)) -> Result<InferReport> {
    let (model, provenance) = load_model(&a.model)?;
    let (queries, labelled) = load_queries(&a.queries, &model, &a.model)?;
    let class = match &a.class {
        Some(name) => {
            let c = Class::by_name(name)?;
            if c.kind != layout::TraceKind::Infer {
                return Err(usage(
                    "--class",
                    format!("{name} is not an inference class"),
                ));
            }
            c.check(&model.config, queries.len(), c.samples)?;
            c
        }
        None => Class::smallest_infer_for(&model.config, queries.len())?,
    };
    let t0 = Instant::now();
    let (tensors, device) = match open_gpu(a.device, notice)? {
        Some(gpu) => (
            step::infer_on(&gpu, &model, &queries)?,
            gpu.adapter_name().to_string(),
        ),
        None => (step::infer(&model, &queries)?, "cpu".to_string()),
    };
    let compute_seconds = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let tr = commit(&model, &queries, &tensors, a.worker)?;
    let commit_seconds = t1.elapsed().as_secs_f64();
    let file = InferFile {
        format: INFER_FORMAT.into(),
        version: INFER_FORMAT_VERSION,
        worker: a.worker,
        model: model.config.clone(),
        class: class.name.into(),
        labelled,
        provenance,
        trace_root: tr.root,
        manifest: Manifest::of(&tr),
        predictions: tensors.pred.clone(),
        correct: tensors.correct.clone(),
    };
    std::fs::create_dir_all(&a.out).map_err(io(&a.out))?;
    // The private copies first: a directory with an inference file can always be answered.
    let weights = Weights {
        step: 0,
        prev_root: spotproof_core::commit::Fr::from(0u64),
        model: model.clone(),
    };
    let model_path = a.out.join("model.bin");
    write_atomic(&model_path, &weights.to_bytes()).map_err(io(&model_path))?;
    write_json(
        &a.out.join("queries.json"),
        &QueriesFile {
            images: queries.images.clone(),
            labels: queries.labels.clone(),
            labelled,
        },
    )?;
    let mut lines = String::new();
    for (i, p) in tensors.pred.iter().enumerate() {
        lines += &if labelled {
            format!("{i} {p} {} {}\n", tensors.labels[i], tensors.correct[i])
        } else {
            format!("{i} {p}\n")
        };
    }
    let predictions = a.out.join("predictions.txt");
    write_atomic(&predictions, lines.as_bytes()).map_err(io(&predictions))?;
    let inference = a.out.join("inference.json");
    write_json(&inference, &file)?;
    Ok(InferReport {
        inference,
        predictions,
        trace_root: spotproof_core::commit::to_hex(&tr.root),
        queries_root: spotproof_core::commit::to_hex(&tr.header.dataset_root),
        queries: queries.len(),
        class: class.name.into(),
        labelled,
        accuracy: (labelled && !queries.is_empty())
            .then(|| file.correct_count() as f64 / queries.len() as f64),
        device,
        compute_seconds,
        commit_seconds,
    })
}

/// What answering an inference challenge reports.
#[derive(Clone, Debug, serde::Serialize)]
pub struct InferResponse {
    /// The bundles written, one per proof the challenge asks for.
    pub bundles: Vec<PathBuf>,
    /// The queries proven whole, proof by proof.
    pub checked: Vec<u64>,
    /// Seconds recomputing and recommitting.
    pub replay_seconds: f64,
    /// Seconds proving, per proof.
    pub prove_seconds: Vec<f64>,
    /// Peak resident memory, bytes.
    pub peak_bytes: u64,
}

/// The inference challenge of the file in `dir` under a block hash, written to
/// `out/challenge.json`.
pub fn block_challenge(dir: &Path, hash: &BlockHash, out: &Path) -> Result<PathBuf> {
    let c = spotproof_verifier::infer::challenge_of(
        &dir.join("inference.json"),
        ChallengeSource::BlockHash,
        Word(hash.0),
        1,
    )?;
    std::fs::create_dir_all(out).map_err(io(out))?;
    let path = out.join("challenge.json");
    write_json(&path, &c)?;
    Ok(path)
}

/// Whether `dir` holds a committed inference (rather than a run).
pub fn is_inference_dir(dir: &Path) -> bool {
    dir.join("inference.json").is_file()
}

/// Answers a challenge of the inference in `dir`: recomputes the trace on the CPU reference from
/// the private copies (refusing a root that is not the file's), proves it under the challenge's
/// proof beacons and writes `out/inference-proof-KKK.json`, one per proof it asks for.
pub fn respond(dir: &Path, challenge: &Path, keys: &Path, out: &Path) -> Result<InferResponse> {
    let file = spotproof_verifier::infer::read_inference(&dir.join("inference.json"))?;
    let c: InferChallenge = spotproof_verifier::infer::read_infer_challenge(challenge)?;
    if c.trace_root != file.trace_root {
        return Err(usage(
            "--challenge",
            format!("{}: a challenge of another inference", challenge.display()),
        ));
    }
    let t0 = Instant::now();
    let model = Weights::read(&dir.join("model.bin"))?.model;
    let qpath = dir.join("queries.json");
    let q: QueriesFile = serde_json::from_slice(&std::fs::read(&qpath).map_err(io(&qpath))?)
        .map_err(|e| usage("--run", format!("{}: {e}", qpath.display())))?;
    let queries = Dataset {
        name: "queries".into(),
        images: q.images,
        labels: q.labels,
        classes: model.classes(),
        scale: model.config.input_scale,
    };
    let tensors = step::infer(&model, &queries)?;
    let tr = commit(&model, &queries, &tensors, file.worker)?;
    if tr.root != file.trace_root {
        return Err(usage(
            "--run",
            "the private copies do not recommit to the inference file's root",
        ));
    }
    let replay_seconds = t0.elapsed().as_secs_f64();
    let class = Class::by_name(&file.class)?;
    let (pk, key_files) = prove::load_pk(class, keys)?;
    if !(1..=spotproof_core::infer::MAX_PROOFS).contains(&c.proofs) {
        return Err(usage(
            "--challenge",
            format!("{} proofs asked for", c.proofs),
        ));
    }
    std::fs::create_dir_all(out).map_err(io(out))?;
    let mut r = InferResponse {
        bundles: Vec::new(),
        checked: Vec::new(),
        replay_seconds,
        prove_seconds: Vec::new(),
        peak_bytes: 0,
    };
    let n = tr.ops.len().max(1);
    for k in 0..c.proofs {
        let beacon = Beacon::new(c.proof_beacon(k))
            .ok_or_else(|| usage("--challenge", "a proof beacon above 2^93"))?;
        let t1 = Instant::now();
        let b = prove::prove_trace(
            &pk,
            &key_files,
            &model.config,
            &tr,
            beacon,
            BeaconSource::External,
        )?;
        r.prove_seconds.push(t1.elapsed().as_secs_f64());
        let bundle = out.join(format!("inference-proof-{k:03}.json"));
        b.write(&bundle).map_err(io(&bundle))?;
        r.bundles.push(bundle);
        r.checked.extend(
            tr.samples(beacon.fr(), &class.sampling())
                .iter()
                .step_by(n)
                .map(|s| s.cell),
        );
    }
    r.peak_bytes = crate::run::peak_rss();
    Ok(r)
}
