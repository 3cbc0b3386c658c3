//! Witness mutation of the step circuit, the under-constraint check: in an honest step of the
//! smallest class, changing any one private variable breaks some constraint, but for the
//! documented harmless ones. First, on a toy circuit, that the sweep finds each kind of freedom.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ark_ff::{One, Zero};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use rand::SeedableRng;
use spotproof_circuits::Class;
use spotproof_circuits::fixture::small_run;
use spotproof_circuits::gadgets::{bit, bits, cst, is_zero, witness};
use spotproof_circuits::mutation::{Finding, Mutation, Verdict};
use spotproof_circuits::step_witness;
use spotproof_core::commit::Fr;

/// w0: a bit that is only range-checked; w1: allocated, never constrained; w2 (x = 0), w3 (z),
/// w4 (inv): `is_zero(x)`; w5..: `bits(5, 3)`, all pinned.
struct Toy;

impl ConstraintSynthesizer<Fr> for Toy {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let _ = bit(&cs, &cst(1), || Ok(true))?;
        let _ = witness(&cs, || Ok(Fr::from(9u64)))?;
        let _ = is_zero(&cs, &witness(&cs, || Ok(Fr::zero()))?)?;
        bits(&cs, &witness(&cs, || Ok(Fr::from(5u64)))?, 3)?;
        Ok(())
    }
}

#[test]
fn the_sweep_finds_each_kind_of_free_variable() {
    let m = Mutation::of(Toy).unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let s = m.sweep(0..m.witnesses(), &mut rng);
    let found: Vec<(usize, Verdict)> = s.findings.iter().map(|f| (f.var, f.verdict)).collect();
    // The bit may flip (δ = −1); w1 is in no constraint; is_zero's inverse multiplies a zero.
    assert_eq!(
        found,
        [
            (0, Verdict::OneOther(-Fr::one())),
            (1, Verdict::Unused),
            (4, Verdict::Any)
        ]
    );
    assert!(s.findings.iter().all(|f| !f.disagrees));
    assert_eq!(s.checked, m.witnesses());
}

/// `gadgets::is_zero`'s inverse where `x = 0` (see the comment there): it occurs in one
/// constraint, `x·inv = 1 − z`, only as a factor whose cofactor `x` is zero.
fn is_zero_inverse_at_zero(m: &Mutation, f: &Finding) -> bool {
    let occ = m.occurrences(f.var);
    let [(i, [a, b, c])] = occ[..] else {
        return false;
    };
    f.verdict == Verdict::Any && a.is_zero() && !b.is_zero() && c.is_zero() && m.row(i)[0].is_zero()
}

#[test]
fn every_private_variable_of_the_step_circuit_is_pinned_but_a_harmless_one() {
    let class = Class::by_name("mlp2-s18-r32").unwrap();
    let run = small_run(1, Fr::from(0xabcdu64)).unwrap();
    // Beacon 27 samples an output_error block of two rows, each holding its label's class:
    // is_zero(0) there, once per row.
    let w = step_witness(class, &run.traces[0], Fr::from(27u64)).unwrap();
    let m = Mutation::new(class, &w).unwrap();
    // These are the keyed matrices: the ones vectors/constraints.csv pins.
    let csv = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/constraints.csv"),
    )
    .unwrap();
    let row = csv
        .lines()
        .find(|l| l.starts_with(&format!("class,{},", class.name)))
        .unwrap();
    assert_eq!(Some(m.digest()), row.split(',').next_back());
    // Every variable (the exact verdict is linear in the matrix entries, a second or so), each
    // also substituted with a random δ and the boolean flip.
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(13);
    let s = m.sweep(0..m.witnesses(), &mut rng);
    assert_eq!(s.checked, m.witnesses());
    for f in &s.findings {
        assert!(
            !f.disagrees && is_zero_inverse_at_zero(&m, f),
            "w{} is free ({:?}):\n{}",
            f.var,
            f.verdict,
            m.describe(f.var)
        );
    }
    assert_eq!(s.findings.len(), 2);
}
