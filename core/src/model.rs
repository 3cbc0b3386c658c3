//! The model: layer widths, per-layer shifts, hyper-parameters, state, and the overflow bounds.

use crate::error::{ConfigError, CoreError, Result};
use crate::ops::{self, BIAS_MAX, InputScale, MASTER_SHIFT, MAX_I8_PRODUCT};
use crate::rng::SplitMix64;
use crate::tensor::Mat;
use serde::{Deserialize, Serialize};

/// Training hyper-parameters, all integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hyper {
    /// Master weights move by `rshr_round(grad, lr_shift)` per step.
    pub lr_shift: u32,
    /// Biases move by `rshr_round(grad, bias_lr_shift)` per step.
    pub bias_lr_shift: u32,
    /// The one-hot target's value at the true class (the other classes get 0).
    pub target: i8,
    /// Error propagation shifts by `fwd_shift - back_gain`: a gain of `2^back_gain` that keeps
    /// hidden-layer errors from vanishing in int8.
    pub back_gain: u32,
}

impl Default for Hyper {
    /// The recipe measured in `papers/integer-training.md`.
    fn default() -> Self {
        Self {
            lr_shift: 6,
            bias_lr_shift: 0,
            target: 100,
            back_gain: 3,
        }
    }
}

/// The shape of a model and how it trains: everything a step's arithmetic depends on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Layer widths, input first, classes last (at least two entries).
    pub widths: Vec<usize>,
    /// Rows per training step.
    pub batch: usize,
    /// Hyper-parameters.
    pub hyper: Hyper,
    /// How raw dataset features become int8 inputs.
    pub input_scale: InputScale,
}

/// The largest value any 32-bit accumulator may reach.
const I32_LIMIT: i64 = i32::MAX as i64;

/// Widest layer a model may have (the accumulator bounds bind well before it); keeps every
/// index inside `u32`.
pub const MAX_WIDTH: usize = 1 << 20;

impl ModelConfig {
    /// Number of linear layers.
    pub fn layers(&self) -> usize {
        self.widths.len().saturating_sub(1)
    }

    /// The forward requantization shift of layer `l`: `5 + ⌈log2 K⌉/2` rounded up, so that the
    /// int8 weights keep ~5 bits of resolution at Kaiming scale whatever the fan-in `K`.
    pub fn fwd_shift(&self, l: usize) -> u32 {
        let k = self.widths[l].max(1);
        5 + ceil_log2(k).div_ceil(2)
    }

    /// The error-propagation shift through layer `l`'s weights (`1 ≤ l < L`):
    /// `fwd_shift(l) − gain`. Through the last layer the gain is `hyper.back_gain`: it sets the
    /// scale of the hidden errors against the output error's. Through a hidden layer (`K → N`)
    /// it is `⌊(⌈log2 K⌉ − ⌈log2 N⌉ + 1) / 2⌋` (at least 0), about `½·log2(K/N)`: a Kaiming-scaled
    /// layer multiplies an error's magnitude by about `2^gain·√(N/K)` (half the units masked by
    /// the ReLU), so this keeps it from one hidden layer to the next instead of multiplying it
    /// by `2^back_gain` per layer until it saturates. Two-layer models have no hidden hop.
    pub fn back_shift(&self, l: usize) -> u32 {
        let gain = if l + 1 < self.layers() {
            let (k, n) = (self.widths[l], self.widths[l + 1]);
            (ceil_log2(k) + 1).saturating_sub(ceil_log2(n)) / 2
        } else {
            self.hyper.back_gain
        };
        self.fwd_shift(l).saturating_sub(gain)
    }

    /// The masters' learning-rate shift: `hyper.lr_shift + ⌊log2 L⌋ − 1` for `L ≥ 2` linear
    /// layers (`hyper.lr_shift` for two or three), so that the step halves for every doubling of
    /// the layers that move at once (`papers/integer-training.md`, "Depth").
    pub fn update_shift(&self) -> u32 {
        let l = self.layers().max(2) as u32;
        self.hyper.lr_shift + (u32::BITS - 1 - l.leading_zeros()) - 1
    }

    /// Whether layer `l` applies ReLU (every layer but the last).
    pub fn relu(&self, l: usize) -> bool {
        l + 1 < self.layers()
    }

