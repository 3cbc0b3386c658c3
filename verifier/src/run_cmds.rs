//! The validator's run commands: `challenge`, `audit`, `check-model`, `inspect` of task, run
//! and challenge files, the RunRegistry's calls (`calldata --call`) and `dispute`.

use rand::RngCore;
use spotproof_core::ids::BlockHash;
use spotproof_core::run::{ChallengeSource, Word};
use spotproof_verifier::audit::{self, AuditInput};
use spotproof_verifier::cli::Outcome;
use spotproof_verifier::files::write_atomic;
use spotproof_verifier::outln;
use std::path::Path;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The challenge's beacon: a block hash, whole, or 32 bytes from the operating system.
fn beacon_of(block_hash: Option<BlockHash>) -> (ChallengeSource, Word) {
    match block_hash {
        Some(h) => (ChallengeSource::BlockHash, Word(h.0)),
        None => {
            let mut w = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut w);
            (ChallengeSource::Random, Word(w))
        }
    }
}

/// Writes a challenge file atomically and, with `json`, prints it; returns `json`.
fn write_challenge<T: serde::Serialize>(c: &T, out: &Path, json: bool) -> Result<bool> {
    let mut text = serde_json::to_vec_pretty(c)?;
    text.push(b'\n');
    write_atomic(out, &text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    if json {
        outln!("{}", serde_json::to_string(c)?)?;
    }
    Ok(json)
}

/// `challenge`: draws the challenge of a complete run and writes it.
pub fn challenge(
    run: &Path,
    block_hash: Option<BlockHash>,
    out: &Path,
    json: bool,
) -> Result<Outcome> {
    let r = audit::read_run(run)?;
    let (source, beacon) = beacon_of(block_hash);
    let c = audit::challenge_of(run, &r, source, beacon)?;
    if !write_challenge(&c, out, json)? {
        outln!(
            "challenged steps {:?} of {} (run root {}, beacon {}) -> {}",
            c.challenged.iter().map(|s| s.step).collect::<Vec<_>>(),
            c.steps,
            c.run_root,
            c.beacon,
            out.display()
        )?;
    }
    Ok(Outcome::Verified)
}

/// `audit`: exit 0 when the run and every challenged step verify.
pub fn audit(input: &AuditInput<'_>, json: bool) -> Result<Outcome> {
    let start = std::time::Instant::now();
    let report = audit::audit(input, &mut rand::rngs::OsRng)?;
    let seconds = start.elapsed().as_secs_f64();
    let reasons = report.reasons();
    let d = &report.detection;
    if json {
        let v = report.json(seconds);
        outln!("{v}")?;
    } else {
        let verdict = if reasons.is_empty() {
            "verified"
        } else {
            "rejected"
        };
        outln!(
            "run {} of task {}: {verdict} ({} challenged steps {:?}, {:.1} ms)",
            report.run_root,
            report.task_id,
            report.challenged.len(),
            report.challenged,
            seconds * 1e3
        )?;
        outln!("per op of a challenged step: {}", d.per_op.describe())?;
        outln!(
            "a worker who skips one op is caught with probability {:.4} per challenged step, {:.4} over the run if it skips one in every step",
            d.per_step_skipped_op,
            d.every_step_skipped_op
        )?;
        for (f, p) in d.faked_steps {
            outln!(
                "a worker who fakes {:.0}% of the steps entirely is caught with probability {p:.4}",
                f * 100.0
            )?;
        }
    }
    Ok(Outcome::of(reasons))
}

/// `check-model`: exit 0 when the weights file is the run's final state.
pub fn check_model(run: &Path, weights: &Path) -> Result<Outcome> {
    match audit::check_model(run, weights)? {
        None => {
            outln!(
                "{} is the final state of the run {}",
                weights.display(),
                run.display()
            )?;
            Ok(Outcome::Verified)
        }
        Some(why) => Ok(Outcome::Rejected(vec![format!(
            "{}: {why}",
            weights.display()
        )])),
    }
}

/// The kind a JSON file says it is (`format`), if it is a run-layer file.
pub fn kind(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("format")?.as_str().map(str::to_string)
}

/// `inspect` of a task, run or challenge file.
pub fn inspect(path: &Path, kind: &str) -> Result<Outcome> {
    match kind {
        spotproof_core::run::TASK_FORMAT => {
            let t = audit::read_task(path)?;
            outln!("task        {} (version {})", path.display(), t.version)?;
            outln!("task id     {}", t.task_id)?;
            outln!(
                "dataset     {} (split seed {}, root {})",
                t.dataset,
                t.split_seed,
                hex(&t.dataset_root)
            )?;
            outln!(
                "model       widths {:?}, batch {}, {:?}",
                t.model.widths,
                t.model.batch,
                t.model.hyper
            )?;
            outln!("init        {:?}", t.init)?;
            outln!(
                "steps       {} (data seed {}), {} challenged, {} samples each",
                t.steps,
                t.data_seed,
                t.challenge_steps,
                t.samples
            )?;
            outln!("class       {}   vk sha256 {}", t.class, t.vk_hash)?;
        }
        spotproof_core::run::RUN_FORMAT => {
            let r = audit::read_run(path)?;
            outln!("run         {} (version {})", path.display(), r.version)?;
            outln!("task id     {}", r.task_id)?;
            outln!("worker      {}", r.worker)?;
            outln!(
                "steps       {} of {} committed",
                r.steps.len(),
                r.steps_total
            )?;
            match r.run_root {
                Some(root) => {
                    outln!("run root    {root} (as the file states it; audit recomputes it)")?
                }
                None => outln!("run root    none yet: the run is not complete")?,
            }
            for (k, s) in r.steps.iter().enumerate().take(5) {
                outln!("  step {k:>6}  {}", hex(&s.trace_root))?;
            }
            if r.steps.len() > 5 {
                outln!("  … {} more", r.steps.len() - 5)?;
            }
        }
        spotproof_core::run::CHALLENGE_FORMAT => {
            let c = audit::read_challenge(path)?;
            outln!("challenge   {} (version {})", path.display(), c.version)?;
            outln!("task id     {}", c.task_id)?;
            outln!("run root    {} ({} steps)", c.run_root, c.steps)?;
            outln!("beacon      {} ({:?})", c.beacon, c.source)?;
            for s in &c.challenged {
                outln!("  step {:>6}  beacon {}", s.step, hex(&s.beacon))?;
            }
        }
        other => return Err(format!("{}: unknown format {other:?}", path.display()).into()),
    }
    Ok(Outcome::Verified)
}

fn hex(x: &spotproof_core::commit::Fr) -> String {
    spotproof_core::commit::to_hex(x)
}

/// A RunRegistry call `calldata --call` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RunCall {
    /// `register(…)`: the poster's, with the reward as value.
    Register,
    /// `commit(taskId, runRoot, runFileHash)`: the worker's, with the bond as value.
    Commit,
    /// `seal(taskId)`: anyone's, once the beacon block is mined.
    Seal,
    /// `prove(taskId, step, traceRoot, runPath, proof)`, one per bundle.
    Prove,
    /// `withdraw(taskId)`: the worker's, after the dispute window.
    Withdraw,
    /// `slash(taskId)`: anyone's, once the run missed the seal window or the proof deadline.
    Slash,
    /// `cancel(taskId)`: the poster's, while no run holds the task.
    Cancel,
}

