//! Runs end to end — task → run → challenge → respond → audit — and the cheating worker's attacks
//! on them, each of which the audit must reject. One setup of the smallest class
//! (`mlp2-s18-r32`) for the file, on a tiny IDX dataset (4×4 images, 4 classes) so that its
//! model (16-8-4) fits it; the fixture's run is proven for its 2 challenged steps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use spotproof_core::commit::Fr;
use spotproof_core::data::DatasetSpec;
use spotproof_core::ids::{Beacon, WorkerId};
use spotproof_core::model::Hyper;
use spotproof_core::run::{Challenge, ChallengeSource, RunFile, Word, keccak, run_root};
use spotproof_prover::run::{self, Quiet, RunArgs, TaskArgs};
use spotproof_prover::train::DeviceChoice;
use spotproof_verifier::audit::{self, AuditInput, RunRejection, StepFault};
use spotproof_verifier::bundle::BeaconSource;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

mod common;
use common::{s, validator, worker, write_idx};

const CLASS: &str = "mlp2-s18-r32";

fn temp_dir(name: &str) -> PathBuf {
    common::temp_dir(&format!("runs-{name}"))
}

fn worker_id(k: u8) -> WorkerId {
    WorkerId::of_address(&[k; 20])
}

fn task_args(dir: &Path, spec: &DatasetSpec, steps: u64, seed: u64) -> TaskArgs {
    TaskArgs {
        dataset: spec.clone(),
        steps,
        hidden: vec![8],
        batch: 8,
        hyper: Hyper::default(),
        seed,
        challenge_steps: 2,
        from: None,
        keys: dir.join("keys"),
        class: Some(CLASS.into()),
    }
}

fn run_args(task: &Path, out: &Path, worker: WorkerId) -> RunArgs {
    RunArgs {
        task: task.to_path_buf(),
        out: out.to_path_buf(),
        device: DeviceChoice::Cpu,
        worker,
        resume: false,
        checkpoint_every: 4,
    }
}

struct Fixture {
    dir: PathBuf,
    spec: DatasetSpec,
    task: PathBuf,
    run_dir: PathBuf,
    challenge: PathBuf,
    vk: PathBuf,
    bundles: Vec<PathBuf>,
}

impl Fixture {
    fn run_file(&self) -> PathBuf {
        self.run_dir.join("run.json")
    }
    fn input<'a>(
        &'a self,
        run: &'a Path,
        challenge: &'a Path,
        bundles: &'a [PathBuf],
    ) -> AuditInput<'a> {
        AuditInput {
            task: &self.task,
            run,
            challenge,
            vk: &self.vk,
            bundles,
        }
    }
}

/// Writes a challenge of `run` under `beacon`.
fn challenge(run: &Path, beacon: Word, out: &Path) -> Challenge {
    let r = audit::read_run(run).unwrap();
    let c = audit::challenge_of(run, &r, ChallengeSource::Random, beacon).unwrap();
    std::fs::write(out, serde_json::to_vec_pretty(&c).unwrap()).unwrap();
    c
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = temp_dir("fixture");
        let spec = write_idx(&dir, 120);
        let task = dir.join("task.json");
        run::make_task(&task_args(&dir, &spec, 12, 3), &task, &mut |_| {}).unwrap();
        let run_dir = dir.join("run");
        run::run_task(&run_args(&task, &run_dir, worker_id(7)), &Quiet).unwrap();
        let ch = dir.join("challenge.json");
        challenge(&run_dir.join("run.json"), keccak(b"validator"), &ch);
        let out = dir.join("bundles");
        let r = run::respond(&run_dir, &ch, &dir.join("keys"), &out, &mut |_| {}).unwrap();
        Fixture {
            vk: dir.join("keys").join(format!("{CLASS}.vk")),
            dir,
            spec,
            task,
            run_dir,
            challenge: ch,
            bundles: r.bundles,
        }
    })
}

fn audit_of(input: &AuditInput<'_>) -> Vec<String> {
    audit::audit(input, &mut rand::rngs::OsRng)
        .unwrap()
        .reasons()
}

