//! The step circuit: given the public trace root and challenge `worker + 2^160 · beacon` (which it
//! splits into a worker id below 2^160 and a beacon below 2^93), it rebuilds the trace root
//! from the (private) manifest, derives the seed and all `S` samples, opens each sampled op's rows
//! from the tensor roots, and recomputes each sampled element exactly as
//! `spotproof_core::check::verify_sample` does.
//!
//! The op table's kinds and wiring are fixed by the class's number of layers (`layout::layout` of
//! any model with that many layers); shapes, parameters, Merkle roots and the header are
//! witnesses bound by the trace root. Sample `j` checks op `j mod n_ops`, so each sample slot's
//! op kind is known when the circuit is built and only that kind's checks are synthesized.

use crate::class::Class;
use crate::gadgets::*;
pub use crate::open::RowWitness;
use crate::open::{Ctx, missing};
use crate::ops::{Index, SampleCx, Shared, gadget, openings_of};
use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use ark_r1cs_std::GR1CSVar;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, SynthesisError};
use spotproof_core::commit::{self, DType};
use spotproof_core::domain;
use spotproof_core::layout;
use spotproof_core::layout::{Layout, Role, TraceKind};
use spotproof_core::ops::OpKind;
use spotproof_core::sampling;
use spotproof_core::trace::{self, StepHeader};

/// Everything the prover knows: the public inputs and the private manifest and openings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepWitness {
    /// Public: the trace root.
    pub root: Fr,
    /// The beacon (below 2^93), public through the challenge `worker + 2^160 · beacon`.
    pub beacon: Fr,
    /// The worker id (an address, below 2^160), public through the challenge.
    pub worker: Fr,
    /// The header (its `worker` must be the public one).
    pub header: StepHeader,
    /// Per tensor slot: rows, cols, Merkle root.
    pub shapes: Vec<(usize, usize, Fr)>,
    /// Per op: its parameters.
    pub params: Vec<[i64; 4]>,
    /// Per sample: its block's openings in the circuit's order (`step_witness`).
    pub openings: Vec<Vec<RowWitness>>,
}

/// The op table and tensor table every model of `layers` layers has (shapes aside).
pub fn template(layers: usize) -> Layout {
    layout::template(layers)
}

/// The circuit of one class; `witness` is `None` for the setup.
pub struct StepCircuit {
    /// The class.
    pub class: Class,
    /// The witness (proving) or nothing (setup).
    pub witness: Option<StepWitness>,
}

impl ConstraintSynthesizer<Fr> for StepCircuit {
    fn generate_constraints(self, cs: Cs) -> R<()> {
        self.synthesize(cs, &mut |_, _| {})
    }
}

/// Where a class's constraints go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// All constraints.
    pub constraints: usize,
    /// Witness variables.
    pub witnesses: usize,
    /// Public inputs.
    pub public_inputs: usize,
    /// Constraints before the first sample (manifest, trace root, seed, per-op parameters).
    pub fixed: usize,
    /// Per sample: its op kind and its constraints.
    pub samples: Vec<(OpKind, usize)>,
}

/// Synthesizes a class without a witness and counts its constraints.
pub fn profile(class: Class) -> R<Profile> {
    let cs = ark_relations::gr1cs::ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(ark_relations::gr1cs::SynthesisMode::Setup);
    let mut marks = Vec::new();
    StepCircuit {
        class,
        witness: None,
    }
    .synthesize(cs.clone(), &mut |kind, n| marks.push((kind, n)))?;
    let total = cs.num_constraints();
    let mut samples = Vec::new();
    for (k, &(kind, start)) in marks.iter().enumerate() {
        let end = marks.get(k + 1).map_or(total, |m| m.1);
        samples.push((kind, end - start));
    }
    Ok(Profile {
        constraints: total,
        witnesses: cs.num_witness_variables(),
        public_inputs: cs.num_instance_variables() - 1,
        fixed: marks.first().map_or(total, |m| m.1),
        samples,
    })
}