/// The files `calldata --call` reads.
pub struct RunCallArgs {
    /// The task file.
    pub task: std::path::PathBuf,
    /// The run file.
    pub run: Option<std::path::PathBuf>,
    /// The challenge file.
    pub challenge: Option<std::path::PathBuf>,
    /// The verifying key.
    pub vk: Option<std::path::PathBuf>,
    /// The bond, in wei.
    pub bond: Option<u128>,
    /// The bundles.
    pub bundles: Vec<std::path::PathBuf>,
}

fn needed<'a, T>(x: &'a Option<T>, flag: &str, call: &str) -> Result<&'a T> {
    x.as_ref()
        .ok_or_else(|| format!("--call {call} needs {flag}").into())
}

/// `calldata --call`: one RunRegistry call per line (or one JSON object).
pub fn run_calldata(call: RunCall, a: &RunCallArgs, json: bool) -> Result<Outcome> {
    use spotproof_verifier::registry;
    let task = audit::read_task(&a.task)?;
    let (function, value, calls): (String, &str, Vec<Vec<u8>>) = match call {
        RunCall::Register => {
            let bond = *needed(&a.bond, "--bond", "register")?;
            audit::check_task_inputs(&task)?;
            (
                "register(uint256,uint256,uint64,uint256[],uint64,uint64,uint64,uint128)".into(),
                "the reward",
                vec![registry::register_calldata(&task, bond)],
            )
        }
        RunCall::Commit => {
            let run = needed(&a.run, "--run", "commit")?;
            let c = registry::commit_of(&task, run)?;
            (
                "commit(bytes32,bytes32,bytes32)".into(),
                "the task's bond",
                vec![c.calldata],
            )
        }
        RunCall::Prove => {
            let run_path = needed(&a.run, "--run", "prove")?;
            let challenge = needed(&a.challenge, "--challenge", "prove")?;
            let vk = needed(&a.vk, "--vk", "prove")?;
            let c = audit::read_challenge(challenge)?;
            if c.source != ChallengeSource::BlockHash {
                return Ok(Outcome::Rejected(vec![format!(
                    "{}: not drawn from a block hash: the registry draws its steps from the sealed beacon block",
                    challenge.display()
                )]));
            }
            let report = audit::audit(
                &AuditInput {
                    task: &a.task,
                    run: run_path,
                    challenge,
                    vk,
                    bundles: &a.bundles,
                },
                &mut rand::rngs::OsRng,
            )?;
            let reasons = report.reasons();
            if !reasons.is_empty() {
                return Ok(Outcome::Rejected(reasons));
            }
            let run = audit::read_run(run_path)?;
            let mut bundles = a
                .bundles
                .iter()
                .map(|p| spotproof_verifier::bundle::Bundle::read(p).map(|b| (p.clone(), b)))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            bundles.sort_by_key(|(_, b)| b.manifest.header.step);
            let mut calls = Vec::new();
            for (p, b) in &bundles {
                let proof = spotproof_verifier::bundle::proof_from_hex(&b.proof)
                    .map_err(|e| format!("{}: {e}", p.display()))?;
                calls.push(registry::prove_calldata(
                    &task.task_id,
                    &run,
                    b.manifest.header.step,
                    &spotproof_verifier::solidity::proof_words(&proof),
                ));
            }
            (
                "prove(bytes32,uint256,uint256,bytes32[],uint256[8])".into(),
                "none",
                calls,
            )
        }
        RunCall::Seal | RunCall::Withdraw | RunCall::Slash | RunCall::Cancel => {
            let name = match call {
                RunCall::Seal => "seal",
                RunCall::Withdraw => "withdraw",
                RunCall::Slash => "slash",
                _ => "cancel",
            };
            (
                format!("{name}(bytes32)"),
                "none",
                vec![registry::task_calldata(name, &task.task_id)],
            )
        }
    };
    let hex0x: Vec<String> = calls
        .iter()
        .map(|c| format!("0x{}", hex::encode(c)))
        .collect();
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "contract": "RunRegistry",
                "task_id": task.task_id,
                "function": function,
                "value": value,
                "calls": hex0x,
            })
        )?;
    } else {
        for c in &hex0x {
            outln!("{c}")?;
        }
    }
    Ok(Outcome::Verified)
}

