//! `spotproof-validator`: checks workers' claims. Exit codes: 0 verified, 1 rejected, 2 usage or
//! I/O error.

use clap::{Parser, Subcommand};
use spotproof_circuits::Class;
use spotproof_core::ids::{Beacon, BlockHash};
use spotproof_verifier::bundle::{Bundle, proof_from_hex};
use spotproof_verifier::cli::{self, Outcome};
use spotproof_verifier::detection::{BeaconKind, Detection, op_outputs};
use spotproof_verifier::keys;
use spotproof_verifier::outln;
use spotproof_verifier::solidity;
use spotproof_verifier::verify::{BeaconPin, Policy, Report, verify_bundles};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod run_cmds;

use run_cmds::RunCall;

/// The spotproof validator.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Replay the golden vectors through this build's integer reference: exit 0 if every output
    /// is reproduced, 1 if any differs (this build disagrees with the specification).
    CheckVectors {
        /// The vectors directory (one folder per op).
        #[arg(default_value = "vectors")]
        dir: PathBuf,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Verify proof bundles of one run: exit 0 if all verify, 1 if any is rejected or steps are
    /// missing between them (which and why on stderr), 2 on usage or I/O errors. Several
    /// bundles are batch-verified with one multi-pairing; step 0 must start the chain and
    /// consecutive steps must chain. Without --beacon or --block-hash only Fiat-Shamir beacons
    /// are accepted, and the detection printed allows for 2^40 re-rolls of them.
    Verify {
        /// The verifying key (`spotproof-worker setup` writes it).
        #[arg(long)]
        vk: PathBuf,
        /// The beacon you issued (64 hex digits of a number below 2^93): every bundle must have
        /// been proven under it.
        #[arg(long, conflicts_with = "block_hash")]
        beacon: Option<Beacon>,
        /// The hash of the beacon block (0x and 64 hex digits): every bundle must have been
        /// proven under its low 93 bits, as the StepRegistry derives them.
        #[arg(long)]
        block_hash: Option<BlockHash>,
        /// A trace root the worker published before the beacon was drawn (repeat for several):
        /// every bundle's root must be one of them. With --beacon or --block-hash this is what
        /// makes the beacon unpredictable to the worker; without it the detection printed
        /// allows for re-rolled roots.
        #[arg(long = "root", value_name = "HEX")]
        roots: Vec<Root>,
        /// Accept steps missing between the bundles: each gap is still reported, and the chain
        /// across it is not checked.
        #[arg(long)]
        allow_gaps: bool,
        /// The bundles.
        #[arg(required = true)]
        bundles: Vec<PathBuf>,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Print a bundle, task, run or challenge file readably.
    Inspect {
        /// The file.
        bundle: PathBuf,
    },
    /// Draw the challenge of a complete run: which steps the worker must prove, under which step
    /// beacons, from the run root and a beacon the worker could not predict.
    Challenge {
        /// The run file (`RUN/run.json`).
        #[arg(
            long,
            required_unless_present = "inference",
            conflicts_with = "inference"
        )]
        run: Option<PathBuf>,
        /// An inference or evaluation file (`OUT/inference.json`) instead: the beacon chooses
        /// the queries whose forward passes must be proven.
        #[arg(long)]
        inference: Option<PathBuf>,
        /// With --inference: proofs to ask for, each of the class's `g` queries under its own
        /// beacon (more proofs, higher detection).
        #[arg(long, default_value_t = 1, requires = "inference")]
        proofs: u64,
        /// Draw the beacon from this machine's operating system (your own challenge).
        #[arg(
            long,
            required_unless_present = "block_hash",
            conflicts_with = "block_hash"
        )]
        random: bool,
        /// Use the hash of a block mined after the run root was published (0x and 64 hex
        /// digits), whole.
        #[arg(long)]
        block_hash: Option<BlockHash>,
        /// The challenge file to write.
        #[arg(long)]
        out: PathBuf,
        /// Print the challenge as JSON on stdout too.
        #[arg(long)]
        json: bool,
    },
    /// Audit a run against its task and your challenge: every step's manifest against the task
    /// and its predecessor, the run root, each bundle against the challenge and the run, then the
    /// proofs. Exit 0 verified, 1 rejected (which step, why), 2 usage or I/O.
    Audit {
        /// The task file.
        #[arg(
            long,
            required_unless_present = "inference",
            conflicts_with = "inference"
        )]
        task: Option<PathBuf>,
        /// The run file (with --inference: the run the model must be the final state of).
        #[arg(long, required_unless_present = "inference")]
        run: Option<PathBuf>,
        /// Audit an inference or evaluation file instead: the file against its layout and its
        /// published predictions and bits, the bundle against your challenge, the proof; prints
        /// the accuracy (computed here) and the chance the check misses wrong answers.
        #[arg(long)]
        inference: Option<PathBuf>,
        /// With --inference: the test set's root you pinned (`test-root` computes it); the
        /// queries must be that set.
        #[arg(long, value_name = "HEX", requires = "inference")]
        test_root: Option<Root>,
        /// Your challenge file.
        #[arg(long)]
        challenge: PathBuf,
        /// The task's verifying key.
        #[arg(long)]
        vk: PathBuf,
        /// The bundles answering the challenge.
        bundles: Vec<PathBuf>,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Print the root a test set is committed under (pin it, then audit evaluations with
    /// --test-root): the held-out split of a task's dataset, or an IDX pair.
    TestRoot {
        /// The task whose dataset's held-out split is the test set.
        #[arg(long, required_unless_present = "test", conflicts_with = "test")]
        task: Option<PathBuf>,
        /// An IDX pair `IMAGES,LABELS`, every row in order.
        #[arg(long)]
        test: Option<String>,
    },
    /// Say whether a delivered model (a weights file) is a complete run's final state: exit 0 if
    /// it is, 1 if not.
    CheckModel {
        /// The run file.
        #[arg(long)]
        run: PathBuf,
        /// The weights file.
        weights: PathBuf,
    },
    /// Export a bundle for another verifier.
    Export {
        /// Write snarkjs's proof.json, public.json and verification_key.json.
        #[arg(long, required = true)]
        snarkjs: bool,
        /// The bundle.
        bundle: PathBuf,
        /// The verifying key (default: `<class>.vk` beside the bundle or in `../keys/`).
        #[arg(long)]
        vk: Option<PathBuf>,
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Render the Solidity verifier of a verifying key (SpotproofVerifier.sol), the step registry
    /// (StepRegistry.sol) and the run registry (RunRegistry.sol) that extend it, and the Poseidon2
    /// contract the run registry's fraud proofs call (Poseidon2T3.sol). The output depends on the
    /// key only.
    ExportSolidity {
        /// The verifying key.
        #[arg(long)]
        vk: PathBuf,
        /// Output directory (created if missing; every file is replaced atomically).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the ABI-encoded `prove(root, proof)` call of a bundle for the step registry, after
    /// checking the bundle off chain: its proof verifies, its beacon came from outside (a block
    /// hash) and its worker id is an address. Exit 1 if the registry would refuse it.
    Calldata {
        /// The bundle (StepRegistry); with `--call prove`, the bundles answering the run's
        /// challenge.
        bundles: Vec<PathBuf>,
        /// The verifying key (default: `<class>.vk` beside the bundle or in `../keys/`).
        #[arg(long)]
        vk: Option<PathBuf>,
        /// Print one JSON object: sender, trace root, beacon, and both calls (`commit(root)`, for
        /// reference, must already have been sent before the beacon block); with `--call`, the
        /// contract, the function and the calls.
        #[arg(long)]
        json: bool,
        /// A RunRegistry call instead: `register` (--task, --bond), `commit` (--task, --run),
        /// `seal`, `withdraw`, `slash`, `cancel` (--task), `prove` (--task, --run, --challenge,
        /// --vk and the bundles: the run is audited first, and the challenge must come from the
        /// sealed block hash).
        #[arg(long, value_enum, requires = "task")]
        call: Option<RunCall>,
        /// The task file (with --call).
        #[arg(long)]
        task: Option<PathBuf>,
        /// The run file (with --call commit or prove).
        #[arg(long)]
        run: Option<PathBuf>,
        /// The challenge file (with --call prove; `challenge --block-hash` or `spotproof-worker
        /// respond --block-hash` writes it).
        #[arg(long)]
        challenge: Option<PathBuf>,
        /// The bond a run must post, in wei (with --call register).
        #[arg(long)]
        bond: Option<u128>,
    },
    /// Look for what a RunRegistry fraud proof can show in a run file — a header that is not the
    /// task's (architecture, dataset root, data seed, worker, step index, step 0's previous
    /// root), a previous root that is not the previous step's trace root, a state tensor that is
    /// not the one the previous step put out, another initial state — and print the first one's
    /// fraud-proof call: exit 1 with the call on stdout and the fault on stderr, 0 if the run is
    /// clean of all of them.
    Dispute {
        /// The task file.
        #[arg(long)]
        task: PathBuf,
        /// The run file.
        #[arg(long)]
        run: PathBuf,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
}

/// A trace root on the command line: 64 hex digits of a field element.
#[derive(Clone, Copy, Debug)]
struct Root(spotproof_core::commit::Fr);

impl std::str::FromStr for Root {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        spotproof_core::commit::from_hex(s)
            .map(Root)
            .ok_or_else(|| format!("{s:?} is not 64 hex digits of a field element"))
    }
}

/// What a handler returns: an outcome, or a usage or I/O error (exit 2).
type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let cli: Cli = match cli::parse() {
        Ok(c) => c,
        Err(code) => return code,
    };
    cli::exit(match cli.command {
        Command::Verify {
            vk,
            beacon,
            block_hash,
            roots,
            allow_gaps,
            bundles,
            json,
        } => {
            let beacon = match (beacon, block_hash) {
                (Some(b), _) => BeaconPin::Given(b),
                (None, Some(h)) => BeaconPin::Given(h.beacon()),
                (None, None) => BeaconPin::FiatShamir,
            };
            let policy = Policy {
                beacon,
                roots: (!roots.is_empty()).then(|| roots.iter().map(|r| r.0).collect()),
                allow_gaps,
            };
            verify(&vk, &policy, &bundles, json)
        }
        Command::Inspect { bundle } => match run_cmds::kind(&bundle) {
            Some(kind) => run_cmds::inspect(&bundle, &kind),
            None => inspect(&bundle),
        },
        Command::Challenge {
            run,
            inference,
            proofs,
            block_hash,
            out,
            json,
            ..
        } => match (run, inference) {
            (Some(run), _) => run_cmds::challenge(&run, block_hash, &out, json),
            (None, Some(inf)) => run_cmds::infer_challenge(&inf, block_hash, proofs, &out, json),
            (None, None) => Err("--run or --inference is required".into()),
        },
        Command::Audit {
            inference: Some(inference),
            run,
            test_root,
            challenge,
            vk,
            bundles,
            json,
            ..
        } => run_cmds::audit_inference(
            &spotproof_verifier::infer::InferAuditInput {
                inference: &inference,
                challenge: &challenge,
                vk: &vk,
                bundles: &bundles,
                run: run.as_deref(),
                test_root: test_root.map(|r| r.0),
            },
            json,
        ),
        Command::Audit {
            task: Some(task),
            run: Some(run),
            challenge,
            vk,
            bundles,
            json,
            ..
        } => run_cmds::audit(
            &spotproof_verifier::audit::AuditInput {
                task: &task,
                run: &run,
                challenge: &challenge,
                vk: &vk,
                bundles: &bundles,
            },
            json,
        ),
        Command::Audit { .. } => Err("--task and --run (or --inference) are required".into()),
        Command::TestRoot { task, test } => run_cmds::test_root(task.as_deref(), test.as_deref()),
        Command::CheckModel { run, weights } => run_cmds::check_model(&run, &weights),
        Command::Export {
            bundle, vk, out, ..
        } => export(&bundle, vk.as_deref(), &out),
        Command::ExportSolidity { vk, out } => export_solidity(&vk, &out),
        Command::Calldata {
            bundles,
            vk,
            json,
            call: Some(call),
            task,
            run,
            challenge,
            bond,
        } => run_cmds::run_calldata(
            call,
            &run_cmds::RunCallArgs {
                task: task.unwrap_or_default(),
                run,
                challenge,
                vk,
                bond,
                bundles,
            },
            json,
        ),
        Command::Calldata {
            bundles, vk, json, ..
        } => match bundles.as_slice() {
            [bundle] => calldata(bundle, vk.as_deref(), json),
            _ => Err("give one bundle (or --call prove with the run's bundles)".into()),
        },
        Command::Dispute { task, run, json } => run_cmds::dispute(&task, &run, json),
        Command::CheckVectors { dir, json } => check_vectors(&dir, json),
    })
}

fn load_bundles(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Bundle)>> {
    Ok(paths
        .iter()
        .map(|p| Bundle::read(p).map(|b| (p.clone(), b)))
        .collect::<std::result::Result<_, _>>()?)
}

fn verify(vk: &Path, policy: &Policy, paths: &[PathBuf], json: bool) -> Result<Outcome> {
    let vk = keys::read_vk(vk)?;
    let bundles = load_bundles(paths)?;
    let start = std::time::Instant::now();
    let report = verify_bundles(&vk, &bundles, policy, &mut rand::rngs::OsRng)?;
    let seconds = start.elapsed().as_secs_f64();
    let outcome = Outcome::of(report.reasons());
    if json {
        outln!("{}", verify_json(&vk, &report, &outcome, seconds))?;
    } else {
        outln!(
            "{} of {} bundles verified (class {}, {:.1} ms)",
            report.verdicts.len() - report.rejected(),
            report.verdicts.len(),
            vk.class.name,
            seconds * 1e3
        )?;
        if let Some(d) = &report.detection {
            outln!("{}", d.describe())?;
        }
        let (macs, outputs) = report
            .verdicts
            .iter()
            .filter(|v| v.result.is_ok())
            .fold((0, 0), |(m, o), v| {
                (m + v.checked.macs, o + v.checked.outputs)
            });
        outln!(
            "the verified proofs recomputed {macs} multiply-accumulates and {outputs} element-wise outputs"
        )?;
    }
    // What was not checked, said plainly even when it is accepted.
    if let Some(s) = report.unanchored {
        cli::errln(format_args!(
            "note: the chain is checked from step {s} on: its previous root is not checked (step {} not given)",
            s - 1
        ));
    }
    if report.allow_gaps {
        for g in &report.gaps {
            cli::errln(format_args!("warning: gap allowed (--allow-gaps): {g}"));
        }
    }
    Ok(outcome)
}

fn verify_json(
    vk: &keys::Vk,
    report: &Report,
    outcome: &Outcome,
    seconds: f64,
) -> serde_json::Value {
    let items: Vec<_> = report
        .verdicts
        .iter()
        .map(|v| {
            serde_json::json!({
                "bundle": v.path.display().to_string(),
                "step": v.step,
                "trace_root": v.trace_root,
                "verified": v.result.is_ok(),
                "reason": v.result.as_ref().err().map(|r| r.to_string()),
                "checked": v.checked,
            })
        })
        .collect();
    let gaps: Vec<_> = report
        .gaps
        .iter()
        .map(|g| serde_json::json!({ "after": g.after, "before": g.before }))
        .collect();
    serde_json::json!({
        "class": vk.class.name,
        "vk_hash": vk.hash,
        "outcome": if *outcome == Outcome::Verified { "verified" } else { "rejected" },
        "bundles": items,
        "verified": report.verdicts.len() - report.rejected(),
        "rejected": report.rejected(),
        "gaps": gaps,
        "allow_gaps": report.allow_gaps,
        "chain_checked_from": report.verdicts.iter().map(|v| v.step).min(),
        "detection": report.detection,
        "seconds": seconds,
    })
}

fn inspect(path: &Path) -> Result<Outcome> {
    let b = Bundle::read(path)?;
    let h = &b.manifest.header;
    let hex = spotproof_core::commit::to_hex;
    outln!("bundle      {} (schema {})", path.display(), b.schema)?;
    outln!("class       {}   vk sha256 {}", b.class, b.vk_hash)?;
    outln!(
        "model       widths {:?}, batch {}",
        b.model.widths,
        b.model.batch
    )?;
    outln!("step        {}   data seed {}", h.step, h.data_seed)?;
    outln!("trace root  {}", hex(&b.trace_root))?;
    outln!("prev root   {}", hex(&h.prev_root))?;
    outln!("dataset     {}", hex(&h.dataset_root))?;
    outln!("arch id     {}", hex(&h.arch_id))?;
    outln!("worker      {}", hex(&b.worker))?;
    outln!(
        "beacon      {} (labelled {:?} by the worker; verify decides what pins it)",
        hex(&b.beacon),
        b.beacon_source
    )?;
    // Figures from the class catalogue and the op table, never from the file.
    match Class::by_name(&b.class) {
        Ok(class) => {
            // The class's op count, not the file's.
            let ops = spotproof_circuits::step::template(class.layers).ops.len();
            outln!(
                "samples     {} (class {}), over {ops} ops",
                class.samples,
                class.name
            )?;
            for kind in [BeaconKind::Pinned, BeaconKind::FiatShamir] {
                let d = Detection::of(
                    &class.sampling(),
                    &op_outputs(&b.manifest.ops, &b.manifest.shapes()),
                    kind,
                );
                outln!("            if it verifies: {}", d.describe())?;
            }
            let w = b.manifest.work(
                &b.manifest
                    .samples(b.trace_root, b.beacon, &class.sampling()),
            );
            outln!(
                "checks      {} multiply-accumulates and {} element-wise outputs (from the manifest and the beacon)",
                w.macs,
                w.outputs
            )?;
        }
        Err(e) => outln!("samples     unknown: {e}")?,
    }
    outln!("tensors")?;
    for (k, t) in b.manifest.tensors.iter().enumerate() {
        outln!(
            "  {k:>3} {:<14} {:>4} {:>6} x {:<6} {}",
            format!("{:?}", t.role),
            t.dtype.name(),
            t.rows,
            t.cols,
            hex(&t.merkle_root)
        )?;
    }
    outln!("ops")?;
    for (k, o) in b.manifest.ops.iter().enumerate() {
        outln!(
            "  {k:>3} {:<20} params {:?} in {:?} out {:?}",
            format!("{:?}", o.kind),
            o.params,
            o.inputs,
            o.outputs
        )?;
    }
    let proof = match proof_from_hex(&b.proof) {
        Ok(_) => "256 bytes, valid points".to_string(),
        Err(e) => e.to_string(),
    };
    outln!("proof       {proof}")?;
    Ok(Outcome::Verified)
}

fn export(bundle: &Path, vk: Option<&Path>, out: &Path) -> Result<Outcome> {
    let b = Bundle::read(bundle)?;
    let vk = keys::for_bundle(bundle, &b, vk)?;
    let p = &b;
    let proof = proof_from_hex(&b.proof).map_err(|e| format!("{}: {e}", bundle.display()))?;
    let Some(challenge) = spotproof_core::sampling::challenge(p.beacon, p.worker) else {
        return Err(format!(
            "{}: the beacon is not below 2^93 or the worker id not below 2^160",
            bundle.display()
        )
        .into());
    };
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    spotproof_verifier::snarkjs::write_dir(out, vk.key(), &proof, &[p.trace_root, challenge])
        .map_err(|e| format!("cannot write to {}: {e}", out.display()))?;
    outln!(
        "wrote proof.json, public.json, verification_key.json to {}",
        out.display()
    )?;
    Ok(Outcome::Verified)
}

fn export_solidity(vk: &Path, out: &Path) -> Result<Outcome> {
    let vk = keys::read_vk(vk)?;
    let paths = solidity::write_contracts(out, &vk)
        .map_err(|e| format!("cannot write to {}: {e}", out.display()))?;
    for p in paths {
        outln!("{}", p.display())?;
    }
    cli::errln(format_args!(
        "class {}, vk sha256 {}; deploy StepRegistry(beaconDelay) for single steps, or Poseidon2T3 and RunRegistry(poseidon2, beaconDelay, proveWindow, disputeWindow) for runs (each includes the verifier)",
        vk.class.name, vk.hash
    ));
    Ok(Outcome::Verified)
}

fn calldata(bundle: &Path, vk: Option<&Path>, json: bool) -> Result<Outcome> {
    let b = Bundle::read(bundle)?;
    let vk = keys::for_bundle(bundle, &b, vk)?;
    let calls = match solidity::registry_calls(bundle, &b, &vk)? {
        Ok(c) => c,
        Err(r) => {
            return Ok(Outcome::Rejected(vec![format!(
                "{}: the registry would refuse it: {r}",
                bundle.display()
            )]));
        }
    };
    let hex0x = |bytes: &[u8]| format!("0x{}", hex::encode(bytes));
    if json {
        outln!(
            "{}",
            serde_json::json!({
                "contract": "StepRegistry",
                "sender": hex0x(&calls.worker),
                "trace_root": hex0x(&solidity::word(&calls.root)),
                "beacon": hex0x(&solidity::word(&calls.beacon)),
                "commit": hex0x(&calls.commit),
                "prove": hex0x(&calls.prove),
            })
        )?;
    } else {
        outln!("{}", hex0x(&calls.prove))?;
    }
    Ok(Outcome::Verified)
}

fn check_vectors(dir: &Path, json: bool) -> Result<Outcome> {
    let checks = spotproof_verifier::check_vectors(dir)?;
    let bad: Vec<String> = checks
        .iter()
        .filter_map(|c| {
            c.mismatch
                .as_ref()
                .map(|m| format!("{}: {m}", c.path.display()))
        })
        .collect();
    if json {
        let rejected: Vec<String> = checks
            .iter()
            .filter(|c| c.mismatch.is_some())
            .map(|c| c.path.display().to_string())
            .collect();
        outln!(
            "{}",
            serde_json::json!({ "checked": checks.len(), "rejected": rejected })
        )?;
    } else {
        outln!("{} vectors checked, {} rejected", checks.len(), bad.len())?;
    }
    Ok(Outcome::of(bad))
}