impl StepCircuit {
    /// The constraints; `mark(kind, constraints so far)` is called at the start of each sample.
    fn synthesize(self, cs: Cs, mark: &mut dyn FnMut(OpKind, usize)) -> R<()> {
        let class = self.class;
        let w = self.witness.as_ref();
        let lay = class.template();
        let public = |f: fn(&StepWitness) -> Fr| {
            FpVar::new_input(cs.clone(), || w.map(f).ok_or_else(missing))
        };
        let root = public(|w| w.root)?;
        let challenge =
            public(|w| sampling::challenge(w.beacon, w.worker).unwrap_or_else(|| -Fr::one()))?;
        // challenge = worker + 2^160 · beacon with worker < 2^160 and beacon < 2^93.
        let worker = witness(&cs, || w.map(|w| w.worker).ok_or_else(missing))?;
        let beacon = witness(&cs, || w.map(|w| w.beacon).ok_or_else(missing))?;
        bits(&cs, &worker, sampling::WORKER_BITS as usize)?;
        bits(&cs, &beacon, sampling::BEACON_BITS as usize)?;
        let shift = Fr::from(2u64).pow([u64::from(sampling::WORKER_BITS)]);
        lin([(Fr::one(), worker.clone()), (shift, beacon.clone())]).enforce_equal(&challenge)?;
        if let Some(w) = w
            && (w.shapes.len() != lay.headers.len()
                || w.params.len() != lay.ops.len()
                || w.openings.len() != class.samples)
        {
            return Err(SynthesisError::Unsatisfiable);
        }
        let header =
            |f: fn(&StepHeader) -> Fr| witness(&cs, || w.map(|w| f(&w.header)).ok_or_else(missing));
        let arch = header(|h| h.arch_id)?;
        let step = header(|h| Fr::from(h.step))?;
        let prev = header(|h| h.prev_root)?;
        let dataset_root = header(|h| h.dataset_root)?;
        let data_seed = header(|h| Fr::from(h.data_seed))?;
        bits(&cs, &step, 64)?;
        bits(&cs, &data_seed, 64)?;
        let header_digest = hash(&[
            cst(domain::DOMAIN_HEADER as i64),
            arch,
            step.clone(),
            prev,
            dataset_root.clone(),
            data_seed.clone(),
            worker,
        ])?;
        let mut ctx = Ctx {
            cs: cs.clone(),
            class,
            shapes: w.map(|w| &w.shapes[..]),
            tensors: Vec::new(),
            roles: lay.roles.clone(),
        };
        let mut leaves = vec![header_digest];
        for (slot, h) in lay.headers.iter().enumerate() {
            let t = ctx.tensor(slot, h.dtype)?;
            let r = hash(&[
                cst(domain::DOMAIN_TENSOR as i64),
                cst(h.tag as i64),
                cst(h.dtype as i64),
                t.rows.clone(),
                t.cols.clone(),
                t.merkle_root.clone(),
            ])?;
            if slot == 0 {
                r.enforce_equal(&dataset_root)?;
            }
            leaves.push(r);
            ctx.tensors.push(t);
        }
        let mut params = Vec::new();
        for (o, op) in lay.ops.iter().enumerate() {
            let p: Vec<Fp> = (0..4)
                .map(|k| witness(&cs, || Ok(fr(w.ok_or_else(missing)?.params[o][k].into()))))
                .collect::<R<_>>()?;
            let slot = |v: &Vec<usize>, i: usize| {
                cst(v.get(i).map_or(layout::NO_TENSOR, |&t| t as u64) as i64)
            };
            let mut x = vec![cst(domain::DOMAIN_OP as i64), cst(op.kind as i64)];
            x.extend(p.iter().cloned());
            x.extend((0..3).map(|i| slot(&op.inputs, i)));
            x.extend((0..2).map(|i| slot(&op.outputs, i)));
            leaves.push(hash(&x)?);
            params.push(p);
        }
        // The trace tree (its shape is fixed by the class).
        let pad = FpVar::Constant(commit::hash(&[commit::fe(domain::DOMAIN_PAD)]));
        let mut level: Vec<Fp> = leaves
            .iter()
            .map(|x| hash(&[cst(domain::DOMAIN_TRACE_LEAF as i64), x.clone()]))
            .collect::<R<_>>()?;
        level.resize(level.len().next_power_of_two().max(2), pad);
        while level.len() > 1 {
            level = level
                .chunks(2)
                .map(|p| hash(&[p[0].clone(), p[1].clone()]))
                .collect::<R<_>>()?;
        }
        level[0].enforce_equal(&root)?;

        // Per-op parameters that the sampled kinds use, computed once.
        let eight = Shift::new(&cs, &cst(8))?;
        let shifts: Vec<Option<Shift>> = lay
            .ops
            .iter()
            .zip(&params)
            .map(|(op, p)| {
                if gadget(op.kind).rounds() {
                    Shift::new(&cs, &p[0]).map(Some)
                } else {
                    Ok(None)
                }
            })
            .collect::<R<_>>()?;
        let mut shared = Shared {
            eight,
            gather_shifts: None,
            label_col: None,
            data_seed: data_seed.clone(),
            step: step.clone(),
            model_rows: Default::default(),
        };
        for (op, p) in lay.ops.iter().zip(&params) {
            gadget(op.kind).params(&cs, p, &mut shared)?;
        }
        shared.label_col = Some({
            let ds = &ctx.tensors[0];
            ctx.column(&(&ds.cols - Fp::one()), 0, DType::U8)?
        });

        let seed = hash(&[cst(domain::DOMAIN_SEED as i64), root.clone(), beacon])?;
        let d = class.depth();
        let n_ops = lay.ops.len();
        for j in 0..class.samples {
            let o = j % n_ops;
            let op = &lay.ops[o];
            mark(op.kind, cs.num_constraints());
            let (br, bc) = class.circuit_block(op.kind, lay.roles[op.outputs[0]]);
            let ot = &ctx.tensors[op.outputs[0]];
            // The cell: reduce(hash(9, seed, j), nr·nc) with nr = ⌈rows/R⌉, nc = ⌈cols/C⌉, then
            // (p, q) = divmod by nc.
            let nr = ceil_div(&cs, &ot.rows, br, d)?;
            let nc = ceil_div(&cs, &ot.cols, bc, d)?;
            let cells = witness(&cs, || Ok(nr.value()? * nc.value()?))?;
            enforce_mul(&nr, &nc, &cells)?;
            let draw = sampling::draw(class.kind == TraceKind::Infer, j as u64, n_ops as u64);
            let hj = hash(&[
                cst(domain::DOMAIN_SAMPLE as i64),
                seed.clone(),
                cst(draw as i64),
            ])?;
            let (e, _) = reduce(&cs, &hj, &cells, 2 * d + 1)?;
            let pq = || -> R<(u64, u64)> {
                let (e, c) = (int(e.value()?) as u64, (int(nc.value()?) as u64).max(1));
                Ok((e / c, e % c))
            };
            let p = witness(&cs, || Ok(Fr::from(pq()?.0)))?;
            let q = witness(&cs, || Ok(Fr::from(pq()?.1)))?;
            if class.kind == TraceKind::Infer {
                // Inference blocks span the output's columns: every sample reads the same model
                // rows (`SampleCx::open`).
                q.enforce_equal(&Fp::zero())?;
            }
            // Blocks are aligned subtrees: p < 2^(d − lg R), q < 2^(d − lg C).
            let lg = |n: usize| n.trailing_zeros() as usize;
            let p_bits = bits(&cs, &p, d.saturating_sub(lg(br)))?;
            let q_bits = bits(&cs, &q, d.saturating_sub(lg(bc)))?;
            bits(&cs, &(&nc - Fp::one() - &q), d + 1)?;
            enforce_mul(&p, &nc, &(&e - &q))?;
            let rows = block_indices(&cs, &p, &nr, &ot.rows, br, d)?;
            let cols = block_indices(&cs, &q, &nc, &ot.cols, bc, d)?;
            let mut act = Vec::with_capacity(br * bc);
            for r in &rows {
                for c in &cols {
                    let a = witness(&cs, || Ok(r.active.value()? * c.active.value()?))?;
                    enforce_mul(&r.active, &c.active, &a)?;
                    act.push(a);
                }
            }
            let g = gadget(op.kind);
            g.sample(&SampleCx {
                ctx: &ctx,
                shared: &shared,
                op,
                params: &params[o],
                shift: shifts[o].as_ref(),
                rows: &rows,
                cols: &cols,
                p: &p,
                q: &q,
                p_bits: &p_bits,
                q_bits: &q_bits,
                p_hot: std::cell::OnceCell::new(),
                q_hot: std::cell::OnceCell::new(),
                width: class.max_row() + 1,
                act: &act,
                openings: match w {
                    None => None,
                    Some(w) => Some(w.openings.get(j).ok_or(SynthesisError::Unsatisfiable)?),
                },
                plan: g.plan(),
            })?;
        }
        Ok(())
    }
}

