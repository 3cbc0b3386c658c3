//! The R1CS-to-QAP reduction snarkjs uses, so that a key from a snarkjs ceremony
//! (`crate::ceremony`) and a key from our own `setup` prove with the same prover.
//!
//! ark-groth16's default (libsnark's) computes the coefficients of `h = (A·B − C)/Z` over a
//! multiplicative coset and keys `τ^i·Z(τ)/δ`. snarkjs keys the Lagrange basis of the domain of
//! size `2n` at its odd points, `L_{2i+1}(τ)/δ`, and the prover evaluates `A·B − C` at those
//! points, `ω_{2n}^{2i+1}`: since `A·B − C` vanishes on the even points (the `n`-domain), its
//! interpolation over the `2n` domain is `Σ_i (A·B − C)(ω_{2n}^{2i+1})·L_{2i+1}`, which is
//! `h·Z` at `τ`. Both give the same proof element; only the basis of the `H` query differs. The
//! instance map (the `A`, `B`, `C` queries, the public-input rows) is libsnark's in both.
//! Adapted from ark-circom's `CircomReduction` (arkworks-rs/circom-compat, MIT/Apache-2.0) for
//! arkworks 0.6.

use ark_ff::PrimeField;
use ark_groth16::r1cs_to_qap::{LibsnarkReduction, R1CSToQAP, evaluate_constraint};
use ark_poly::EvaluationDomain;
use ark_relations::gr1cs::{ConstraintSystemRef, Matrix, SynthesisError};
use rayon::prelude::*;

/// snarkjs's reduction (see the module documentation).
pub struct CircomReduction;

type R<T> = Result<T, SynthesisError>;

impl R1CSToQAP for CircomReduction {
    #[allow(clippy::type_complexity)]
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        cs: ConstraintSystemRef<F>,
        t: &F,
    ) -> R<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize)> {
        LibsnarkReduction::instance_map_with_evaluation::<F, D>(cs, t)
    }

    /// `(A·B − C)` at the odd points `ω_{2n}^{2i+1}`, `i < n`.
    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &[Matrix<F>],
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> R<Vec<F>> {
        let [ma, mb, ..] = matrices else {
            return Err(SynthesisError::MissingCS);
        };
        let domain =
            D::new(num_constraints + num_inputs).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let n = domain.size();
        let mut a = vec![F::zero(); n];
        let mut b = vec![F::zero(); n];
        a[..num_constraints]
            .par_iter_mut()
            .zip(b[..num_constraints].par_iter_mut())
            .zip(ma.par_iter().zip(mb.par_iter()))
            .for_each(|((a, b), (ra, rb))| {
                *a = evaluate_constraint(ra, full_assignment);
                *b = evaluate_constraint(rb, full_assignment);
            });
        // The public-input rows: A has the input, B and C nothing.
        a[num_constraints..num_constraints + num_inputs]
            .clone_from_slice(&full_assignment[..num_inputs]);
        let mut c = vec![F::zero(); n];
        c[..num_constraints]
            .par_iter_mut()
            .zip(a.par_iter().zip(b.par_iter()))
            .for_each(|(c, (a, b))| *c = *a * b);
        let odd = D::new(2 * n)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?
            .element(1);
        // Each of A, B, C: interpolate, then evaluate at ω_{2n}·ω_n^i.
        let to_odd = |v: &mut Vec<F>| {
            domain.ifft_in_place(v);
            D::distribute_powers_and_mul_by_const(v, odd, F::one());
            domain.fft_in_place(v);
        };
        to_odd(&mut a);
        to_odd(&mut b);
        to_odd(&mut c);
        let mut ab = domain.mul_polynomials_in_evaluation_domain(&a, &b);
        ab.par_iter_mut()
            .zip(c.par_iter())
            .for_each(|(x, c)| *x -= c);
        Ok(ab)
    }

    /// `L_{2i+1}(τ)/δ` over the domain of size `2n`, `i < n` (`max_power = n − 1`).
    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        max_power: usize,
        t: F,
        _zt: F,
        delta_inverse: F,
    ) -> R<Vec<F>> {
        let size = 2 * (max_power + 1);
        let mut powers = Vec::with_capacity(size);
        let mut p = delta_inverse;
        for _ in 0..size {
            powers.push(p);
            p *= t;
        }
        let domain = D::new(size).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        // The Lagrange basis at τ: the inverse transform of (τ^j)_j.
        domain.ifft_in_place(&mut powers);
        Ok(powers.into_iter().skip(1).step_by(2).collect())
    }
}
