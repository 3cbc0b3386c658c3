//! The worker's run commands: `task`, `run`, `commit-run`, `respond`, `infer` and `evaluate`.

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

/// `infer` and `evaluate`: commits the queries' forward passes and prints the trace root.
pub fn infer(
    model: spotproof_prover::infer::ModelSource,
    queries: spotproof_prover::infer::Queries,
    c: crate::InferCommon,
) -> Handled {
    let a = spotproof_prover::infer::InferArgs {
        model,
        queries,
        out: c.out,
        worker: c.worker.unwrap_or_else(spotproof_prover::demo::demo_worker),
        device: c.device,
        class: c.class,
    };
    let r = spotproof_prover::infer::infer(&a, &mut |l| cli::errln(format_args!("{l}")))?;
    if c.json {
        outln!("{}", serde_json::to_string(&r)?)?;
    } else {
        outln!("trace root {}  {}", r.trace_root, r.inference.display())?;
        cli::errln(format_args!(
            "{} queries on {} ({:.1} ms), committed in {:.1} ms, class {}{}; predictions in {}",
            r.queries,
            r.device,
            r.compute_seconds * 1e3,
            r.commit_seconds * 1e3,
            r.class,
            r.accuracy
                .map(|a| format!(", claimed accuracy {a:.4} on queries {}", r.queries_root))
                .unwrap_or_default(),
            r.predictions.display()
        ));
    }
    Ok(Outcome::Verified)
}

/// `respond` in an inference directory: proves the challenged queries.
pub fn respond_inference(
    dir: &Path,
    challenge: &Path,
    keys: &Path,
    out: &Path,
    json: bool,
) -> Handled {
    let r = spotproof_prover::infer::respond(dir, challenge, keys, out)?;
    if json {
        outln!("{}", serde_json::to_string(&r)?)?;
    } else {
        for b in &r.bundles {
            outln!("{}", b.display())?;
        }
    }
    cli::errln(format_args!(
        "queries {:?} proven whole in {:.1} s; peak memory {:.0} MiB",
        r.checked,
        r.prove_seconds.iter().sum::<f64>(),
        r.peak_bytes as f64 / (1u64 << 20) as f64
    ));
    Ok(Outcome::Verified)
}
