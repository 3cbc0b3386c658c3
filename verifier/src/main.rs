//! `spotproof-validator`: checks workers' claims. Exit codes: 0 verified, 1 rejected, 2 usage or
//! I/O error.

use clap::{Parser, Subcommand};
use spotproof_verifier::bundle::{Bundle, proof_from_hex};
use spotproof_verifier::keys::{self, Vk};
use spotproof_verifier::solidity;
use spotproof_verifier::verify::{Policy, verify_bundles};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
    /// Verify proof bundles: exit 0 if all verify, 1 if any is rejected (which and why on
    /// stderr), 2 on usage or I/O errors. Several bundles are batch-verified with one
    /// multi-pairing, and consecutive steps must chain.
    Verify {
        /// The verifying key (`spotproof-worker setup` writes it).
        #[arg(long)]
        vk: PathBuf,
        /// Require this beacon (64 hex digits) in every bundle.
        #[arg(long)]
        beacon: Option<String>,
        /// The bundles.
        #[arg(required = true)]
        bundles: Vec<PathBuf>,
        /// Print one JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Print a bundle readably.
    Inspect {
        /// The bundle.
        bundle: PathBuf,
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
    /// Render the Solidity verifier of a verifying key (SpotproofVerifier.sol) and the step
    /// registry that extends it (StepRegistry.sol). The output depends on the key only.
    ExportSolidity {
        /// The verifying key.
        #[arg(long)]
        vk: PathBuf,
        /// Output directory (created if missing; both files are replaced atomically).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the ABI-encoded `prove(root, proof)` call of a bundle for the step registry, after
    /// checking the bundle off chain: its proof verifies, its beacon came from outside (a block
    /// hash) and its worker id is an address.
    Calldata {
        /// The bundle.
        bundle: PathBuf,
        /// The verifying key (default: `<class>.vk` beside the bundle or in `../keys/`).
        #[arg(long)]
        vk: Option<PathBuf>,
        /// Print one JSON object: sender, trace root, beacon, and both calls (`commit(root)`, for
        /// reference, must already have been sent before the beacon block).
        #[arg(long)]
        json: bool,
    },
}

/// A usage or I/O error: one line, exit 2.
fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}

fn load_bundles(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Bundle)>, String> {
    paths
        .iter()
        .map(|p| {
            Bundle::read(p)
                .map(|b| (p.clone(), b))
                .map_err(|e| e.to_string())
        })
        .collect()
}

fn verify(vk: &Path, beacon: Option<String>, paths: &[PathBuf], json: bool) -> ExitCode {
    let vk = match keys::read_vk(vk) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let beacon = match beacon.map(|b| spotproof_core::commit::from_hex(&b).ok_or(b)) {
        None => None,
        Some(Ok(x)) => Some(x),
        Some(Err(b)) => {
            return fail(format!(
                "--beacon {b:?} is not 64 hex digits of a field element"
            ));
        }
    };
    let bundles = match load_bundles(paths) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let start = std::time::Instant::now();
    let verdicts = match verify_bundles(&vk, &bundles, &Policy { beacon }, &mut rand::rngs::OsRng) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let seconds = start.elapsed().as_secs_f64();
    let rejected: Vec<_> = verdicts.iter().filter(|v| v.result.is_err()).collect();
    for v in &rejected {
        if let Err(r) = &v.result {
            eprintln!("rejected: {} (step {}): {r}", v.path.display(), v.step);
        }
    }
    if json {
        let items: Vec<_> = verdicts
            .iter()
            .map(|v| {
                serde_json::json!({
                    "bundle": v.path.display().to_string(),
                    "step": v.step,
                    "trace_root": v.trace_root,
                    "verified": v.result.is_ok(),
                    "reason": v.result.as_ref().err().map(|r| r.to_string()),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "class": vk.class.name,
                "vk_hash": vk.hash,
                "bundles": items,
                "verified": verdicts.len() - rejected.len(),
                "rejected": rejected.len(),
                "seconds": seconds,
            })
        );
    } else {
        println!(
            "{} of {} bundles verified (class {}, {:.1} ms)",
            verdicts.len() - rejected.len(),
            verdicts.len(),
            vk.class.name,
            seconds * 1e3
        );
    }
    if rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn inspect(path: &Path) -> ExitCode {
    let b = match Bundle::read(path) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let h = &b.header;
    println!("bundle      {} (schema {})", path.display(), b.schema);
    println!("class       {}   vk sha256 {}", b.class, b.vk_hash);
    println!(
        "model       widths {:?}, batch {}",
        b.model.widths, b.model.batch
    );
    println!("step        {}   data seed {}", h.step, h.data_seed);
    println!("trace root  {}", b.trace_root);
    println!("prev root   {}", h.prev_root);
    println!("dataset     {}", h.dataset_root);
    println!("arch id     {}", h.arch_id);
    println!("worker      {}", b.worker);
    println!("beacon      {} ({:?})", b.beacon, b.beacon_source);
    let d = &b.detection;
    println!(
        "samples     {} ({} or more per op); detection per op: skipped {:.6}, half wrong {:.4}, 10% wrong {:.4}, 1% wrong {:.4}",
        b.samples,
        d.min_samples_per_op,
        d.op_skipped,
        d.half_wrong,
        d.tenth_wrong,
        d.hundredth_wrong
    );
    println!("tensors");
    for (k, t) in b.tensors.iter().enumerate() {
        println!(
            "  {k:>3} {:<14} {:>4} {:>6} x {:<6} {}",
            format!("{:?}", t.role),
            t.dtype.name(),
            t.rows,
            t.cols,
            t.merkle_root
        );
    }
    println!("ops");
    for (k, o) in b.ops.iter().enumerate() {
        println!(
            "  {k:>3} {:<20} params {:?} in {:?} out {:?}",
            format!("{:?}", o.kind),
            o.params,
            o.inputs,
            o.outputs
        );
    }
    let proof = match proof_from_hex(&b.proof) {
        Ok(_) => "256 bytes, valid points".to_string(),
        Err(e) => e,
    };
    println!("proof       {proof}");
    ExitCode::SUCCESS
}

/// The verifying key of a bundle's class beside it or in `../keys/`.
fn default_vk(bundle: &Path, class: &str) -> PathBuf {
    let dir = bundle.parent().unwrap_or(Path::new("."));
    let name = format!("{class}.vk");
    let here = dir.join(&name);
    if here.exists() {
        here
    } else {
        dir.join("..").join("keys").join(name)
    }
}

/// A bundle and the verifying key it was proven under (`--vk` or the default place).
fn bundle_and_key(bundle: &Path, vk: Option<PathBuf>) -> Result<(Bundle, Vk), String> {
    let b = Bundle::read(bundle).map_err(|e| e.to_string())?;
    let vk_path = vk.unwrap_or_else(|| default_vk(bundle, &b.class));
    let vk: Vk = keys::read_vk(&vk_path).map_err(|e| e.to_string())?;
    if vk.class.name != b.class || vk.hash != b.vk_hash {
        return Err(format!(
            "{}: the bundle was proven under {} key {}, {} is {} key {}",
            bundle.display(),
            b.class,
            b.vk_hash,
            vk_path.display(),
            vk.class.name,
            vk.hash
        ));
    }
    Ok((b, vk))
}

fn export(bundle: &Path, vk: Option<PathBuf>, out: &Path) -> ExitCode {
    let (b, vk) = match bundle_and_key(bundle, vk) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let p = match b.parse(bundle) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let proof = match proof_from_hex(&b.proof) {
        Ok(p) => p,
        Err(e) => return fail(format!("{}: {e}", bundle.display())),
    };
    if let Err(e) = std::fs::create_dir_all(out) {
        return fail(format!("cannot create {}: {e}", out.display()));
    }
    let Some(challenge) = spotproof_core::trace::challenge(p.beacon, p.worker) else {
        return fail(format!(
            "{}: the beacon is not below 2^93 or the worker id not below 2^160",
            bundle.display()
        ));
    };
    match spotproof_verifier::snarkjs::write_dir(out, &vk.key, &proof, &[p.root, challenge]) {
        Ok(()) => {
            println!(
                "wrote proof.json, public.json, verification_key.json to {}",
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("cannot write to {}: {e}", out.display())),
    }
}

fn export_solidity(vk: &Path, out: &Path) -> ExitCode {
    let vk = match keys::read_vk(vk) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    match solidity::write_contracts(out, &vk) {
        Ok(paths) => {
            for p in paths {
                println!("{}", p.display());
            }
            eprintln!(
                "class {}, vk sha256 {}; deploy StepRegistry(beaconDelay) (it includes the verifier)",
                vk.class.name, vk.hash
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("cannot write to {}: {e}", out.display())),
    }
}

fn calldata(bundle: &Path, vk: Option<PathBuf>, json: bool) -> ExitCode {
    let calls = match bundle_and_key(bundle, vk)
        .and_then(|(b, vk)| solidity::registry_calls(bundle, &b, &vk))
    {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let hex0x = |bytes: &[u8]| format!("0x{}", hex::encode(bytes));
    if json {
        println!(
            "{}",
            serde_json::json!({
                "contract": "StepRegistry",
                "sender": hex0x(&calls.worker),
                "trace_root": hex0x(&solidity::word(&calls.root)),
                "beacon": hex0x(&solidity::word(&calls.beacon)),
                "commit": hex0x(&calls.commit),
                "prove": hex0x(&calls.prove),
            })
        );
    } else {
        println!("{}", hex0x(&calls.prove));
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Verify {
            vk,
            beacon,
            bundles,
            json,
        } => verify(&vk, beacon, &bundles, json),
        Command::Inspect { bundle } => inspect(&bundle),
        Command::Export {
            bundle, vk, out, ..
        } => export(&bundle, vk, &out),
        Command::ExportSolidity { vk, out } => export_solidity(&vk, &out),
        Command::Calldata { bundle, vk, json } => calldata(&bundle, vk, json),
        Command::CheckVectors { dir, json } => match spotproof_verifier::check_vectors(&dir) {
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
            Ok(checks) => {
                let bad: Vec<_> = checks.iter().filter(|c| c.mismatch.is_some()).collect();
                for c in &bad {
                    eprintln!(
                        "rejected: {}: {}",
                        c.path.display(),
                        c.mismatch.as_deref().unwrap_or_default()
                    );
                }
                if json {
                    let rejected: Vec<String> =
                        bad.iter().map(|c| c.path.display().to_string()).collect();
                    println!(
                        "{}",
                        serde_json::json!({ "checked": checks.len(), "rejected": rejected })
                    );
                } else {
                    println!("{} vectors checked, {} rejected", checks.len(), bad.len());
                }
                if bad.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            }
        },
    }
}