/// `dispute`: the first fault a fraud proof can show, and its call.
pub fn dispute(task_path: &Path, run_path: &Path, json: bool) -> Result<Outcome> {
    use spotproof_verifier::registry::{DisputeError, find_fraud};
    let task = audit::read_task(task_path)?;
    let run = audit::read_run(run_path)?;
    let class = spotproof_circuits::Class::by_name(&task.class)?;
    let found = match find_fraud(&task, &run, class.layers) {
        Ok(f) => f,
        Err(e @ DisputeError::NotThisTask(_)) => {
            return Err(format!("{}: {e}", run_path.display()).into());
        }
        Err(e) => {
            return Ok(Outcome::Rejected(vec![format!(
                "{}: {e}",
                run_path.display()
            )]));
        }
    };
    let Some(f) = found else {
        if json {
            outln!(
                "{}",
                serde_json::json!({ "clean": true, "task_id": task.task_id })
            )?;
        } else {
            outln!(
                "run of task {}: clean (every header, link, carried state and the initial state match)",
                task.task_id
            )?;
        }
        return Ok(Outcome::Verified);
    };
    let call = format!("0x{}", hex::encode(&f.calldata));
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "clean": false,
                "task_id": task.task_id,
                "step": f.step,
                "fault": f.to_string(),
                "calldata": call,
            })
        )?;
    } else {
        outln!("{call}")?;
    }
    Ok(Outcome::Rejected(vec![format!(
        "{}: {f} (the call on stdout proves it to the RunRegistry)",
        run_path.display()
    )]))
}