/// Exit 0, and the JSON it printed.
fn json_of(out: &Output) -> serde_json::Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Exit 2 with one `error:` line and no panic.
fn usage_error(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let last = err.trim().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error:") && last.contains(needle),
        "expected {needle:?}: {err}"
    );
}

fn read_run(p: &Path) -> RunFile {
    audit::read_run(p).unwrap()
}

/// Writes `r` to `dir/name` with its run root recomputed (a worker publishes what it likes).
fn publish(r: &mut RunFile, dir: &Path, name: &str) -> PathBuf {
    r.run_root = Some(run_root(&r.trace_roots()));
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec(r).unwrap()).unwrap();
    p
}

#[test]
fn the_run_flow_verifies_and_the_model_is_the_final_state() {
    let f = fixture();
    assert!(audit_of(&f.input(&f.run_file(), &f.challenge, &f.bundles)).is_empty());
    let run_json = f.run_file();
    let mut args: Vec<&str> = vec![
        "audit",
        "--task",
        s(&f.task),
        "--run",
        s(&run_json),
        "--challenge",
        s(&f.challenge),
        "--vk",
        s(&f.vk),
        "--json",
    ];
    args.extend(f.bundles.iter().map(|p| s(p)));
    let v = json_of(&validator(&args));
    assert_eq!(v["verified"], true);
    assert_eq!(v["challenged"].as_array().unwrap().len(), 2);
    // The delivered model is the final state; a checkpoint is not.
    let model = f.run_dir.join("model.bin");
    let run = f.run_dir.join("run.json");
    assert_eq!(
        validator(&["check-model", "--run", s(&run), s(&model)])
            .status
            .code(),
        Some(0)
    );
    let ckpt = run::checkpoint_path(&f.run_dir, 8);
    let out = validator(&["check-model", "--run", s(&run), s(&ckpt)]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // inspect reads task, run and challenge files.
    for p in [&f.task, &run, &f.challenge] {
        let out = validator(&["inspect", s(p)]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A task that continues this run starts from its final state, and its inputs check out.
    let next = f.dir.join("next-task.json");
    let mut a = task_args(&f.dir, &f.spec, 4, 3);
    a.from = Some(f.run_dir.clone());
    let t = run::make_task(&a, &next, &mut |_| {}).unwrap();
    audit::check_task_inputs(&t).unwrap();
    assert_eq!(t.initial_roots, read_run(&run).final_roots);
}

#[test]
fn a_run_that_breaks_its_chain_in_an_unproven_step_is_rejected() {
    let f = fixture();
    let dir = temp_dir("chain");
    let honest = read_run(&f.run_file());
    let challenged = audit::audit(
        &f.input(&f.run_file(), &f.challenge, &f.bundles),
        &mut rand::rngs::OsRng,
    )
    .unwrap()
    .challenged;
    let k = (1..12u64).find(|k| !challenged.contains(k)).unwrap() as usize;
    // The worker skips the update of step k−1: step k starts from step k−1's state in. Every
    // manifest still hashes to its own root; only the link is broken.
    let mut r = honest.clone();
    let prev_in = r.steps[k - 1].manifest.tensors.clone();
    let mut m = r.steps[k].manifest.clone();
    for (t, p) in m.tensors.iter_mut().zip(&prev_in) {
        if matches!(t.role, spotproof_core::layout::Role::Master(_)) {
            t.merkle_root = p.merkle_root;
            break;
        }
    }
    r.steps[k].trace_root = m.root().unwrap();
    r.steps[k].manifest = m;
    for j in k + 1..r.steps.len() {
        let prev = r.steps[j - 1].trace_root;
        r.steps[j].manifest.header.prev_root = prev;
        r.steps[j].trace_root = r.steps[j].manifest.root().unwrap();
    }
    let task = audit::read_task(&f.task).unwrap();
    let found = audit::check_run(&task, &r);
    assert!(
        found.iter().any(|e| matches!(e, RunRejection::Step { step, why: StepFault::Chain(_) } if *step == k as u64)),
        "{found:?}"
    );
    // Through the CLI: exit 1, naming the step.
    let path = publish(&mut r, &dir, "broken.json");
    let ch = dir.join("ch.json");
    challenge(&path, keccak(b"validator"), &ch);
    let out = validator(&[
        "audit",
        "--task",
        s(&f.task),
        "--run",
        s(&path),
        "--challenge",
        s(&ch),
        "--vk",
        s(&f.vk),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&format!("step {k}:")), "{err}");
}

#[test]
fn a_run_that_does_not_start_from_the_task_is_rejected() {
    let f = fixture();
    let task = audit::read_task(&f.task).unwrap();
    let honest = read_run(&f.run_file());
    // Step 0 with a previous root.
    let mut r = honest.clone();
    r.steps[0].manifest.header.prev_root = Fr::from(5u64);
    r.steps[0].trace_root = r.steps[0].manifest.root().unwrap();
    let found = audit::check_run(&task, &r);
    assert!(
        found.contains(&RunRejection::Step {
            step: 0,
            why: StepFault::Initial
        }),
        "{found:?}"
    );
    // Initial weights other than the task's: another seed's, committed honestly.
    let dir = temp_dir("start");
    let other_init = dir.join("task.json");
    let mut a = task_args(&f.dir, &f.spec, 12, 3);
    a.keys = f.dir.join("keys");
    run::make_task(&a, &other_init, &mut |_| {}).unwrap();
    let mut t2 = audit::read_task(&other_init).unwrap();
    t2.init = spotproof_core::run::Init::Seed(99);
    let m2 = spotproof_core::model::Model::init(t2.model.clone(), 99).unwrap();
    t2.initial_roots = spotproof_core::layout::state_roots(&m2).unwrap();
    t2.task_id = t2.fields().id();
    std::fs::write(&other_init, serde_json::to_vec(&t2).unwrap()).unwrap();
    run::run_task(
        &run_args(&other_init, &dir.join("run"), worker_id(7)),
        &Quiet,
    )
    .unwrap();
    let mut other = read_run(&dir.join("run").join("run.json"));
    // Relabelled with the task's id: still not the task's start.
    other.task_id = task.task_id;
    let found = audit::check_run(&task, &other);
    assert!(
        found.contains(&RunRejection::Step {
            step: 0,
            why: StepFault::Initial
        }),
        "{found:?}"
    );
    // Another configuration (lr shift) and another dataset (split by another seed).
    for (name, edit) in [
        (
            "config",
            Box::new(|a: &mut TaskArgs| a.hyper.lr_shift += 1) as Box<dyn Fn(&mut TaskArgs)>,
        ),
        ("dataset", Box::new(|a: &mut TaskArgs| a.seed = 4)),
    ] {
        let mut a = task_args(&f.dir, &f.spec, 12, 3);
        edit(&mut a);
        let t = dir.join(format!("{name}.json"));
        run::make_task(&a, &t, &mut |_| {}).unwrap();
        let out = dir.join(name);
        run::run_task(&run_args(&t, &out, worker_id(7)), &Quiet).unwrap();
        let mut r = read_run(&out.join("run.json"));
        r.task_id = task.task_id;
        r.model = task.model.clone();
        let found = audit::check_run(&task, &r);
        assert!(
            found
                .iter()
                .any(|e| matches!(e, RunRejection::Step { step: 0, .. })),
            "{name}: {found:?}"
        );
    }
}

#[test]
fn bundles_must_answer_the_challenge_for_this_run() {
    let f = fixture();
    let dir = temp_dir("bundles");
    let task = audit::read_task(&f.task).unwrap();
    let run_file = read_run(&f.run_file());
    let root = run_file.run_root.unwrap();
    let c: Challenge = serde_json::from_slice(&std::fs::read(&f.challenge).unwrap()).unwrap();
    let steps: Vec<u64> = c.challenged.iter().map(|x| x.step).collect();
    let class = spotproof_circuits::Class::by_name(CLASS).unwrap();
    let (pk, keys) = spotproof_prover::prove::load_pk(class, &f.dir.join("keys")).unwrap();
    let prove = |run_dir: &Path, step: u64, beacon: Fr, name: &str| {
        let tr = run::replay(run_dir, step).unwrap();
        let b = spotproof_prover::prove::prove_trace(
            &pk,
            &keys,
            &task.model,
            &tr,
            Beacon::new(beacon).unwrap(),
            BeaconSource::External,
        )
        .unwrap();
        let p = dir.join(name);
        b.write(&p).unwrap();
        p
    };
    let beacon_of = |s: u64| spotproof_core::run::step_beacon(&root, &c.beacon, s);
    // A step that was not challenged, proven under the beacon the derivation would give it.
    let free = (0..12u64).find(|k| !steps.contains(k)).unwrap();
    let unasked = prove(&f.run_dir, free, beacon_of(free), "unasked.json");
    let reasons = audit_of(&f.input(
        &f.run_file(),
        &f.challenge,
        &[f.bundles[0].clone(), f.bundles[1].clone(), unasked],
    ));
    assert!(
        reasons.iter().any(|r| r.contains("was not challenged")),
        "{reasons:?}"
    );
    // A challenged step under another beacon.
    let other = prove(
        &f.run_dir,
        steps[0],
        beacon_of(steps[0] + 100),
        "other-beacon.json",
    );
    let reasons = audit_of(&f.input(&f.run_file(), &f.challenge, &[other, f.bundles[1].clone()]));
    assert!(
        reasons.iter().any(|r| r.contains("not the expected one")),
        "{reasons:?}"
    );
    // The same step of another worker's run of the same task (its trace root differs).
    let theirs = dir.join("theirs");
    run::run_task(&run_args(&f.task, &theirs, worker_id(9)), &Quiet).unwrap();
    let foreign = prove(&theirs, steps[0], beacon_of(steps[0]), "foreign.json");
    let reasons = audit_of(&f.input(
        &f.run_file(),
        &f.challenge,
        &[foreign, f.bundles[1].clone()],
    ));
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("trace root is not the run's")),
        "{reasons:?}"
    );
    // A challenged step without a bundle.
    let reasons = audit_of(&f.input(&f.run_file(), &f.challenge, &f.bundles[..1]));
    assert!(
        reasons
            .iter()
            .any(|r| r.contains(&format!("step {} was challenged", steps[1]))),
        "{reasons:?}"
    );
    // A challenge file edited to pick a step the worker likes better.
    let mut edited = c.clone();
    edited.challenged[0] = spotproof_core::run::ChallengedStep {
        step: free,
        beacon: beacon_of(free),
    };
    edited.challenged.sort_by_key(|x| x.step);
    let ep = dir.join("edited.json");
    std::fs::write(&ep, serde_json::to_vec(&edited).unwrap()).unwrap();
    let unasked = dir.join("unasked.json");
    let reasons = audit_of(&f.input(&f.run_file(), &ep, &[unasked, f.bundles[1].clone()]));
    assert!(
        reasons.iter().any(|r| r.contains("challenge file")),
        "{reasons:?}"
    );
}

#[test]
fn bad_files_are_one_line_errors_and_nothing_written_is_lost() {
    let f = fixture();
    let dir = temp_dir("bad");
    let run = f.run_file();
    let truncate = |p: &Path, name: &str| {
        let bytes = std::fs::read(p).unwrap();
        let q = dir.join(name);
        std::fs::write(&q, &bytes[..bytes.len() / 2]).unwrap();
        q
    };
    let (task_t, run_t, ch_t) = (
        truncate(&f.task, "task.json"),
        truncate(&run, "run.json"),
        truncate(&f.challenge, "ch.json"),
    );
    let audit = |task: &Path, run: &Path, ch: &Path, vk: &Path| {
        let mut a = vec![
            "audit",
            "--task",
            s(task),
            "--run",
            s(run),
            "--challenge",
            s(ch),
            "--vk",
            s(vk),
        ];
        a.extend(f.bundles.iter().map(|p| s(p)));
        validator(&a)
    };
    usage_error(
        &audit(&task_t, &run, &f.challenge, &f.vk),
        "not a task file",
    );
    usage_error(
        &audit(&f.task, &run_t, &f.challenge, &f.vk),
        "not a run file",
    );
    usage_error(&audit(&f.task, &run, &ch_t, &f.vk), "not a challenge file");
    // Foreign files: a bundle as the task, a task as the run.
    usage_error(
        &audit(&f.bundles[0], &run, &f.challenge, &f.vk),
        "task file",
    );
    usage_error(
        &audit(&f.task, &f.task, &f.challenge, &f.vk),
        "not a run file",
    );
    // Another version (1: protocol v1's Poseidon roots).
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&f.task).unwrap()).unwrap();
    v["version"] = 1.into();
    let v1 = dir.join("v1.json");
    std::fs::write(&v1, serde_json::to_vec(&v).unwrap()).unwrap();
    usage_error(&audit(&v1, &run, &f.challenge, &f.vk), "version 1");
    // A challenge of another run.
    let other_dir = dir.join("other");
    run::run_task(&run_args(&f.task, &other_dir, worker_id(8)), &Quiet).unwrap();
    let other_ch = dir.join("other-ch.json");
    challenge(&other_dir.join("run.json"), keccak(b"validator"), &other_ch);
    usage_error(
        &audit(&f.task, &run, &other_ch, &f.vk),
        "a challenge of another run",
    );
    // Keys of another class.
    let k = spotproof_verifier::keys::read_vk(&f.vk).unwrap();
    let big = spotproof_circuits::Class::by_name("mlp2-s64-r128").unwrap();
    let other_vk = dir.join("other.vk");
    std::fs::write(
        &other_vk,
        spotproof_verifier::keys::encode(spotproof_verifier::keys::VK_MAGIC, big, k.key()),
    )
    .unwrap();
    usage_error(
        &audit(&f.task, &run, &f.challenge, &other_vk),
        "another class",
    );
    // A truncated checkpoint: respond refuses it.
    let copy = dir.join("copy");
    std::fs::create_dir_all(copy.join("checkpoints")).unwrap();
    for name in ["task.json", "run.json"] {
        std::fs::copy(f.run_dir.join(name), copy.join(name)).unwrap();
    }
    for c in [0u64, 4, 8, 12] {
        std::fs::copy(
            run::checkpoint_path(&f.run_dir, c),
            run::checkpoint_path(&copy, c),
        )
        .unwrap();
        let p = run::checkpoint_path(&copy, c);
        let b = std::fs::read(&p).unwrap();
        std::fs::write(&p, &b[..b.len() - 3]).unwrap();
    }
    let out = worker(&[
        "respond",
        "--run",
        s(&copy),
        "--challenge",
        s(&f.challenge),
        "--keys",
        s(&f.dir.join("keys")),
        "--out",
        s(&dir.join("b")),
    ]);
    usage_error(&out, "truncated");
    // A failed challenge leaves an existing file as it was; a second run refuses the directory.
    let keep = dir.join("keep.json");
    std::fs::write(&keep, b"precious").unwrap();
    usage_error(
        &validator(&[
            "challenge",
            "--run",
            s(&run_t),
            "--random",
            "--out",
            s(&keep),
        ]),
        "not a run file",
    );
    assert_eq!(std::fs::read(&keep).unwrap(), b"precious");
    let before = std::fs::read(&run).unwrap();
    usage_error(
        &worker(&[
            "run",
            "--task",
            s(&f.task),
            "--out",
            s(&f.run_dir),
            "--device",
            "cpu",
        ]),
        "--resume",
    );
    assert_eq!(std::fs::read(&run).unwrap(), before);
}

