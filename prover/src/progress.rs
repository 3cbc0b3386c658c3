//! Progress on stderr with indicatif: a bar over steps, a spinner around a long call (setup,
//! proving). Both draw only when stderr is a terminal; lines still reach a log otherwise.

use crate::train::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// A bar over steps that prints lines above itself.
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// A bar whose line reads `{msg} [====>   ] pos/len steps rate`.
    pub fn steps() -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} steps {per_sec}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        Self { bar }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn line(&mut self, text: String) {
        self.bar
            .suspend(|| spotproof_verifier::cli::errln(format_args!("{text}")));
    }
    fn epoch_start(&mut self, epoch: usize, steps: usize) {
        self.bar.reset();
        self.bar.set_length(steps as u64);
        self.bar.set_message(format!("epoch {epoch}"));
    }
    fn step_done(&mut self) {
        self.bar.inc(1);
    }
}

/// Runs `f` under a spinner that shows `message` and the elapsed time; returns `f`'s result and
/// its seconds.
pub fn spin<T>(message: String, f: impl FnOnce() -> T) -> (T, f64) {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    let start = std::time::Instant::now();
    let out = f();
    bar.finish_and_clear();
    (out, start.elapsed().as_secs_f64())
}

/// No progress output (library callers, tests).
pub struct Silent;

impl Progress for Silent {
    fn line(&mut self, _: String) {}
    fn epoch_start(&mut self, _: usize, _: usize) {}
    fn step_done(&mut self) {}
}