/// `challenge --inference`: draws the challenge of an inference file and writes it.
pub fn infer_challenge(
    inference: &Path,
    block_hash: Option<BlockHash>,
    proofs: u64,
    out: &Path,
    json: bool,
) -> Result<Outcome> {
    let (source, beacon) = beacon_of(block_hash);
    let c = spotproof_verifier::infer::challenge_of(inference, source, beacon, proofs)?;
    if !write_challenge(&c, out, json)? {
        outln!(
            "challenge of inference {} ({} proofs, beacon {}) -> {}",
            spotproof_core::commit::to_hex(&c.trace_root),
            c.proofs,
            c.beacon,
            out.display()
        )?;
    }
    Ok(Outcome::Verified)
}

/// `audit --inference`: exit 0 when the inference verifies.
pub fn audit_inference(
    input: &spotproof_verifier::infer::InferAuditInput<'_>,
    json: bool,
) -> Result<Outcome> {
    let start = std::time::Instant::now();
    let report = spotproof_verifier::infer::audit_inference(input, &mut rand::rngs::OsRng)?;
    let seconds = start.elapsed().as_secs_f64();
    if json {
        outln!("{}", report.json(seconds))?;
    } else {
        for line in spotproof_verifier::infer::describe(&report, seconds) {
            outln!("{line}")?;
        }
    }
    Ok(Outcome::of(
        report.rejections.iter().map(ToString::to_string).collect(),
    ))
}

/// `test-root`: prints the root a test set is committed under.
pub fn test_root(task: Option<&Path>, test: Option<&str>) -> Result<Outcome> {
    let data = match (task, test) {
        (Some(t), _) => {
            let task = audit::read_task(t)?;
            let spec: spotproof_core::data::DatasetSpec = task.dataset.parse()?;
            let data = spec.load()?;
            let split = spotproof_core::data::Split::holdout(
                data.len(),
                spotproof_core::data::HOLDOUT_PERCENT,
                task.split_seed,
            );
            data.subset(&split.test)?
        }
        (None, Some(pair)) => match pair.split_once(',') {
            Some((i, l)) => spotproof_core::data::Dataset::from_idx_files(i.as_ref(), l.as_ref())?,
            None => return Err(format!("--test: expected IMAGES,LABELS, got {pair:?}").into()),
        },
        (None, None) => return Err("--task or --test is required".into()),
    };
    let c = spotproof_core::trace::commit_queries(&data)?;
    outln!("{}", spotproof_core::commit::to_hex(&c.root))?;
    Ok(Outcome::Verified)
}
