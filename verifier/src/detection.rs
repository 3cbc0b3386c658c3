//! Detection probabilities, computed by the validator from the class (samples per proof) and the
//! manifest (number of ops) — never read from a bundle, whose every field the worker wrote.
//!
//! An op with a fraction `ε` of wrong outputs and `s` uniform samples escapes one draw of the
//! samples with probability `m = (1 − ε)^s` (`papers/protocol.md` §8.1). A pinned beacon (a
//! validator's, a block hash) is drawn once: detection is `1 − m`. A Fiat–Shamir beacon can be
//! re-drawn offline by changing one leaf of the trace (§8.3, measured in `papers/benchmarks.md`):
//! after `G` attempts the worker escapes with probability `1 − (1 − m)^G`, so detection is
//! `(1 − m)^G`, stated for `G = 2^40`.

use serde::Serialize;

/// The grinding budget a Fiat–Shamir detection is stated against: `2^40` attempts.
pub const GRINDING_LOG2: u32 = 40;

/// Seconds one Fiat–Shamir re-roll takes on one core (measured: the cheapest re-roll changes one
/// leaf of the trace; `cargo bench -p spotproof-core --bench reroll`, `papers/benchmarks.md`).
pub const REROLL_SECONDS: f64 = 0.75e-3;

/// How the beacon of the verified bundles was fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BeaconKind {
    /// Given to the validator (`--beacon`, `--block-hash`): drawn once, after the commitment.
    Pinned,
    /// `hash(11, R) mod 2^93`: the worker can re-draw it offline.
    FiatShamir,
    /// Given to the validator, but the roots were not (`--root`): a worker who knew the beacon
    /// could re-roll its root offline until the samples miss.
    RootNotPinned,
}

/// What the samples of one proof catch, per op.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Detection {
    /// Samples on the least-sampled op: `⌊S / n_ops⌋`.
    pub samples_per_op: usize,
    /// How the beacon was fixed.
    pub beacon: BeaconKind,
    /// `log2` of the re-rolls the figures allow for (Fiat–Shamir only).
    pub grinding_log2: Option<u32>,
    /// Probability that an op whose outputs were made up (each right with chance 1/256) is caught.
    pub op_skipped: f64,
    /// … an op with half its outputs wrong.
    pub half_wrong: f64,
    /// … an op with 10% of its outputs wrong.
    pub tenth_wrong: f64,
    /// … an op with 1% of its outputs wrong.
    pub hundredth_wrong: f64,
    /// Re-rolls that give a worker who skipped an op an even chance to escape (`ln 2 / m`).
    pub skipped_even_odds_rerolls: f64,
}

/// The fractions of wrong outputs the figures are given for, in field order.
pub const CASES: [(&str, f64); 4] = [
    ("skipped op", 1.0 - 1.0 / 256.0),
    ("half wrong", 0.5),
    ("10% wrong", 0.1),
    ("1% wrong", 0.01),
];

/// Probability that one draw of `s` samples misses an op with a fraction `eps` wrong.
fn miss(eps: f64, s: usize) -> f64 {
    (1.0 - eps).powi(i32::try_from(s).unwrap_or(i32::MAX))
}

/// Detection of an op with a fraction `eps` wrong by `s` samples, after `2^log2` draws the worker
/// chooses from (`None`: one draw). `(1 − m)^G` is computed as `exp(G · ln(1 − m))`.
pub fn detect(eps: f64, s: usize, grinding_log2: Option<u32>) -> f64 {
    let m = miss(eps, s);
    match grinding_log2 {
        None => 1.0 - m,
        Some(g) => (2f64.powi(g as i32) * (-m).ln_1p()).exp(),
    }
}

impl Detection {
    /// The figures for `samples` per proof spread over `ops` ops (`j mod ops`).
    pub fn of(samples: usize, ops: usize, beacon: BeaconKind) -> Self {
        let s = samples / ops.max(1);
        let g = (beacon != BeaconKind::Pinned).then_some(GRINDING_LOG2);
        let [op_skipped, half_wrong, tenth_wrong, hundredth_wrong] =
            CASES.map(|(_, eps)| detect(eps, s, g));
        Self {
            samples_per_op: s,
            beacon,
            grinding_log2: g,
            op_skipped,
            half_wrong,
            tenth_wrong,
            hundredth_wrong,
            skipped_even_odds_rerolls: std::f64::consts::LN_2 / miss(CASES[0].1, s),
        }
    }

