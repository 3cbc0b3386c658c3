//! Verifiable inference and evaluation through the binaries, on a small task's run (16-pixel IDX
//! images, 4 classes, a `16-8-4` model, class `inf2-g4-q32-r32`): `evaluate` and `infer`, the
//! validator's `challenge --inference` and `test-root`, `respond` (with a challenge file or a block
//! hash), `audit --inference` and `verify`. Then what a cheating worker or a careless caller can
//! try: published bits that are not the committed ones, a bundle under another challenge, a
//! model that is not the run's, queries that are not the pinned test set, and bad input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{s, stderr, temp_dir, validator, worker, write_idx};
use spotproof_core::data::DatasetSpec;
use spotproof_core::ids::WorkerId;
use spotproof_core::infer::{InferChallenge, InferFile};
use spotproof_core::model::{Hyper, Model, ModelConfig};
use spotproof_core::weights::Weights;
use spotproof_prover::run::{self, Quiet, RunArgs, TaskArgs};
use spotproof_prover::train::DeviceChoice;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

const CLASS: &str = "mlp2-s18-r32";
const INFER_CLASS: &str = "inf2-g4-q32-r32";

struct Fixture {
    dir: PathBuf,
    keys: PathBuf,
    run_dir: PathBuf,
    /// A second run of the same task shape (another seed): another final state.
    other_run: PathBuf,
    images: PathBuf,
    labels: PathBuf,
}

fn task(dir: &Path, spec: &DatasetSpec, seed: u64, name: &str) -> PathBuf {
    let t = dir.join(name);
    let a = TaskArgs {
        dataset: spec.clone(),
        steps: 4,
        hidden: vec![8],
        batch: 8,
        hyper: Hyper::default(),
        seed,
        challenge_steps: 1,
        from: None,
        keys: dir.join("keys"),
        class: Some(CLASS.into()),
    };
    run::make_task(&a, &t, &mut |_| {}).unwrap();
    t
}

fn run_of(task: &Path, out: &Path) {
    let a = RunArgs {
        task: task.to_path_buf(),
        out: out.to_path_buf(),
        device: DeviceChoice::Cpu,
        worker: WorkerId::of_address(&[7; 20]),
        resume: false,
        checkpoint_every: 4,
    };
    run::run_task(&a, &Quiet).unwrap();
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = temp_dir("infer");
        let spec = write_idx(&dir, 120);
        let run_dir = dir.join("run");
        run_of(&task(&dir, &spec, 3, "task.json"), &run_dir);
        let other_run = dir.join("other-run");
        run_of(&task(&dir, &spec, 4, "task-other.json"), &other_run);
        // 30 queries of the same shape (the generator's first 30 rows).
        let qdir = dir.join("queries");
        std::fs::create_dir_all(&qdir).unwrap();
        let DatasetSpec::Idx { images, labels } = write_idx(&qdir, 30) else {
            panic!("an IDX pair")
        };
        let keys = dir.join("keys");
        let o = worker(&["setup", "--class", INFER_CLASS, "--out", s(&keys)]);
        assert!(o.status.success(), "{}", stderr(&o));
        Fixture {
            dir,
            keys,
            run_dir,
            other_run,
            images,
            labels,
        }
    })
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", stderr(o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn rejected(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(1), "{}", stderr(o));
    assert!(stderr(o).contains(needle), "{}", stderr(o));
}

fn usage_error(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    let e = stderr(o);
    assert!(e.contains(needle), "{e}");
    assert!(!e.contains("panicked"), "{e}");
}

fn read_file(p: &Path) -> InferFile {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// An evaluation of the run's model on the 30 labelled queries, challenged and proven.
struct Evaluated {
    out: PathBuf,
    challenge: PathBuf,
    bundle: PathBuf,
    test_root: String,
}

fn evaluated() -> &'static Evaluated {
    static E: OnceLock<Evaluated> = OnceLock::new();
    E.get_or_init(|| {
        let f = fixture();
        let out = f.dir.join("eval");
        let test = format!("{},{}", s(&f.images), s(&f.labels));
        ok(&worker(&[
            "evaluate",
            "--run",
            s(&f.run_dir),
            "--test",
            &test,
            "--out",
            s(&out),
            "--device",
            "cpu",
        ]));
        let test_root = ok(&validator(&["test-root", "--test", &test]))
            .trim()
            .to_string();
        let challenge = f.dir.join("eval-challenge.json");
        ok(&validator(&[
            "challenge",
            "--inference",
            s(&out.join("inference.json")),
            "--random",
            "--out",
            s(&challenge),
        ]));
        let proofs = f.dir.join("eval-proofs");
        let printed = ok(&worker(&[
            "respond",
            "--run",
            s(&out),
            "--challenge",
            s(&challenge),
            "--keys",
            s(&f.keys),
            "--out",
            s(&proofs),
        ]));
        let bundle = PathBuf::from(printed.trim());
        assert_eq!(bundle, proofs.join("inference-proof-000.json"));
        Evaluated {
            out,
            challenge,
            bundle,
            test_root,
        }
    })
}