/// `⌈x / size⌉` for `1 ≤ x ≤ 2^d`: `n` with `0 ≤ size·n − x < size`.
fn ceil_div(cs: &Cs, x: &Fp, size: usize, d: usize) -> R<Fp> {
    let s = size as u64;
    let n = witness(cs, || Ok(Fr::from((int(x.value()?) as u64).div_ceil(s))))?;
    let slack = &n * Fr::from(s) - x;
    range_below(cs, &slack, s, d)?;
    Ok(n)
}

/// `0 ≤ x < bound` for a constant `bound ≤ 2^(d+1)`: `x` and `bound − 1 − x` both fit `d + 1` bits.
fn range_below(cs: &Cs, x: &Fp, bound: u64, d: usize) -> R<()> {
    if bound == 1 {
        return x.enforce_equal(&Fp::zero());
    }
    bits(cs, x, d + 1)?;
    bits(cs, &(cst(bound as i64 - 1) - x), d + 1).map(|_| ())
}

/// The `size` indices `size·b + t` of block `b` (of `n` along an output dimension `len`): each
/// active iff inside the output. The active ones are a prefix of `min(size, len − size·b)`
/// indices (all of them unless `b` is the last block).
fn block_indices(cs: &Cs, b: &Fp, n: &Fp, len: &Fp, size: usize, d: usize) -> R<Vec<Index>> {
    let start = b * Fr::from(size as u64);
    let left = len - &start;
    // full = [left ≥ size]: then left − size ≥ 0, else size − 1 − left ≥ 0 (both below 2^(d+1)).
    let full = witness(cs, || {
        Ok(Fr::from(u64::from(int(left.value()?) >= size as i128)))
    })?;
    enforce_mul(&full, &(&full - Fp::one()), &Fp::zero())?;
    let over = &left - cst(size as i64);
    let under = cst(size as i64 - 1) - &left;
    bits(cs, &pick(cs, &full, &over, &under)?, d + 1)?;
    // The block exists: b < n.
    bits(cs, &(n - Fp::one() - b), d + 1)?;
    let count = pick(cs, &full, &cst(size as i64), &left)?;
    let mask = prefix_mask(cs, &count, size)?;
    mask.into_iter()
        .enumerate()
        .map(|(t, active)| {
            Ok(Index {
                value: &start + cst(t as i64),
                active,
            })
        })
        .collect()
}