    /// The four probabilities in [`CASES`] order.
    pub fn figures(&self) -> [f64; 4] {
        [
            self.op_skipped,
            self.half_wrong,
            self.tenth_wrong,
            self.hundredth_wrong,
        ]
    }

    /// One line for people: what the figures assume and the figures.
    pub fn describe(&self) -> String {
        let figures = CASES
            .iter()
            .zip(self.figures())
            .map(|((name, _), p)| format!("{name} {p:.4}"))
            .collect::<Vec<_>>()
            .join(", ");
        match self.beacon {
            BeaconKind::Pinned => format!(
                "detection per op (samples per op ≥ {}, pinned beacon): {figures}",
                self.samples_per_op
            ),
            BeaconKind::FiatShamir | BeaconKind::RootNotPinned => format!(
                "detection per op (samples per op ≥ {}, {}, against 2^{} re-rolls \
                 = {} at {:.2} ms per re-roll per core): {figures}; a skipped op escapes half the \
                 time after {:.3e} re-rolls ({}); {}",
                self.samples_per_op,
                if self.beacon == BeaconKind::FiatShamir {
                    "Fiat-Shamir beacon"
                } else {
                    "beacon given without the roots published before it"
                },
                GRINDING_LOG2,
                duration(2f64.powi(GRINDING_LOG2 as i32) * REROLL_SECONDS),
                REROLL_SECONDS * 1e3,
                self.skipped_even_odds_rerolls,
                duration(self.skipped_even_odds_rerolls * REROLL_SECONDS),
                if self.beacon == BeaconKind::FiatShamir {
                    "pin a beacon (--beacon or --block-hash, with --root) for stronger figures"
                } else {
                    "give the roots the worker published before the beacon (--root) for stronger figures"
                },
            ),
        }
    }
}

/// CPU time in the largest unit that keeps it above one.
fn duration(seconds: f64) -> String {
    const UNITS: [(&str, f64); 5] = [
        ("core-years", 365.25 * 86400.0),
        ("core-days", 86400.0),
        ("core-hours", 3600.0),
        ("core-minutes", 60.0),
        ("core-seconds", 1.0),
    ];
    let (name, size) = UNITS
        .iter()
        .find(|(_, size)| seconds >= *size)
        .copied()
        .unwrap_or(UNITS[4]);
    format!("{:.1} {name}", seconds / size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_figures_are_one_draw() {
        let d = Detection::of(64, 18, BeaconKind::Pinned);
        assert_eq!(d.samples_per_op, 3);
        assert_eq!(d.half_wrong, 0.875);
        assert!((d.tenth_wrong - 0.271).abs() < 1e-12);
        assert_eq!(d.grinding_log2, None);
    }

    #[test]
    fn fiat_shamir_figures_allow_for_2_40_rerolls() {
        // Three samples: every case escapes after far fewer than 2^40 re-rolls.
        let d = Detection::of(64, 18, BeaconKind::FiatShamir);
        assert_eq!(d.figures(), [0.0; 4]);
        assert_eq!(d.grinding_log2, Some(40));
        // A skipped op with s samples escapes one draw with 2^-8s: even odds after ln2·2^24.
        assert!(
            (d.skipped_even_odds_rerolls / 2f64.powi(24) - std::f64::consts::LN_2).abs() < 1e-9
        );
        // Enough samples survive grinding: (1 − 2^-48)^(2^40) ≈ 1 − 2^-8.
        let p = detect(1.0 - 1.0 / 256.0, 6, Some(40));
        assert!((p - (-(2f64.powi(-8))).exp()).abs() < 1e-6, "{p}");
        assert!(detect(0.5, 120, Some(40)) > 0.999_999);
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(duration(90.0), "1.5 core-minutes");
        assert_eq!(duration(0.5), "0.5 core-seconds");
        assert_eq!(duration(2.0 * 365.25 * 86400.0), "2.0 core-years");
    }
}
