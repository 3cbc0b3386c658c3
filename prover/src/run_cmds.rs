//! The worker's run commands: `task`, `run`, `commit-run`, `respond`.

use spotproof_prover::progress::RunBar;
use spotproof_prover::run::{self, RunArgs, TaskArgs};
use spotproof_verifier::cli::{self, Outcome};
use spotproof_verifier::outln;
use std::path::Path;

type Handled = Result<Outcome, Box<dyn std::error::Error>>;

/// `task`: writes the task file.
pub fn task(a: &TaskArgs, out: &Path, json: bool) -> Handled {
    let t = run::make_task(a, out, &mut |l| cli::errln(format_args!("{l}")))?;
    if json {
        outln!("{}", serde_json::to_string(&t)?)?;
    } else {
        outln!(
            "task {} ({} steps, {} challenged, class {}) -> {}",
            t.task_id,
            t.steps,
            t.challenge_steps,
            t.class,
            out.display()
        )?;
    }
    Ok(Outcome::Verified)
}

/// `run`: trains and commits every step of a task.
pub fn run(a: &RunArgs, json: bool) -> Handled {
    let bar = RunBar::new();
    let report = run::run_task(a, &bar);
    bar.finish();
    let r = report?;
    cli::errln(format_args!(
        "{} steps ({} computed now) on {} in {:.1} s: compute {:.1} s, commitment {:.1} s, overlapped",
        r.steps, r.computed, r.device, r.seconds, r.compute_seconds, r.commit_seconds
    ));
    if json {
        outln!("{}", serde_json::to_string(&r)?)?;
    } else {
        outln!(
            "run root {}  {}  {}",
            r.run_root,
            r.run.display(),
            r.model.display()
        )?;
    }
    Ok(Outcome::Verified)
}

/// `respond`: proves the challenged steps.
pub fn respond(run_dir: &Path, challenge: &Path, keys: &Path, out: &Path, json: bool) -> Handled {
    let r = run::respond(run_dir, challenge, keys, out, &mut |l| {
        cli::errln(format_args!("{l}"))
    })?;
    if json {
        outln!("{}", serde_json::to_string(&r)?)?;
    } else {
        for p in &r.bundles {
            outln!("{}", p.display())?;
        }
    }
    cli::errln(format_args!(
        "{} steps proven; peak memory {:.0} MiB",
        r.bundles.len(),
        r.peak_bytes as f64 / (1u64 << 20) as f64
    ));
    Ok(Outcome::Verified)
}

/// `commit-run`: prints the registry's `commit` call for a complete run.
pub fn commit_run(run_dir: &Path, json: bool) -> Handled {
    let task = run::read_task(&run_dir.join("task.json"))?;
    let c = spotproof_verifier::registry::commit_of(&task, &run_dir.join("run.json"))?;
    let calldata = format!("0x{}", hex::encode(&c.calldata));
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "contract": "RunRegistry",
                "function": "commit(bytes32,bytes32,bytes32)",
                "task_id": c.task_id,
                "run_root": c.run_root,
                "run_file_hash": c.run_file_hash,
                "calldata": calldata,
            })
        )?;
    } else {
        outln!("{calldata}")?;
    }
    cli::errln(format_args!(
        "send it from the run's worker address with the task's bond as value; the beacon is the hash of the block BEACON_DELAY after it"
    ));
    Ok(Outcome::Verified)
}
