//! Witness mutation over every private variable of the smallest class's step circuit (an honest
//! step of the small fixture run): prints the counts, the time, and each free variable with the
//! part of the circuit it belongs to and the constraints that contain it.
//! `cargo run --release -p spotproof-circuits --example mutation [BEACON]` (default 7)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand::SeedableRng;
use spotproof_circuits::fixture::small_run;
use spotproof_circuits::mutation::Mutation;
use spotproof_circuits::{Class, profile, step_witness};
use spotproof_core::commit::Fr;
use std::time::Instant;

fn main() {
    let class = Class::by_name("mlp2-s18-r32").expect("class");
    let run = small_run(1, Fr::from(0xabcdu64)).expect("fixture");
    let beacon: u64 = std::env::args()
        .nth(1)
        .map_or(7, |b| b.parse().expect("the beacon, an integer"));
    let w = step_witness(class, &run.traces[0], Fr::from(beacon)).expect("witness");
    let t = Instant::now();
    let m = Mutation::new(class, &w).expect("an honest witness satisfies the circuit");
    let built = t.elapsed();
    let t = Instant::now();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(13);
    let sweep = m.sweep(0..m.witnesses(), &mut rng);
    let swept = t.elapsed();
    // Where a constraint lies: the fixed part or sample j (its op kind), by the synthesis order.
    let p = profile(class).expect("profile");
    let section = |c: usize| {
        if c < p.fixed {
            return "fixed (header, manifest, trace root, seed, op parameters)".to_string();
        }
        let mut at = p.fixed;
        for (j, (kind, n)) in p.samples.iter().enumerate() {
            if c < at + n {
                return format!("sample {j} ({kind:?}), its constraint {}", c - at);
            }
            at += n;
        }
        "?".to_string()
    };
    println!(
        "class {}  beacon {beacon}  matrices {}",
        class.name,
        m.digest()
    );
    println!(
        "{} witness variables, {} constraints, {} matrix entries; synthesis {:.1?}, sweep {:.1?}",
        m.witnesses(),
        m.constraints(),
        m.entries(),
        built,
        swept
    );
    let disagree = sweep.findings.iter().filter(|f| f.disagrees).count();
    println!(
        "checked {}, free {}, substitution disagreeing with the exact verdict {}",
        sweep.checked,
        sweep
            .findings
            .iter()
            .filter(|f| f.verdict.is_free())
            .count(),
        disagree
    );
    for f in &sweep.findings {
        let occ = m.occurrences(f.var);
        let place = occ
            .first()
            .map_or("no constraint".to_string(), |o| section(o.0));
        println!(
            "\nw{} = {}  {:?}{}  in {place}\n{}",
            f.var,
            spotproof_circuits::gadgets::int(m.value(f.var)),
            f.verdict,
            if f.disagrees { "  DISAGREES" } else { "" },
            m.describe(f.var)
        );
    }
}
