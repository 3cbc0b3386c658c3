//! Detection probabilities, computed by the validator from the class (samples per proof and block
//! shapes) and the layout (its ops and their output shapes) — never read from a bundle, whose
//! every field the worker wrote.
//!
//! An op with a fraction `ε` of wrong outputs and `s` samples, each a uniform block of its
//! output, escapes one draw of the samples with probability `m = (1 − h)^s`, where `h` is the
//! chance that one sample hits the wrong outputs when the worker places them as badly for the
//! validator as it can, in the fewest blocks (`sampling::worst_hit`, `papers/protocol.md` §8.1;
//! about `ε`: blocks help against spread corruption, not against clustered). The figures are the
//! least over the ops. A pinned beacon (a
//! validator's, a block hash) is drawn once: detection is `1 − m`. A Fiat–Shamir beacon can be
//! re-drawn offline by changing one leaf of the trace (§8.3, measured in `papers/benchmarks.md`):
//! after `G` attempts the worker escapes with probability `1 − (1 − m)^G`, so detection is
//! `(1 − m)^G`, stated for `G = 2^40`.

use serde::Serialize;
use spotproof_core::layout::OpDesc;
use spotproof_core::ops::OpKind;
use spotproof_core::sampling::{self, Sampling};

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

/// What the samples of one proof catch, per op (the least over the ops).
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

/// Probability that one draw of `s` samples misses an op with a fraction `eps` wrong, each sample
/// one element (a lower bound on a block's catch).
fn miss(eps: f64, s: usize) -> f64 {
    (1.0 - eps).powi(i32::try_from(s).unwrap_or(i32::MAX))
}

/// Detection of an op with a fraction `eps` wrong by `s` element samples, after `2^log2` draws
/// the worker chooses from (`None`: one draw). `(1 − m)^G` is computed as `exp(G · ln(1 − m))`.
pub fn detect(eps: f64, s: usize, grinding_log2: Option<u32>) -> f64 {
    of_miss(miss(eps, s), grinding_log2)
}

/// Detection when one draw misses with `m`.
fn of_miss(m: f64, grinding_log2: Option<u32>) -> f64 {
    match grinding_log2 {
        None => 1.0 - m,
        Some(g) => (2f64.powi(g as i32) * (-m).ln_1p()).exp(),
    }
}

/// An op's kind and the `(rows, cols)` of its first output: what its samples are drawn from.
pub type OpOutput = (OpKind, usize, usize);

/// The ops' kinds and output shapes of an op table over tensor `shapes`.
pub fn op_outputs(ops: &[OpDesc], shapes: &[(usize, usize)]) -> Vec<OpOutput> {
    ops.iter()
        .map(|o| {
            let (rows, cols) = o.output_shape(shapes);
            (o.kind, rows, cols)
        })
        .collect()
}

