//! The edge both binaries share: one exit policy, output that survives a closed pipe, and usage
//! errors on one line.
//!
//! Every handler returns `Result<Outcome, E>`; [`exit`] is the one place that maps it: 0
//! verified (or done), 1 rejected (each reason on stderr), 2 a usage or I/O error (one line).
//! Results go to stdout through [`outln!`](crate::outln), which treats a reader that went away
//! (`| head`) as normal: the rest of the output is dropped and the exit code still says what was
//! found.

use std::fmt::Display;
use std::io::{self, Write};
use std::process::ExitCode;

/// What a command found, when it could do its job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Everything checked out (or the command did what it was asked): exit 0.
    Verified,
    /// Something was refused: exit 1, one stderr line per reason.
    Rejected(Vec<String>),
}

impl Outcome {
    /// `Verified` when `reasons` is empty, else `Rejected(reasons)`.
    pub fn of(reasons: Vec<String>) -> Self {
        if reasons.is_empty() {
            Self::Verified
        } else {
            Self::Rejected(reasons)
        }
    }
}

/// Exit 0 for a verified outcome.
pub const EXIT_VERIFIED: u8 = 0;
/// Exit 1 for a rejection.
pub const EXIT_REJECTED: u8 = 1;
/// Exit 2 for a usage or I/O error.
pub const EXIT_ERROR: u8 = 2;

/// The exit policy: reports rejections and errors on stderr and returns the exit code.
pub fn exit<E: Display>(result: Result<Outcome, E>) -> ExitCode {
    match result {
        Ok(Outcome::Verified) => ExitCode::from(EXIT_VERIFIED),
        Ok(Outcome::Rejected(reasons)) => {
            for r in reasons {
                errln(format_args!("rejected: {r}"));
            }
            ExitCode::from(EXIT_REJECTED)
        }
        Err(e) => {
            errln(format_args!("error: {e}"));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Writes one line to stdout. A closed pipe is not an error (the reader has what it wanted);
/// any other write failure is.
pub fn out_line(args: std::fmt::Arguments<'_>) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"))
    {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// Writes one line to stderr, ignoring failures (there is nowhere left to report them).
pub fn errln(args: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr().lock(), "{args}");
}

/// `println!` that returns an `io::Result` and treats a closed pipe as normal ([`out_line`]).
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::out_line(format_args!($($arg)*))
    };
}

/// Parses the command line like `P::parse`, but a usage error is one line on stderr and exit 2
/// (clap's own message, without its usage block); `--help` and `--version` print as usual.
pub fn parse<P: clap::Parser>() -> Result<P, ExitCode> {
    P::try_parse().map_err(|e| {
        use clap::error::ErrorKind;
        if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
            || matches!(
                e.kind(),
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            )
        {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { 0 });
        }
        errln(format_args!("{}", one_line(&e.to_string())));
        ExitCode::from(EXIT_ERROR)
    })
}

/// A clap message on one line: the text before its usage block, whitespace collapsed.
fn one_line(message: &str) -> String {
    let body = ["\n\nUsage:", "\nUsage:", "\n\nFor more information"]
        .iter()
        .filter_map(|cut| message.find(cut))
        .min()
        .map_or(message, |at| &message[..at]);
    body.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_messages_fold_onto_one_line() {
        let m = "error: the following required arguments were not provided:\n  --vk <VK>\n\nUsage: spotproof-validator verify --vk <VK> <BUNDLES>...\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line(m),
            "error: the following required arguments were not provided: --vk <VK>"
        );
        let m = "error: invalid value '12' for '--beacon <BEACON>': beacon \"12\" is not 64 hex digits\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line(m),
            "error: invalid value '12' for '--beacon <BEACON>': beacon \"12\" is not 64 hex digits"
        );
    }

    #[test]
    fn outcomes_follow_their_reasons() {
        assert_eq!(Outcome::of(Vec::new()), Outcome::Verified);
        assert_eq!(
            Outcome::of(vec!["x".into()]),
            Outcome::Rejected(vec!["x".into()])
        );
    }
}