    /// Checks shapes and that no accumulator of any op can leave i32 for these shapes, before
    /// anything runs. The error names the op, the worst case and what to reduce.
    pub fn validate(&self) -> Result<()> {
        if self.widths.len() < 2 {
            return Err(ConfigError::NoLayer.into());
        }
        if self.widths.iter().any(|&w| w == 0 || w > MAX_WIDTH) {
            return Err(ConfigError::Width.into());
        }
        if *self.widths.last().unwrap_or(&0) < 2 {
            return Err(ConfigError::OneClass.into());
        }
        if self.batch == 0 {
            return Err(ConfigError::EmptyBatch.into());
        }
        if self.batch > MAX_WIDTH {
            return Err(ConfigError::BatchTooLarge.into());
        }
        let h = &self.hyper;
        if self.update_shift() > 31 || h.bias_lr_shift > 31 {
            return Err(ConfigError::Shift.into());
        }
        if self.input_scale.shl > 8 || self.input_scale.shr > 8 {
            return Err(ConfigError::InputShift.into());
        }
        if h.target < 0 {
            return Err(ConfigError::NegativeTarget.into());
        }
        let b = self.batch as i64;
        let half = |s: u32| if s == 0 { 0 } else { 1i64 << (s - 1) };
        for l in 0..self.layers() {
            let (k, n) = (self.widths[l] as i64, self.widths[l + 1] as i64);
            let fwd = i64::from(BIAS_MAX) + k * MAX_I8_PRODUCT + half(self.fwd_shift(l));
            check(
                "linear_forward",
                "accumulator + rounding",
                fwd,
                "the layer widths",
            )?;
            if l > 0 {
                let back = n * MAX_I8_PRODUCT + half(self.back_shift(l));
                check(
                    "linear_backward_input",
                    "accumulator + rounding",
                    back,
                    "the layer widths",
                )?;
            }
        }
        let grad = b * MAX_I8_PRODUCT;
        check("weight_grad", "gradient", grad, "--batch")?;
        check(
            "sgd_update",
            "gradient + rounding",
            grad + half(self.update_shift()) + (1 << 15),
            "--batch",
        )?;
        check(
            "bias_update",
            "bias + gradient + rounding",
            i64::from(BIAS_MAX) + b * 128 + half(h.bias_lr_shift),
            "--batch",
        )?;
        Ok(())
    }
}

fn check(op: &'static str, quantity: &'static str, bound: i64, fix: &'static str) -> Result<()> {
    if bound <= I32_LIMIT {
        Ok(())
    } else {
        Err(CoreError::Overflow {
            op,
            quantity,
            bound,
            limit: I32_LIMIT,
            fix,
        })
    }
}

fn ceil_log2(x: usize) -> u32 {
    usize::BITS - (x.max(1) - 1).leading_zeros()
}

/// One linear layer's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    /// Master weights, `N×K`, int16.
    pub master: Mat<i16>,
    /// The int8 weights derived from the masters, `N×K`.
    pub weight: Mat<i8>,
    /// Biases in accumulator scale, `N`, within `±2^24`.
    pub bias: Vec<i32>,
}

/// A validated configuration with its state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Model {
    /// The configuration (validated).
    pub config: ModelConfig,
    /// One entry per linear layer.
    pub layers: Vec<Layer>,
}

impl Model {
    /// Validates `config` and draws initial weights from `seed`: masters uniform in
    /// `±⌊√(6·2^(2(s+8))/K)⌋` (Kaiming-uniform at the layer's scale, integer square root), zero biases.
    pub fn init(config: ModelConfig, seed: u64) -> Result<Self> {
        config.validate()?;
        let layers = (0..config.layers())
            .map(|l| {
                let (k, n) = (config.widths[l], config.widths[l + 1]);
                let mut rng = SplitMix64::derive(seed, l as u64 + 1);
                let scale = 1u128 << (2 * (config.fwd_shift(l) + MASTER_SHIFT));
                let bound = isqrt(6 * scale / k as u128).min(i16::MAX as u128) as u32;
                let data = (0..n * k).map(|_| rng.symmetric(bound) as i16).collect();
                let master = Mat::from_parts(n, k, data);
                let weight = ops::derive_weights(&master);
                Layer {
                    master,
                    weight,
                    bias: vec![0; n],
                }
            })
            .collect();
        Ok(Self { config, layers })
    }

    /// Number of output classes.
    pub fn classes(&self) -> usize {
        *self.config.widths.last().unwrap_or(&0)
    }
}

