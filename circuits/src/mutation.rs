//! Witness mutation, the under-constraint check auditors run on a circuit: take an honest,
//! satisfying witness, change one private variable `z_v ← z_v + δ` (`δ ≠ 0`) and see whether some
//! constraint notices. A variable that can change alone is free; it is either harmless (its value
//! reaches nothing) or a missing constraint.
//!
//! Only the constraints that contain `v` can change, and each is quadratic in `δ`: with
//! `a = ⟨A_i, z⟩`, `b = ⟨B_i, z⟩`, `c = ⟨C_i, z⟩` (honest, so `a·b = c`) and `v`'s coefficients
//! `α, β, γ` in row `i`,
//! `(a + αδ)(b + βδ) − (c + γδ) = δ·(L + αβ·δ)` with `L = αb + βa − γ`.
//! So for `δ ≠ 0` the row holds for every `δ` (`L = αβ = 0`), for none (`αβ = 0 ≠ L`), or for
//! the one `δ = −L/(αβ)` (a bit that flips). [`Mutation::verdict`] intersects these over `v`'s
//! rows, which decides every `δ` at once; [`Mutation::holds`] re-evaluates the rows for one
//! concrete `δ`, and [`Mutation::sweep`] runs both (a random `δ`, the boolean flip `z ← 1 − z`
//! and the exact verdict's own `δ`) and reports any disagreement.
//!
//! The matrices are the ones the proving key is made from (their digest is
//! [`crate::groth::matrices_digest`]'s), the witness the one `groth::prove` proves with.

use crate::class::Class;
use crate::gadgets::int;
use crate::groth::{ProveError, digest};
use crate::step::{StepCircuit, StepWitness};
use ark_bn254::Fr;
use ark_ff::{Field, One, UniformRand, Zero};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, Matrix, OptimizationGoal, R1CS_PREDICATE_LABEL,
    SynthesisError, SynthesisMode,
};
use rand::RngCore;

/// What `z_v ← z_v + δ`, for every `δ ≠ 0`, does to the constraints that contain `v`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Some constraint fails for every `δ ≠ 0`: the others determine `v`.
    Pinned,
    /// All of them still hold for exactly one `δ ≠ 0` (as a bit that is only range-checked can
    /// flip).
    OneOther(Fr),
    /// All of them hold for every `δ`: `v` is multiplied by zero wherever it appears.
    Any,
    /// `v` appears in no constraint.
    Unused,
}

impl Verdict {
    /// Whether `v` can change alone.
    pub fn is_free(&self) -> bool {
        !matches!(self, Verdict::Pinned)
    }
}

/// One variable of a sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The witness variable (its index among the witness variables).
    pub var: usize,
    /// The exact verdict.
    pub verdict: Verdict,
    /// Whether substituting `δ` (random, flip, the verdict's own) disagreed with the verdict.
    pub disagrees: bool,
}

/// A sweep's result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Variables checked.
    pub checked: usize,
    /// The free ones (verdict not [`Verdict::Pinned`]), and any whose substitutions disagreed
    /// with the verdict (never expected).
    pub findings: Vec<Finding>,
}

/// An honest witness synthesized into the class's constraint matrices, indexed by variable.
pub struct Mutation {
    /// `A`, `B`, `C`.
    matrices: Vec<Matrix<Fr>>,
    /// The full assignment `[1, instance…, witness…]`.
    z: Vec<Fr>,
    num_instance: usize,
    /// `⟨A_i, z⟩, ⟨B_i, z⟩, ⟨C_i, z⟩` per constraint.
    rows: Vec<[Fr; 3]>,
    /// Per column, where its occurrences start in `occ` (CSR; one more entry than columns).
    start: Vec<usize>,
    /// Occurrences sorted by column then row: (row, matrix, position in the row).
    occ: Vec<(u32, u8, u32)>,
    digest: String,
}

impl Mutation {
    /// Synthesizes `w` into `class`'s step circuit as the prover does and indexes it; the
    /// witness must satisfy the circuit.
    pub fn new(class: Class, w: &StepWitness) -> Result<Self, ProveError> {
        Self::of(StepCircuit {
            class,
            witness: Some(w.clone()),
        })
    }

