//! Verification times: one bundle (manifest checks + one Groth16 check), the pairing check alone,
//! and batches of 1..64 bundles (one multi-pairing). Proves one step of the smallest class first
//! (verification does not depend on the class: two public inputs).
//! `cargo bench -p spotproof-verifier --bench verify`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand::SeedableRng;
use spotproof_circuits::fixture::small_run;
use spotproof_circuits::{Class, step_witness};
use spotproof_core::commit::Fr;
use spotproof_core::sampling;
use spotproof_verifier::bundle::{BeaconSource, Bundle};
use spotproof_verifier::keys::Vk;
use spotproof_verifier::verify::{Policy, verify_bundles};
use std::path::PathBuf;
use std::time::Instant;

fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> f64 {
    let start = Instant::now();
    for _ in 0..reps {
        std::hint::black_box(f());
    }
    start.elapsed().as_secs_f64() / reps as f64
}

fn main() {
    let class = Class::by_name("mlp2-s18-r32").unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let pk = spotproof_circuits::setup(class, &mut rng).unwrap();
    let run = small_run(1, Fr::from(7u64)).unwrap();
    let t = &run.traces[0];
    let beacon = sampling::fiat_shamir_beacon(t.root);
    let w = step_witness(class, t, beacon).unwrap();
    let proof = spotproof_circuits::prove(&pk, class, &w, &mut rng).unwrap();
    let vk = Vk::new(class, pk.vk.clone());
    let b = Bundle::of_trace(
        &class,
        &vk.hash,
        &run.config,
        t,
        beacon,
        BeaconSource::FiatShamir,
        &proof,
    );
    let pvk = ark_groth16::prepare_verifying_key(&pk.vk);
    let public = spotproof_circuits::public_inputs(&w);
    // Warm the Poseidon parameters (generated once per process).
    let _ = verify_bundles(
        &vk,
        &[(PathBuf::from("b"), b.clone())],
        &Policy::default(),
        &mut rng,
    );
    let single_pairing = time(50, || spotproof_circuits::verify(&pvk, &public, &proof));
    let single = time(20, || {
        verify_bundles(
            &vk,
            &[(PathBuf::from("b"), b.clone())],
            &Policy::default(),
            &mut rng,
        )
        .unwrap()
    });
    println!(
        "Groth16 check alone (prepared key): {:.3} ms",
        single_pairing * 1e3
    );
    println!("one bundle, everything:             {:.3} ms", single * 1e3);
    for n in [1usize, 4, 16, 64] {
        let items: Vec<_> = (0..n).map(|_| (public.to_vec(), proof.clone())).collect();
        let s = time(10, || {
            spotproof_circuits::batch_verify(&pvk, &items, &mut rng)
        });
        println!(
            "batch of {n:>2}: {:.3} ms, {:.3} ms per proof",
            s * 1e3,
            s * 1e3 / n as f64
        );
    }
}