fn vk() -> PathBuf {
    fixture().keys.join(format!("{INFER_CLASS}.vk"))
}

fn audit(inference: &Path, challenge: &Path, bundle: &Path, extra: &[&str]) -> Output {
    let vk = vk();
    let mut args = vec![
        "audit",
        "--inference",
        s(inference),
        "--challenge",
        s(challenge),
        "--vk",
        s(&vk),
    ];
    args.extend_from_slice(extra);
    args.push(s(bundle));
    validator(&args)
}

#[test]
fn an_evaluation_is_proven_and_audited_against_its_run_and_test_set() {
    let (f, e) = (fixture(), evaluated());
    let inf = e.out.join("inference.json");
    let file = read_file(&inf);
    assert_eq!(file.class, INFER_CLASS);
    assert!(file.labelled);
    // One line per query: index, prediction, label, bit.
    let lines = std::fs::read_to_string(e.out.join("predictions.txt")).unwrap();
    assert_eq!(lines.lines().count(), 30);
    let right = lines.lines().filter(|l| l.ends_with(" 1")).count();
    let run = s(&f.run_dir.join("run.json")).to_string();
    let o = audit(
        &inf,
        &e.challenge,
        &e.bundle,
        &["--run", &run, "--test-root", &e.test_root, "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(v["verified"], true);
    assert_eq!(v["queries"], 30);
    assert_eq!(v["groups"], 4);
    assert_eq!(v["checked"].as_array().unwrap().len(), 4);
    assert_eq!(v["correct"], right);
    assert!((v["accuracy"].as_f64().unwrap() - right as f64 / 30.0).abs() < 1e-12);
    // (1 − 2/30)^4 for more than 1 wrong answer of 30 (5%).
    let bound = v["miss_bounds"][1]["miss_at_most"].as_f64().unwrap();
    assert!((bound - (28.0f64 / 30.0).powi(4)).abs() < 1e-12, "{bound}");
    // The sentence for people.
    let text = ok(&audit(
        &inf,
        &e.challenge,
        &e.bundle,
        &["--run", &run, "--test-root", &e.test_root],
    ));
    assert!(
        text.contains(&format!("accuracy {:.4}", right as f64 / 30.0)),
        "{text}"
    );
    assert!(
        text.contains("misses it with probability at most"),
        "{text}"
    );
    // The same bundle through `verify`, under the challenge's proof beacon and the file's root.
    let c: InferChallenge = serde_json::from_slice(&std::fs::read(&e.challenge).unwrap()).unwrap();
    let beacon = spotproof_core::commit::to_hex(&c.proof_beacon(0));
    let root = spotproof_core::commit::to_hex(&file.trace_root);
    let vk = vk();
    ok(&validator(&[
        "verify",
        "--vk",
        s(&vk),
        "--beacon",
        &beacon,
        "--root",
        &root,
        s(&e.bundle),
    ]));
}

#[test]
fn the_gpu_commits_the_same_inference_as_the_cpu() {
    let (f, e) = (fixture(), evaluated());
    let out = f.dir.join("eval-gpu");
    let test = format!("{},{}", s(&f.images), s(&f.labels));
    let o = worker(&[
        "evaluate",
        "--run",
        s(&f.run_dir),
        "--test",
        &test,
        "--out",
        s(&out),
        "--device",
        "gpu",
        "--json",
    ]);
    if o.status.code() == Some(2) && std::env::var_os("SPOTPROOF_REQUIRE_GPU").is_none() {
        eprintln!("no GPU adapter: skipped ({})", stderr(&o));
        return;
    }
    let v: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_ne!(v["device"], "cpu");
    assert_eq!(
        read_file(&out.join("inference.json")).trace_root,
        read_file(&e.out.join("inference.json")).trace_root
    );
}

#[test]
fn what_a_worker_writes_cannot_make_the_audit_accept() {
    let (f, e) = (fixture(), evaluated());
    let inf = e.out.join("inference.json");
    let run = s(&f.run_dir.join("run.json")).to_string();
    // Published bits that are not the committed ones (a better accuracy claimed).
    let mut file = read_file(&inf);
    let flip = file.correct.iter().position(|&c| c == 0).unwrap_or(0);
    file.correct[flip] ^= 1;
    let forged = f.dir.join("forged-bits.json");
    std::fs::write(&forged, serde_json::to_vec(&file).unwrap()).unwrap();
    rejected(
        &audit(&forged, &e.challenge, &e.bundle, &[]),
        "correctness bits are not the committed ones",
    );
    // A prediction published otherwise than committed.
    let mut file = read_file(&inf);
    file.predictions[3] = (file.predictions[3] + 1) % 4;
    std::fs::write(&forged, serde_json::to_vec(&file).unwrap()).unwrap();
    rejected(
        &audit(&forged, &e.challenge, &e.bundle, &[]),
        "predictions are not the committed ones",
    );
    // The model is not the given run's final state.
    let other = s(&f.other_run.join("run.json")).to_string();
    let o = audit(&inf, &e.challenge, &e.bundle, &["--run", &other]);
    rejected(&o, "not the run's final state");
    assert!(stderr(&o).contains("claims another run"), "{}", stderr(&o));
    // The queries are not the pinned test set.
    let train_root = ok(&validator(&[
        "test-root",
        "--test",
        &format!(
            "{},{}",
            s(&f.dir.join("images.idx")),
            s(&f.dir.join("labels.idx"))
        ),
    ]));
    rejected(
        &audit(
            &inf,
            &e.challenge,
            &e.bundle,
            &["--run", &run, "--test-root", train_root.trim()],
        ),
        "not the pinned test set",
    );
    // The bundle answers another challenge (a beacon the worker chose).
    let other_ch = f.dir.join("other-challenge.json");
    ok(&validator(&[
        "challenge",
        "--inference",
        s(&inf),
        "--random",
        "--out",
        s(&other_ch),
    ]));
    rejected(&audit(&inf, &other_ch, &e.bundle, &[]), "beacon");
}

#[test]
fn inference_without_labels_answers_a_block_hash() {
    let f = fixture();
    let out = f.dir.join("infer");
    ok(&worker(&[
        "infer",
        "--model",
        s(&f.run_dir.join("model.bin")),
        "--inputs",
        s(&f.images),
        "--out",
        s(&out),
        "--device",
        "cpu",
    ]));
    let file = read_file(&out.join("inference.json"));
    assert!(!file.labelled && file.provenance.is_none());
    let lines = std::fs::read_to_string(out.join("predictions.txt")).unwrap();
    assert_eq!(lines.lines().next().unwrap().split(' ').count(), 2);
    let hash = format!("0x{}", "ab".repeat(32));
    let proofs = f.dir.join("infer-proofs");
    ok(&worker(&[
        "respond",
        "--run",
        s(&out),
        "--block-hash",
        &hash,
        "--keys",
        s(&f.keys),
        "--out",
        s(&proofs),
    ]));
    // The validator derives the same challenge from the block hash.
    let ch = f.dir.join("infer-challenge.json");
    ok(&validator(&[
        "challenge",
        "--inference",
        s(&out.join("inference.json")),
        "--block-hash",
        &hash,
        "--out",
        s(&ch),
    ]));
    let text = ok(&audit(
        &out.join("inference.json"),
        &ch,
        &proofs.join("inference-proof-000.json"),
        &["--run", s(&f.run_dir.join("run.json"))],
    ));
    assert!(text.contains("predictions on queries"), "{text}");
    assert!(text.contains("the final state of run"), "{text}");
    // An evaluation's challenge is not this inference's: a usage error.
    usage_error(
        &audit(
            &out.join("inference.json"),
            &evaluated().challenge,
            &proofs.join("inference-proof-000.json"),
            &[],
        ),
        "a challenge of another inference",
    );
}

#[test]
fn bad_input_is_a_one_line_error() {
    let f = fixture();
    let bad = f.dir.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    let run = s(&f.run_dir).to_string();
    let out = s(&bad.join("out")).to_string();
    // Queries of another width: 5×5 images.
    let img = bad.join("wide.idx");
    let mut bytes: Vec<u8> = [0x0000_0803u32, 3, 5, 5]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    bytes.extend(std::iter::repeat_n(7u8, 75));
    std::fs::write(&img, bytes).unwrap();
    usage_error(
        &worker(&["infer", "--run", &run, "--inputs", s(&img), "--out", &out]),
        "queries of 25 features, the model takes 16",
    );
    // Labels out of the model's range.
    let lab = bad.join("labels.idx");
    let mut bytes: Vec<u8> = [0x0000_0801u32, 30]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    bytes.extend(std::iter::repeat_n(9u8, 30));
    std::fs::write(&lab, bytes).unwrap();
    let test = format!("{},{}", s(&f.images), s(&lab));
    usage_error(
        &worker(&["evaluate", "--run", &run, "--test", &test, "--out", &out]),
        "label 9 of query 0 is not one of the model's 4 classes",
    );
    // A weights file of another architecture in the run directory.
    let fake_run = bad.join("run");
    std::fs::create_dir_all(&fake_run).unwrap();
    std::fs::copy(f.run_dir.join("run.json"), fake_run.join("run.json")).unwrap();
    let cfg = ModelConfig {
        widths: vec![16, 5, 4],
        batch: 8,
        hyper: Hyper::default(),
        input_scale: spotproof_core::data::BYTE_PIXELS,
    };
    let w = Weights {
        step: 0,
        prev_root: spotproof_core::commit::Fr::from(0u64),
        model: Model::init(cfg, 1).unwrap(),
    };
    std::fs::write(fake_run.join("model.bin"), w.to_bytes()).unwrap();
    usage_error(
        &worker(&[
            "infer",
            "--run",
            s(&fake_run),
            "--inputs",
            s(&f.images),
            "--out",
            &out,
        ]),
        "not the run's final state",
    );
    // A training class for inference; the held-out split without a run.
    usage_error(
        &worker(&[
            "infer",
            "--run",
            &run,
            "--inputs",
            s(&f.images),
            "--out",
            &out,
            "--class",
            CLASS,
        ]),
        "not an inference class",
    );
    usage_error(
        &worker(&[
            "evaluate",
            "--model",
            s(&f.run_dir.join("model.bin")),
            "--test",
            "heldout",
            "--out",
            &out,
        ]),
        "the held-out split needs --run",
    );
    // Nothing was written by the refused commands.
    assert!(!bad.join("out").exists());
    // Audit usage: two bundles, a training key.
    let e = evaluated();
    let inf = e.out.join("inference.json");
    let two = validator(&[
        "audit",
        "--inference",
        s(&inf),
        "--challenge",
        s(&e.challenge),
        "--vk",
        s(&vk()),
        s(&e.bundle),
        s(&e.bundle),
    ]);
    usage_error(&two, "the challenge asks for 1 proofs, 2 bundles given");
    let train_vk = f.keys.join(format!("{CLASS}.vk"));
    usage_error(
        &validator(&[
            "audit",
            "--inference",
            s(&inf),
            "--challenge",
            s(&e.challenge),
            "--vk",
            s(&train_vk),
            s(&e.bundle),
        ]),
        "not the inference file's class",
    );
}

#[test]
fn more_proofs_check_more_queries_and_each_answers_its_own_beacon() {
    let (f, e) = (fixture(), evaluated());
    let inf = e.out.join("inference.json");
    let ch = f.dir.join("two-proofs.json");
    ok(&validator(&[
        "challenge",
        "--inference",
        s(&inf),
        "--proofs",
        "2",
        "--random",
        "--out",
        s(&ch),
    ]));
    let proofs = f.dir.join("two-proofs");
    let printed = ok(&worker(&[
        "respond",
        "--run",
        s(&e.out),
        "--challenge",
        s(&ch),
        "--keys",
        s(&f.keys),
        "--out",
        s(&proofs),
    ]));
    let bundles: Vec<PathBuf> = printed.lines().map(PathBuf::from).collect();
    assert_eq!(bundles.len(), 2);
    // Given in either order.
    let o = audit(&inf, &ch, &bundles[1], &[s(&bundles[0]), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(
        (v["proofs"].as_u64(), v["groups"].as_u64()),
        (Some(2), Some(8))
    );
    assert_eq!(v["checked"].as_array().unwrap().len(), 8);
    // One proof twice answers one beacon only; one proof short is a usage error.
    rejected(
        &audit(&inf, &ch, &bundles[0], &[s(&bundles[0])]),
        "not under a proof beacon of the challenge, or one already answered",
    );
    usage_error(
        &audit(&inf, &ch, &bundles[0], &[]),
        "the challenge asks for 2 proofs, 1 bundles given",
    );
    usage_error(
        &validator(&[
            "challenge",
            "--inference",
            s(&inf),
            "--proofs",
            "0",
            "--random",
            "--out",
            s(&ch),
        ]),
        "0 proofs",
    );
}