    /// Synthesizes any circuit with its witness (matrices built, every linear combination
    /// inlined, as Groth16 sees it) and indexes it; the witness must satisfy the circuit.
    pub fn of(circuit: impl ConstraintSynthesizer<Fr>) -> Result<Self, ProveError> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Prove {
            construct_matrices: true,
            generate_lc_assignments: false,
        });
        circuit.generate_constraints(cs.clone())?;
        cs.finalize();
        if let Some(name) = cs.which_is_unsatisfied()? {
            return Err(ProveError::Unsatisfied(name));
        }
        let mut all = cs.to_matrices()?;
        let matrices = all
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or(SynthesisError::MissingCS)?;
        if !all.is_empty() || matrices.len() != 3 {
            // Only R1CS is expected; anything else would escape the sweep.
            return Err(SynthesisError::Unsatisfiable.into());
        }
        let num_instance = cs.num_instance_variables();
        let mut z = cs.instance_assignment()?;
        z.extend(cs.witness_assignment()?);
        let n = matrices[0].len();
        let digest = digest(num_instance, n, &matrices);
        let dot = |row: &[(Fr, usize)]| row.iter().map(|(k, col)| *k * z[*col]).sum::<Fr>();
        let rows: Vec<[Fr; 3]> = (0..n)
            .map(|i| [0, 1, 2].map(|m| dot(&matrices[m][i])))
            .collect();
        // The verdicts rest on every row holding on the matrices themselves.
        if let Some(i) = rows.iter().position(|[a, b, c]| *a * b != *c) {
            return Err(ProveError::Unsatisfied(format!("R1CS row {i}")));
        }
        let mut occ: Vec<(usize, u32, u8, u32)> = Vec::new();
        for (m, mat) in matrices.iter().enumerate() {
            for (i, row) in mat.iter().enumerate() {
                for (p, (_, col)) in row.iter().enumerate() {
                    occ.push((*col, i as u32, m as u8, p as u32));
                }
            }
        }
        occ.sort_unstable();
        let mut start = vec![0; z.len() + 1];
        for o in &occ {
            start[o.0 + 1] += 1;
        }
        for c in 0..z.len() {
            start[c + 1] += start[c];
        }
        Ok(Self {
            matrices,
            z,
            num_instance,
            rows,
            start,
            occ: occ.into_iter().map(|(_, i, m, p)| (i, m, p)).collect(),
            digest,
        })
    }

    /// Witness variables.
    pub fn witnesses(&self) -> usize {
        self.z.len() - self.num_instance
    }

    /// Constraints.
    pub fn constraints(&self) -> usize {
        self.rows.len()
    }

    /// Non-zero matrix entries (`A`, `B` and `C` together).
    pub fn entries(&self) -> usize {
        self.occ.len()
    }

    /// The matrices' digest ([`crate::groth::matrices_digest`]'s layout).
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Constraint `i`'s honest `⟨A_i, z⟩, ⟨B_i, z⟩, ⟨C_i, z⟩`.
    pub fn row(&self, i: usize) -> [Fr; 3] {
        self.rows[i]
    }

    /// Witness variable `v`'s honest value.
    pub fn value(&self, v: usize) -> Fr {
        self.z[self.num_instance + v]
    }

    /// `v`'s occurrences, grouped by constraint: (constraint, its coefficients in `A`, `B`, `C`).
    pub fn occurrences(&self, v: usize) -> Vec<(usize, [Fr; 3])> {
        let col = self.num_instance + v;
        let mut out: Vec<(usize, [Fr; 3])> = Vec::new();
        for &(i, m, p) in &self.occ[self.start[col]..self.start[col + 1]] {
            let k = self.matrices[m as usize][i as usize][p as usize].0;
            match out.last_mut() {
                Some((j, coeffs)) if *j == i as usize => coeffs[m as usize] += k,
                _ => {
                    let mut coeffs = [Fr::zero(); 3];
                    coeffs[m as usize] = k;
                    out.push((i as usize, coeffs));
                }
            }
        }
        out
    }

    /// The exact verdict on witness variable `v` (see the module comment).
    pub fn verdict(&self, v: usize) -> Verdict {
        let occ = self.occurrences(v);
        if occ.is_empty() {
            return Verdict::Unused;
        }
        let mut only: Option<Fr> = None;
        for (i, [alpha, beta, gamma]) in occ {
            let [a, b, _] = self.rows[i];
            let l = alpha * b + beta * a - gamma;
            let q = alpha * beta;
            if q.is_zero() {
                if !l.is_zero() {
                    return Verdict::Pinned;
                }
                continue;
            }
            let d = -l * q.inverse().unwrap_or_default();
            if d.is_zero() || only.is_some_and(|o| o != d) {
                return Verdict::Pinned;
            }
            only = Some(d);
        }
        only.map_or(Verdict::Any, Verdict::OneOther)
    }

    /// Whether every constraint containing `v` still holds with `z_v ← z_v + δ`, by evaluating
    /// those constraints on the mutated assignment.
    pub fn holds(&self, v: usize, delta: Fr) -> bool {
        let col = self.num_instance + v;
        let at = |c: usize| {
            if c == col {
                self.z[c] + delta
            } else {
                self.z[c]
            }
        };
        let dot = |row: &[(Fr, usize)]| row.iter().map(|(k, c)| *k * at(*c)).sum::<Fr>();
        self.occurrences(v).iter().all(|&(i, _)| {
            let [a, b, c] = [0, 1, 2].map(|m| dot(&self.matrices[m][i]));
            a * b == c
        })
    }

    /// Checks each of `vars`: the exact verdict, and substitution of a random `δ`, of the flip
    /// `δ = 1 − 2z_v` and of a [`Verdict::OneOther`]'s own `δ`. Reports the free variables and
    /// any disagreement.
    pub fn sweep(&self, vars: impl IntoIterator<Item = usize>, rng: &mut impl RngCore) -> Sweep {
        let mut out = Sweep::default();
        for v in vars {
            out.checked += 1;
            let verdict = self.verdict(v);
            let mut random = Fr::rand(rng);
            while random.is_zero() {
                random = Fr::rand(rng);
            }
            let flip = Fr::one() - self.value(v) - self.value(v);
            let expect = |d: Fr| match verdict {
                Verdict::Pinned => false,
                Verdict::OneOther(o) => o == d,
                Verdict::Any | Verdict::Unused => true,
            };
            let mut disagrees = self.holds(v, random) != expect(random);
            if !flip.is_zero() {
                disagrees |= self.holds(v, flip) != expect(flip);
            }
            if let Verdict::OneOther(d) = verdict {
                disagrees |= !self.holds(v, d);
            }
            if verdict.is_free() || disagrees {
                out.findings.push(Finding {
                    var: v,
                    verdict,
                    disagrees,
                });
            }
        }
        out
    }

    /// The constraints containing `v`, one per line, as `i: (A)·(B) = (C)` with witness
    /// variables `w…`, instances `x…` and small coefficients as integers.
    pub fn describe(&self, v: usize) -> String {
        let name = |c: usize| match c {
            0 => "1".to_string(),
            c if c < self.num_instance => format!("x{c}"),
            c => format!("w{}", c - self.num_instance),
        };
        let coeff = |k: Fr| {
            let n = int(k);
            if n.unsigned_abs() < 1 << 40 {
                n.to_string()
            } else {
                "K".to_string()
            }
        };
        let lc = |row: &[(Fr, usize)]| {
            if row.is_empty() {
                return "0".to_string();
            }
            let mut terms: Vec<String> = row
                .iter()
                .take(6)
                .map(|(k, c)| format!("{}·{}", coeff(*k), name(*c)))
                .collect();
            if row.len() > 6 {
                terms.push(format!("… {} terms", row.len()));
            }
            terms.join(" + ")
        };
        self.occurrences(v)
            .iter()
            .map(|&(i, _)| {
                let [a, b, c] = [0, 1, 2].map(|m| lc(&self.matrices[m][i]));
                let [va, vb, _] = self.rows[i].map(int);
                format!("{i}: ({a})·({b}) = ({c})   [A = {va}, B = {vb}]")
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}
