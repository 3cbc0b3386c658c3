//! A small committed step that fits the smallest class.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use spotproof_core::commit::Fr;
use spotproof_core::data::{Dataset, Split};
use spotproof_core::model::{Hyper, Model, ModelConfig};
use spotproof_core::tensor::Mat;
use spotproof_core::trace::{self, StepHeader, Trace};
use spotproof_core::{TensorCommitmentRef, step};
use std::sync::Arc;

pub struct Fixture {
    pub before: Model,
    pub values: Vec<Vec<i64>>,
    pub dataset: TensorCommitmentRef,
    pub header: StepHeader,
}

/// The middle 32 pixels of 300 digits, a `32-16-10` model, batch 8, step 2.
pub fn fixture() -> Fixture {
    let full = Dataset::digits().unwrap();
    let n = 300;
    let images: Vec<u8> = (0..n)
        .flat_map(|r| full.images.row(r)[16..48].to_vec())
        .collect();
    let data = Dataset {
        name: "digits-32".into(),
        images: Mat::new(n, 32, images).unwrap(),
        labels: full.labels[..n].to_vec(),
        classes: 10,
        scale: full.scale,
    };
    let split = Split::holdout(n, 20, 1);
    let cfg = ModelConfig {
        widths: vec![32, 16, 10],
        batch: 8,
        hyper: Hyper::default(),
        input_scale: data.scale,
    };
    let before = Model::init(cfg, 4).unwrap();
    let dataset = Arc::new(trace::commit_dataset(&data, &split.train).unwrap());
    let (seed, t) = (5, 2);
    let idx: Vec<u32> = trace::batch_indices(seed, t, 8, split.train.len())
        .iter()
        .map(|&i| split.train[i as usize])
        .collect();
    let mut m = before.clone();
    let tensors = step::train_step(&mut m, &data, &idx).unwrap();
    let header = StepHeader {
        arch_id: trace::arch_id(&before.config),
        step: t,
        prev_root: Fr::from(99u64),
        dataset_root: dataset.root,
        data_seed: seed,
        worker: Fr::from(0xabcdu64),
    };
    let values = trace::step_values(&before, &tensors).unwrap();
    Fixture {
        before,
        values,
        dataset,
        header,
    }
}

impl Fixture {
    pub fn commit(&self, values: &[Vec<i64>]) -> Trace {
        trace::commit_values(&self.before.config, values, &self.dataset, self.header).unwrap()
    }
}