impl Detection {
    /// The figures for a class's sampling over an op table (`ops`, sample `j` on op
    /// `j mod ops.len()`): per case, the least over the ops of one op's detection.
    pub fn of(sampling: &Sampling, ops: &[OpOutput], beacon: BeaconKind) -> Self {
        let n = ops.len().max(1);
        let per_op = |o: usize| (0..sampling.samples).filter(|j| j % n == o).count();
        let g = (beacon != BeaconKind::Pinned).then_some(GRINDING_LOG2);
        // The largest chance, over the ops, that one draw misses: a made-up op's values are each
        // right with 1/256 (spread), a fraction of wrong outputs is placed in the fewest blocks.
        let worst_miss = |eps: f64, made_up: bool| {
            ops.iter()
                .enumerate()
                .map(|(o, &(kind, rows, cols))| {
                    let (br, bc) = sampling.block(kind);
                    let m = if made_up {
                        sampling::spread_miss(rows, cols, br, bc, eps)
                    } else {
                        1.0 - sampling::worst_hit(rows, cols, br, bc, eps)
                    };
                    m.powi(i32::try_from(per_op(o)).unwrap_or(i32::MAX))
                })
                .fold(if ops.is_empty() { 1.0 } else { 0.0 }, f64::max)
        };
        let skipped = worst_miss(CASES[0].1, true);
        let [half_wrong, tenth_wrong, hundredth_wrong] =
            [CASES[1].1, CASES[2].1, CASES[3].1].map(|eps| of_miss(worst_miss(eps, false), g));
        Self {
            samples_per_op: (0..n).map(per_op).min().unwrap_or(0),
            beacon,
            grinding_log2: g,
            op_skipped: of_miss(skipped, g),
            half_wrong,
            tenth_wrong,
            hundredth_wrong,
            skipped_even_odds_rerolls: std::f64::consts::LN_2 / skipped.max(f64::MIN_POSITIVE),
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

    /// 18 ops of 100×100 outputs sampled by single elements.
    fn elements() -> (Sampling, Vec<OpOutput>) {
        (
            Sampling::elements(64),
            vec![(OpKind::LinearForward, 100, 100); 18],
        )
    }

    #[test]
    fn pinned_figures_are_one_draw() {
        let (s, ops) = elements();
        let d = Detection::of(&s, &ops, BeaconKind::Pinned);
        assert_eq!(d.samples_per_op, 3);
        assert_eq!(d.half_wrong, 0.875);
        assert!((d.tenth_wrong - 0.271).abs() < 1e-12);
        assert_eq!(d.grinding_log2, None);
    }

    #[test]
    fn fiat_shamir_figures_allow_for_2_40_rerolls() {
        // Three samples: every case escapes after far fewer than 2^40 re-rolls.
        let (s, ops) = elements();
        let d = Detection::of(&s, &ops, BeaconKind::FiatShamir);
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

    /// With blocks, a worker who clusters its wrong outputs in the fewest blocks is caught per
    /// sample with about the wrong fraction (not the block's size times it), and the figures
    /// are the worst op's.
    #[test]
    fn blocks_are_counted_against_the_worst_placement() {
        let mut s = Sampling::elements(2);
        s.blocks[OpKind::LinearForward.index()] = [2, 2];
        // A 4×4 output in 2×2 blocks: a quarter wrong fills one block of four.
        let ops = [(OpKind::LinearForward, 4, 4), (OpKind::Transpose, 4, 4)];
        let d = Detection::of(&s, &ops, BeaconKind::Pinned);
        assert_eq!(d.samples_per_op, 1);
        // Half wrong: two of four blocks (tiled) or eight of 16 elements — 0.5 either way.
        assert_eq!(d.half_wrong, 0.5);
        assert_eq!(sampling::worst_hit(4, 4, 2, 2, 0.25), 0.25);
        // 10%: two wrong outputs, one block of four: 1/4 for the tiles, 2/16 for elements.
        assert_eq!(sampling::worst_hit(4, 4, 2, 2, 0.1), 0.25);
        assert_eq!(d.tenth_wrong, 0.125);
        // A 5×1 output in 4×1 blocks has two cells, one clipped to a single output: one wrong
        // output touches one cell of two; four fill the big cell and escape half the samples,
        // where elements would catch 80%.
        assert_eq!(sampling::worst_hit(5, 1, 4, 1, 0.2), 0.5);
        assert_eq!(sampling::worst_hit(5, 1, 4, 1, 0.8), 0.5);
        // Made-up values are right by chance: a block of 4 misses with 256^-4.
        let m = sampling::spread_miss(4, 4, 2, 2, 1.0 - 1.0 / 256.0);
        assert!((m / 2f64.powi(-32) - 1.0).abs() < 1e-9, "{m}");
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(duration(90.0), "1.5 core-minutes");
        assert_eq!(duration(0.5), "0.5 core-seconds");
        assert_eq!(duration(2.0 * 365.25 * 86400.0), "2.0 core-years");
    }
}
