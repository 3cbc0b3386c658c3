//! `spotproof-validator`: checks workers' claims. Exit codes: 0 verified, 1 rejected, 2 usage or
//! I/O error.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
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
}

fn main() -> ExitCode {
    match Cli::parse().command {
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