fn isqrt(v: u128) -> u128 {
    // Newton's method on integers; exact floor square root.
    if v < 2 {
        return v;
    }
    let mut x = v;
    let mut y = x.div_ceil(2);
    while y < x {
        x = y;
        y = (x + v / x) / 2;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(widths: Vec<usize>, batch: usize) -> ModelConfig {
        ModelConfig {
            widths,
            batch,
            hyper: Hyper::default(),
            input_scale: InputScale { shl: 0, shr: 1 },
        }
    }

    #[test]
    fn shifts_follow_fan_in() {
        let c = cfg(vec![64, 128, 10], 32);
        assert_eq!(c.fwd_shift(0), 8);
        assert_eq!(c.fwd_shift(1), 9);
        assert_eq!(cfg(vec![784, 10], 1).fwd_shift(0), 10);
        assert_eq!(ceil_log2(1), 0);
        assert_eq!(ceil_log2(1024), 10);
        assert_eq!(ceil_log2(1025), 11);
    }

    #[test]
    fn hidden_hops_keep_the_error_scale_and_deep_models_step_smaller() {
        // Two layers: one hop, through the output layer, with the back gain; the step as set.
        let two = cfg(vec![64, 128, 10], 32);
        assert_eq!(
            two.back_shift(1),
            two.fwd_shift(1) - Hyper::default().back_gain
        );
        assert_eq!(two.update_shift(), Hyper::default().lr_shift);
        // Hidden hops: gain ⌊(⌈log2 K⌉ − ⌈log2 N⌉ + 1)/2⌋, about ½·log2(K/N), at least 0.
        let deep = cfg(vec![64, 256, 64, 64, 128, 10], 32);
        let gain = |l: usize| deep.fwd_shift(l) - deep.back_shift(l);
        assert_eq!(gain(1), 1); // 256 → 64: ½·log2 4
        assert_eq!(gain(2), 0); // 64 → 64
        assert_eq!(gain(3), 0); // 64 → 128: never below 0
        assert_eq!(gain(4), Hyper::default().back_gain); // the output layer
        // The step halves per doubling of the layers: L = 2, 3 as set; 4, 5 one more shift.
        let lr = |widths: Vec<usize>| cfg(widths, 8).update_shift() - Hyper::default().lr_shift;
        assert_eq!(lr(vec![4, 10]), 0);
        assert_eq!(lr(vec![4, 8, 8, 10]), 0);
        assert_eq!(lr(vec![4, 8, 8, 8, 10]), 1);
        assert_eq!(lr(vec![4, 8, 8, 8, 8, 10]), 1);
        assert_eq!(lr(vec![4, 8, 8, 8, 8, 8, 8, 8, 10]), 2);
    }

    #[test]
    fn isqrt_is_floor_sqrt() {
        for v in [0u128, 1, 2, 3, 4, 15, 16, 17, 1 << 40, (1 << 40) - 1] {
            let r = isqrt(v);
            assert!(r * r <= v && (r + 1) * (r + 1) > v, "{v}");
        }
    }

    #[test]
    fn overflowing_shapes_are_rejected() {
        assert!(cfg(vec![64, 128, 10], 32).validate().is_ok());
        // K·2^14 + 2^24 + 2^(s-1) > 2^31 - 1 from K = 130048 on (s = 14 there).
        let largest_k = (I32_LIMIT - i64::from(BIAS_MAX) - (1 << 13)) / MAX_I8_PRODUCT;
        assert!(cfg(vec![largest_k as usize, 10], 1).validate().is_ok());
        assert!(matches!(
            cfg(vec![largest_k as usize + 1, 10], 1).validate(),
            Err(CoreError::Overflow { .. })
        ));
        // The backward pass through a wide hidden layer's weights: N·2^14 + 2^(s-1).
        assert!(matches!(
            cfg(vec![4, 10, 140_000], 1).validate(),
            Err(CoreError::Overflow { .. })
        ));
        // Gradients: B·2^14 + 2^(lr-1) + 2^15.
        assert!(matches!(
            cfg(vec![4, 10], 131_070).validate(),
            Err(CoreError::Overflow { .. })
        ));
        assert!(matches!(
            cfg(vec![4, 10], 2_000_000).validate(),
            Err(CoreError::Config(ConfigError::BatchTooLarge))
        ));
        assert!(matches!(
            cfg(vec![4], 1).validate(),
            Err(CoreError::Config(ConfigError::NoLayer))
        ));
        assert!(matches!(
            cfg(vec![4, 1], 1).validate(),
            Err(CoreError::Config(ConfigError::OneClass))
        ));
        assert!(matches!(
            cfg(vec![4, 10], 0).validate(),
            Err(CoreError::Config(ConfigError::EmptyBatch))
        ));
    }

    #[test]
    fn init_is_deterministic_and_derived() {
        let a = Model::init(cfg(vec![8, 5, 3], 4), 7).unwrap();
        let b = Model::init(cfg(vec![8, 5, 3], 4), 7).unwrap();
        let c = Model::init(cfg(vec![8, 5, 3], 4), 8).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        for layer in &a.layers {
            assert_eq!(layer.weight, ops::derive_weights(&layer.master));
        }
    }
}
