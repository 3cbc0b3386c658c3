//! Committed training: derived batches, chained traces that conform to the architecture, and
//! samples (offline Fiat–Shamir beacon) that the native checker accepts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed check is a panic here

use spotproof_core::check;
use spotproof_core::commit::Fr;
use spotproof_core::ids::WorkerId;
use spotproof_core::model::Hyper;
use spotproof_core::sampling;
use spotproof_core::trace::Manifest;
use spotproof_prover::pipeline;
use spotproof_prover::progress::Silent;
use spotproof_prover::train::{DatasetSpec, DeviceChoice, TrainConfig};

fn config(device: DeviceChoice) -> TrainConfig {
    TrainConfig {
        dataset: DatasetSpec::Digits,
        test: None,
        epochs: 1,
        batch: 16,
        hidden: vec![32],
        seed: 3,
        device,
        hyper: Hyper::default(),
    }
}

fn worker(id: u64) -> WorkerId {
    WorkerId::new(Fr::from(id)).unwrap()
}

#[test]
fn committed_steps_chain_conform_and_verify() {
    let cfg = config(DeviceChoice::Cpu);
    let run = pipeline::run_committed(&cfg, 3, 77, worker(5), &mut Silent).unwrap();
    assert_eq!(run.traces.len(), 3);
    let arch = &run.initial.config;
    for (t, tr) in run.traces.iter().enumerate() {
        let m = Manifest::of(tr);
        check::check_conformance(&m, arch).unwrap();
        if t > 0 {
            let prev = &run.traces[t - 1];
            check::check_chain(&Manifest::of(prev), prev.root, &m).unwrap();
        }
        let beacon = sampling::fiat_shamir_beacon(tr.root);
        let s = sampling::Sampling {
            samples: 2 * tr.ops.len(),
            blocks: spotproof_circuits::class::BLOCKS,
        };
        let openings: Vec<_> = tr
            .samples(beacon, &s)
            .iter()
            .map(|x| check::open_sample(tr, x).unwrap())
            .collect();
        check::verify_samples(&m, tr.root, beacon, &s, &openings).unwrap();
    }
}

#[test]
fn gpu_and_cpu_runs_commit_to_the_same_roots() {
    // With no usable adapter `auto` falls back to the CPU, and the test compares CPU with CPU;
    // CI sets SPOTPROOF_REQUIRE_GPU=1, so there it compares lavapipe with the reference.
    let cpu =
        pipeline::run_committed(&config(DeviceChoice::Cpu), 2, 9, worker(1), &mut Silent).unwrap();
    let auto =
        pipeline::run_committed(&config(DeviceChoice::Auto), 2, 9, worker(1), &mut Silent).unwrap();
    let roots = |r: &pipeline::CommittedRun| r.traces.iter().map(|t| t.root).collect::<Vec<_>>();
    assert_eq!(
        roots(&cpu),
        roots(&auto),
        "devices {} and {}",
        cpu.device,
        auto.device
    );
}