#[test]
fn a_killed_run_resumes_to_the_same_roots() {
    let f = fixture();
    let dir = temp_dir("resume");
    let task = dir.join("task.json");
    run::make_task(&task_args(&f.dir, &f.spec, 300, 5), &task, &mut |_| {}).unwrap();
    let whole = dir.join("whole");
    run::run_task(&run_args(&task, &whole, worker_id(7)), &Quiet).unwrap();
    let killed = dir.join("killed");
    let id = worker_id(7).to_string();
    let args = |resume: bool| {
        let mut a = vec![
            "run",
            "--task",
            s(&task),
            "--out",
            s(&killed),
            "--device",
            "cpu",
            "--checkpoint-every",
            "4",
            "--worker",
            &id,
        ];
        if resume {
            a.push("--resume");
        }
        a.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_spotproof-worker"))
        .args(args(false))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it (SIGKILL) once a few checkpoints are down.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !run::checkpoint_path(&killed, 40).exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // Whatever the moment, the run file on disk is whole (written atomically).
    audit::read_run(&killed.join("run.json")).unwrap();
    let resumed = Command::new(env!("CARGO_BIN_EXE_spotproof-worker"))
        .args(args(true))
        .output()
        .unwrap();
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    for name in ["run.json", "model.bin"] {
        assert_eq!(
            std::fs::read(whole.join(name)).unwrap(),
            std::fs::read(killed.join(name)).unwrap(),
            "{name}"
        );
    }
}

/// The README's main command: the run flow on digits (class `mlp2-s64-r128`: its own setup),
/// whose `--json` names every file and says whether the audit verified the run.
#[test]
fn the_demo_is_the_run_flow() {
    let dir = temp_dir("demo");
    let out = worker(&[
        "demo",
        "--out",
        s(&dir),
        "--steps",
        "3",
        "--device",
        "cpu",
        "--json",
    ]);
    let v = json_of(&out);
    assert_eq!(v["verified"], true);
    for key in ["task", "run", "model", "challenge", "vk", "audit"] {
        assert!(Path::new(v[key].as_str().unwrap()).exists(), "{key}");
    }
    assert_eq!(v["bundles"].as_array().unwrap().len(), 2);
    let audit: serde_json::Value =
        serde_json::from_slice(&std::fs::read(v["audit"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(audit["verified"], true);
    assert_eq!(audit["challenged"], v["challenged"]);
}

/// Deeper models go through the same flow: a 3- and a 5-layer model on the tiny dataset, each in
/// its depth's smallest class, are tasked, run, challenged, proven and audited; the run file's
/// dispute check finds them clean.
#[test]
fn deeper_models_run_prove_and_pass_the_audit() {
    for (hidden, class) in [
        (vec![8, 8], "mlp3-s21-r32"),
        (vec![8, 8, 8, 8], "mlp5-s35-r32"),
    ] {
        let dir = temp_dir(class);
        let spec = write_idx(&dir, 120);
        let task = dir.join("task.json");
        let mut a = task_args(&dir, &spec, 4, 3);
        a.hidden = hidden;
        a.class = Some(class.into());
        let t = run::make_task(&a, &task, &mut |_| {}).unwrap();
        assert_eq!(t.class, class);
        let run_dir = dir.join("run");
        run::run_task(&run_args(&task, &run_dir, worker_id(7)), &Quiet).unwrap();
        let run_file = run_dir.join("run.json");
        let ch = dir.join("challenge.json");
        challenge(&run_file, keccak(b"deep"), &ch);
        let r = run::respond(
            &run_dir,
            &ch,
            &dir.join("keys"),
            &dir.join("bundles"),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(r.bundles.len(), 2);
        let vk = dir.join("keys").join(format!("{class}.vk"));
        let input = AuditInput {
            task: &task,
            run: &run_file,
            challenge: &ch,
            vk: &vk,
            bundles: &r.bundles,
        };
        assert!(audit_of(&input).is_empty(), "{class}");
        let out = validator(&["dispute", "--task", s(&task), "--run", s(&run_file)]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
