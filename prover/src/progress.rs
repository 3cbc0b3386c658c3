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

/// A bar over a run's steps: committed steps, steps per second, and how far commitment lags
/// behind compute.
pub struct RunBar {
    bar: ProgressBar,
    computed: std::sync::atomic::AtomicU64,
    committed: std::sync::atomic::AtomicU64,
}

impl RunBar {
    /// A bar whose line reads `run [====>   ] committed/len steps rate (computed c, lag l)`.
    pub fn new() -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("run [{bar:30}] {pos}/{len} steps {per_sec} {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        Self {
            bar,
            computed: 0.into(),
            committed: 0.into(),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn show(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        let (c, k) = (self.computed.load(Relaxed), self.committed.load(Relaxed));
        self.bar.set_position(k);
        self.bar.set_message(format!(
            "(computed {c}, commitment lag {})",
            c.saturating_sub(k)
        ));
    }
}

impl Default for RunBar {
    fn default() -> Self {
        Self::new()
    }
}

impl crate::run::RunProgress for RunBar {
    fn line(&self, text: String) {
        self.bar
            .suspend(|| spotproof_verifier::cli::errln(format_args!("{text}")));
    }
    fn start(&self, steps: u64, done: u64) {
        use std::sync::atomic::Ordering::Relaxed;
        self.bar.set_length(steps);
        self.bar.reset_eta();
        self.computed.store(done, Relaxed);
        self.committed.store(done, Relaxed);
        self.show();
    }
    fn computed(&self, step: u64) {
        self.computed
            .store(step + 1, std::sync::atomic::Ordering::Relaxed);
        self.show();
    }
    fn committed(&self, step: u64) {
        self.committed
            .store(step + 1, std::sync::atomic::Ordering::Relaxed);
        self.show();
    }
}
