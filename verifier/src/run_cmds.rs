//! The validator's run commands: `challenge`, `audit`, `check-model`, and `inspect` of task, run
//! and challenge files.

use rand::RngCore;
use spotproof_core::ids::BlockHash;
use spotproof_core::run::{ChallengeSource, Word};
use spotproof_verifier::audit::{self, AuditInput};
use spotproof_verifier::cli::Outcome;
use spotproof_verifier::files::write_atomic;
use spotproof_verifier::outln;
use std::path::Path;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// `challenge`: draws the challenge of a complete run and writes it.
pub fn challenge(
    run: &Path,
    block_hash: Option<BlockHash>,
    out: &Path,
    json: bool,
) -> Result<Outcome> {
    let r = audit::read_run(run)?;
    let (source, beacon) = match block_hash {
        Some(h) => (ChallengeSource::BlockHash, Word(h.0)),
        None => {
            let mut w = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut w);
            (ChallengeSource::Random, Word(w))
        }
    };
    let c = audit::challenge_of(run, &r, source, beacon)?;
    let mut text = serde_json::to_vec_pretty(&c)?;
    text.push(b'\n');
    write_atomic(out, &text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    if json {
        outln!("{}", serde_json::to_string(&c)?)?;
    } else {
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