/// Builds the witness of `class` for a committed step and a beacon: the manifest, and for each
/// of the `S` samples the beacon selects its block's openings in the circuit's order: plan entry
/// by plan entry, one per block row (rows `i`, batch rows) or block column (rows `j`); an index
/// outside the output gets an empty opening, which the circuit does not bind.
pub fn step_witness(
    class: Class,
    t: &trace::Trace,
    beacon: Fr,
) -> Result<StepWitness, spotproof_core::CoreError> {
    use spotproof_core::ops::sampled::{Operand, RowOf};
    if sampling::challenge(beacon, t.header.worker).is_none() {
        return Err(spotproof_core::CoreError::ChallengeRange);
    }
    let samples = t.samples(beacon, &class.sampling());
    let roles = class.template().roles;
    let malformed = |op: usize| spotproof_core::CoreError::MalformedOp {
        op,
        reason: "its rows cannot be planned",
    };
    let mut openings = Vec::with_capacity(samples.len());
    for s in &samples {
        let op = t.ops.get(s.op).ok_or_else(|| malformed(s.op))?;
        let out = op.outputs.first().ok_or_else(|| malformed(s.op))?;
        let (rows, cols) = (t.tensors[*out].header.rows, t.tensors[*out].header.cols);
        let nc = sampling::grid(rows, cols, s.rows, s.cols).1.max(1);
        // The circuit's block width (the same cells: an inference block spans the output).
        let (_, block_cols) = class.circuit_block(op.kind, roles[*out]);
        let (p, q) = ((s.cell / nc) as usize, (s.cell % nc) as usize);
        let mut sample = Vec::new();
        for &(operand, row_of) in spotproof_core::ops::sampled_op(op.kind).plan() {
            let slot = match operand {
                Operand::Input(k) => op.inputs.get(k),
                Operand::Output(k) => op.outputs.get(k),
            }
            .copied()
            .ok_or_else(|| malformed(s.op))?;
            let c = t.tensors.get(slot).ok_or_else(|| malformed(s.op))?;
            for n in 0..openings_of(row_of, s.rows, block_cols) {
                let at = match row_of {
                    RowOf::I => (s.rows * p + n < rows).then_some(s.rows * p + n),
                    RowOf::J => (s.cols * q + n < cols).then_some(s.cols * q + n),
                    RowOf::Batch if class.kind == TraceKind::Infer => {
                        (s.rows * p + n < rows).then_some(s.rows * p + n)
                    }
                    RowOf::Batch => (s.rows * p + n < rows).then(|| {
                        sampling::batch_row(
                            t.header.data_seed,
                            t.header.step,
                            (s.rows * p + n) as u64,
                            c.header.rows as u64,
                        ) as usize
                    }),
                };
                let Some(r) = at else {
                    sample.push(RowWitness {
                        values: Vec::new(),
                        siblings: Vec::new(),
                    });
                    continue;
                };
                let path = c.open_row(r)?;
                let depth = match roles.get(slot).ok_or_else(|| malformed(s.op))? {
                    Role::Dataset => class.dataset_depth,
                    role => class.tree_depth(*role),
                };
                let mut siblings = vec![path.leaf_sibling_hash];
                siblings.extend(path.auth_path.iter().rev().copied());
                siblings.resize(depth.max(siblings.len()), Fr::zero());
                sample.push(RowWitness {
                    values: c.row(r)?.to_vec(),
                    siblings,
                });
            }
        }
        openings.push(sample);
    }
    Ok(StepWitness {
        root: t.root,
        beacon,
        worker: t.header.worker,
        header: t.header,
        shapes: t
            .tensors
            .iter()
            .map(|c| (c.header.rows, c.header.cols, c.merkle_root))
            .collect(),
        params: t.ops.iter().map(|o| o.params).collect(),
        openings,
    })
}
