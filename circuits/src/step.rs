//! The step circuit: given the public trace root and challenge `worker + 2^160 · beacon` (which it
//! splits into a worker id below 2^160 and a beacon below 2^93), it rebuilds the trace root
//! from the (private) manifest, derives the seed and all `S` samples, opens each sampled op's rows
//! from the tensor roots, and recomputes each sampled element exactly as
//! `spotproof_core::check::verify_sample` does.
//!
//! The op table's kinds and wiring are fixed by the class's number of layers (`trace::layout` of
//! any model with that many layers); shapes, parameters, Merkle roots and the header are
//! witnesses bound by the trace root. Sample `j` checks op `j mod n_ops`, so each sample slot's
//! op kind is known when the circuit is built and only that kind's checks are synthesized.

use crate::class::Class;
use crate::gadgets::*;
use ark_bn254::Fr;
use ark_ff::{Field, One, Zero};
use ark_r1cs_std::GR1CSVar;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::FieldVar;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::{ConstraintSynthesizer, SynthesisError};
use spotproof_core::commit::{self, DType, TensorHeader};
use spotproof_core::model::{Hyper, ModelConfig};
use spotproof_core::ops::InputScale;
use spotproof_core::ops::OpKind;
use spotproof_core::trace::{self, Layout, Role, StepHeader};

/// One opened row: its values and its Merkle siblings from the leaf up (padded with zeros to
/// the class's tree height).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowWitness {
    /// The row's values.
    pub values: Vec<i64>,
    /// Sibling digests, bottom-up.
    pub siblings: Vec<Fr>,
}

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
    /// Per sample: the rows `check::rows_needed` lists, in that order.
    pub openings: Vec<Vec<RowWitness>>,
}

/// The op table and tensor table every model of `layers` layers has (shapes aside).
pub fn template(layers: usize) -> Layout {
    let cfg = ModelConfig {
        widths: vec![1; layers + 1],
        batch: 1,
        hyper: Hyper::default(),
        input_scale: InputScale { shl: 0, shr: 0 },
    };
    let ds = TensorHeader {
        tag: trace::Role::Dataset.tag(),
        dtype: DType::U8,
        rows: 1,
        cols: 2,
    };
    trace::layout(&cfg, ds, 0, 0)
}

/// The circuit of one class; `witness` is `None` for the setup.
pub struct StepCircuit {
    /// The class.
    pub class: Class,
    /// The witness (proving) or nothing (setup).
    pub witness: Option<StepWitness>,
}

/// A tensor slot's shape-derived quantities, computed once.
struct TensorVar {
    dtype: DType,
    rows: Fp,
    cols: Fp,
    merkle_root: Fp,
    /// `[k < cols]` for every column `k < max_cols`.
    col_active: Vec<Fp>,
    /// `[c ≥ chunks]` for every chunk `c`.
    beyond: Vec<Fp>,
    /// One-hot: the row digest takes `p + 1` permutations.
    perms: Vec<Fp>,
    /// `[k < height]` for every tree level.
    levels: Vec<Fp>,
}

/// A column index in the chunk/position form of one dtype.
struct Col {
    chunk: Vec<Fp>,
    pos: Vec<Fp>,
}

/// An opened row: its chunks (and its offset-binary values when opened whole).
struct Opened {
    chunks: Vec<Fp>,
    values: Vec<Fp>,
}

fn missing() -> SynthesisError {
    SynthesisError::AssignmentMissing
}

struct Ctx<'a> {
    cs: Cs,
    class: Class,
    w: Option<&'a StepWitness>,
    tensors: Vec<TensorVar>,
    /// Slots whose rows some sampled op opens whole (dot products and sums).
    whole: Vec<usize>,
    /// Each slot's role.
    roles: Vec<Role>,
}

impl Ctx<'_> {
    /// The longest row a slot can have: one value for labels, biases and bias gradients (every
    /// layout has them `×1`), a feature row and its label for the dataset, `max_row` otherwise.
    fn max_cols(&self, slot: usize) -> usize {
        match self.roles[slot] {
            Role::Labels | Role::Bias(_) | Role::BiasGrad(_) => 1,
            Role::Dataset => self.class.max_row + 1,
            _ => self.class.max_row,
        }
    }

    fn depth(&self, slot: usize) -> usize {
        if slot == 0 {
            self.class.dataset_depth
        } else {
            self.class.depth()
        }
    }

    fn tensor(&self, slot: usize, dtype: DType) -> R<TensorVar> {
        let cs = &self.cs;
        let shape = || self.w.and_then(|w| w.shapes.get(slot)).ok_or_else(missing);
        let rows = witness(cs, || Ok(Fr::from(shape()?.0 as u64)))?;
        let cols = witness(cs, || Ok(Fr::from(shape()?.1 as u64)))?;
        let merkle_root = witness(cs, || Ok(shape()?.2))?;
        let max_cols = self.max_cols(slot);
        let per = dtype.per_element();
        let m_max = dtype.packed_len(max_cols);
        // Chunks per row m: a prefix mask over the chunks, with (m − 1)·per < cols ≤ m·per.
        let m = witness(cs, || Ok(Fr::from(shape()?.1.div_ceil(per) as u64)))?;
        let chunk_active = prefix_mask(cs, &m, m_max)?;
        let lg = (per as u64).next_power_of_two().trailing_zeros() as usize + 1;
        bits(cs, &(&m * Fr::from(per as u64) - &cols), lg)?;
        bits(
            cs,
            &(&cols - Fp::one() - (&m - Fp::one()) * Fr::from(per as u64)),
            lg + 1,
        )?;
        bits(cs, &(&m - Fp::one()), lg + 8)?;
        let beyond = chunk_active.iter().map(|a| Fp::one() - a).collect();
        // The digest takes ⌈(m+1)/2⌉ permutations: p + 1 of them iff m ∈ {2p, 2p+1}.
        let at_least = |c: i64| -> Fp {
            if c < 1 {
                Fp::one()
            } else {
                chunk_active
                    .get(c as usize - 1)
                    .cloned()
                    .unwrap_or_else(Fp::zero)
            }
        };
        let perms = (0..(m_max + 1).div_ceil(2) as i64)
            .map(|p| at_least(2 * p) - at_least(2 * p + 2))
            .collect();
        // Per-column mask, for the rows opened whole.
        let col_active = if self.whole.contains(&slot) {
            prefix_mask(cs, &cols, max_cols)?
        } else {
            Vec::new()
        };
        // Tree height h ≥ 1 as a prefix mask over the levels: 2^h = 1 + Σ_{k<h} 2^k, and
        // 2^(h−1) < rows ≤ 2^h (rows ∈ {1, 2} when h = 1).
        let depth = self.depth(slot);
        let levels = prefix_mask(
            cs,
            &witness(cs, || {
                Ok(Fr::from(commit::tree_path_len(shape()?.0) as u64 + 1))
            })?,
            depth,
        )?;
        levels[0].enforce_equal(&Fp::one())?;
        let top = lin(levels
            .iter()
            .enumerate()
            .map(|(k, l)| (Fr::from(1u64 << k), l.clone())))
            + Fp::one();
        let half = &top * Fr::from(2u64).inverse().unwrap_or_default();
        let h_is_1 = &levels[0] - levels.get(1).cloned().unwrap_or_else(Fp::zero);
        bits(cs, &(&top - &rows), depth + 1)?;
        bits(cs, &(&rows - Fp::one() - half + h_is_1), depth + 1)?;
        Ok(TensorVar {
            dtype,
            rows,
            cols,
            merkle_root,
            col_active,
            beyond,
            perms,
            levels,
        })
    }

    /// The column `x` (`< max_cols` of `slot`) in chunk/position form for `dtype`.
    fn column(&self, x: &Fp, slot: usize, dtype: DType) -> R<Col> {
        let per = dtype.per_element();
        let m = dtype.packed_len(self.max_cols(slot));
        let v = || x.value().map(int);
        let c = witness(&self.cs, || Ok(Fr::from((v()? / per as i128) as u64)))?;
        let p = witness(&self.cs, || Ok(Fr::from((v()? % per as i128) as u64)))?;
        let chunk = one_hot(&self.cs, &c, m)?;
        let pos = one_hot(&self.cs, &p, per)?;
        (c * Fr::from(per as u64) + p).enforce_equal(x)?;
        Ok(Col { chunk, pos })
    }

    /// Opens row `row` (its bits) of `slot` from the tensor's Merkle root: whole (every value
    /// range-checked, padding zero) or as chunks.
    fn open(&self, slot: usize, row: &[Fp], w: Option<&RowWitness>, whole: bool) -> R<Opened> {
        let cs = &self.cs;
        let t = &self.tensors[slot];
        let (chunks, values) = if whole {
            unpack_row(cs, t.dtype, w.map(|w| &w.values[..]), &t.col_active)?
        } else {
            let packed = || -> R<Vec<Fr>> {
                let w = w.ok_or_else(missing)?;
                commit::pack_row(t.dtype, &w.values).map_err(|_| SynthesisError::Unsatisfiable)
            };
            let packed = if w.is_some() { Some(packed()?) } else { None };
            let mut chunks = Vec::with_capacity(t.beyond.len());
            for (c, b) in t.beyond.iter().enumerate() {
                let x = witness(cs, || {
                    Ok(packed
                        .as_ref()
                        .ok_or_else(missing)?
                        .get(c)
                        .copied()
                        .unwrap_or_default())
                })?;
                enforce_mul(&x, b, &Fp::zero())?;
                chunks.push(x);
            }
            (chunks, Vec::new())
        };
        let leaf = row_digest(&chunks, &t.perms)?;
        let depth = t.levels.len();
        let mut sib = Vec::with_capacity(depth);
        for k in 0..depth {
            sib.push(witness(cs, || {
                Ok(w.ok_or_else(missing)?
                    .siblings
                    .get(k)
                    .copied()
                    .unwrap_or_default())
            })?);
        }
        merkle_root(cs, leaf, &row[..depth], &sib, &t.levels)?.enforce_equal(&t.merkle_root)?;
        Ok(Opened { chunks, values })
    }

    /// The value at column `col` of an opened row.
    fn scalar(&self, slot: usize, o: &Opened, col: &Col) -> R<Fp> {
        let dtype = self.tensors[slot].dtype;
        let chunk = select(&col.chunk, &o.chunks)?;
        let us = unpack_chunk(&self.cs, dtype, &chunk)?;
        Ok(select(&col.pos, &us)? - cst(dtype.offset()))
    }
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
        let lay = template(class.layers);
        let public = |f: fn(&StepWitness) -> Fr| {
            FpVar::new_input(cs.clone(), || w.map(f).ok_or_else(missing))
        };
        let root = public(|w| w.root)?;
        let challenge =
            public(|w| trace::challenge(w.beacon, w.worker).unwrap_or_else(|| -Fr::one()))?;
        // challenge = worker + 2^160 · beacon with worker < 2^160 and beacon < 2^93.
        let worker = witness(&cs, || w.map(|w| w.worker).ok_or_else(missing))?;
        let beacon = witness(&cs, || w.map(|w| w.beacon).ok_or_else(missing))?;
        bits(&cs, &worker, trace::WORKER_BITS as usize)?;
        bits(&cs, &beacon, trace::BEACON_BITS as usize)?;
        let shift = Fr::from(2u64).pow([u64::from(trace::WORKER_BITS)]);
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
            cst(trace::DOMAIN_HEADER as i64),
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
            w,
            tensors: Vec::new(),
            roles: lay.roles.clone(),
            whole: lay
                .ops
                .iter()
                .flat_map(|op| match op.kind {
                    OpKind::LinearForward | OpKind::LinearBackwardInput | OpKind::WeightGrad => {
                        op.inputs[..2].to_vec()
                    }
                    OpKind::BiasGrad => op.inputs[..1].to_vec(),
                    _ => Vec::new(),
                })
                .collect(),
        };
        let mut leaves = vec![header_digest];
        for (slot, h) in lay.headers.iter().enumerate() {
            let t = ctx.tensor(slot, h.dtype)?;
            let r = hash(&[
                cst(commit::DOMAIN_TENSOR as i64),
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
                cst(v.get(i).map_or(trace::NO_TENSOR, |&t| t as u64) as i64)
            };
            let mut x = vec![cst(trace::DOMAIN_OP as i64), cst(op.kind as i64)];
            x.extend(p.iter().cloned());
            x.extend((0..3).map(|i| slot(&op.inputs, i)));
            x.extend((0..2).map(|i| slot(&op.outputs, i)));
            leaves.push(hash(&x)?);
            params.push(p);
        }
        // The trace tree (its shape is fixed by the class).
        let pad = FpVar::Constant(commit::hash(&[commit::fe(commit::DOMAIN_PAD)]));
        let mut level: Vec<Fp> = leaves
            .iter()
            .map(|x| hash(&[cst(trace::DOMAIN_TRACE_LEAF as i64), x.clone()]))
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
            .map(|(op, p)| match op.kind {
                OpKind::LinearForward
                | OpKind::LinearBackwardInput
                | OpKind::SgdUpdate
                | OpKind::BiasUpdate => Shift::new(&cs, &p[0]).map(Some),
                _ => Ok(None),
            })
            .collect::<R<_>>()?;
        let mut gather_shifts = None;
        for (op, p) in lay.ops.iter().zip(&params) {
            match op.kind {
                OpKind::Gather => {
                    gather_shifts = Some((Shift::new(&cs, &p[0])?, Shift::new(&cs, &p[1])?));
                }
                OpKind::LinearForward | OpKind::OutputError => {
                    let k = if op.kind == OpKind::LinearForward {
                        1
                    } else {
                        0
                    };
                    bits(&cs, &(&p[k] + cst(128)), 8)?;
                }
                _ => {}
            }
        }
        let label_col = {
            let ds = &ctx.tensors[0];
            ctx.column(&(&ds.cols - Fp::one()), 0, DType::U8)?
        };

        let seed = hash(&[cst(trace::DOMAIN_SEED as i64), root.clone(), beacon])?;
        let d = class.depth();
        let n_ops = lay.ops.len();
        for j in 0..class.samples {
            let o = j % n_ops;
            let op = &lay.ops[o];
            let out = op.outputs[0];
            mark(op.kind, cs.num_constraints());
            let ow = w.map(|w| &w.openings[j]);
            let row_w = |k: usize| -> R<Option<&RowWitness>> {
                match ow {
                    None => Ok(None),
                    Some(v) => v.get(k).map(Some).ok_or(SynthesisError::Unsatisfiable),
                }
            };
            // The element: reduce(hash(9, seed, j), rows·cols), then (i, j) = divmod by cols.
            let ot = &ctx.tensors[out];
            let size = ot.rows.clone() * &ot.cols;
            let hj = hash(&[
                cst(trace::DOMAIN_SAMPLE as i64),
                seed.clone(),
                cst(j as i64),
            ])?;
            let (e, _) = reduce(&cs, &hj, &size, 2 * d + 1)?;
            let cols = ot.cols.clone();
            let ij = || -> R<(u64, u64)> {
                let (e, c) = (int(e.value()?) as u64, (int(cols.value()?) as u64).max(1));
                Ok((e / c, e % c))
            };
            let i = witness(&cs, || Ok(Fr::from(ij()?.0)))?;
            let jc = witness(&cs, || Ok(Fr::from(ij()?.1)))?;
            let ib = bits(&cs, &i, d)?;
            let jb = bits(&cs, &jc, d)?;
            bits(&cs, &(&cols - Fp::one() - &jc), d + 1)?;
            enforce_mul(&i, &cols, &(&e - &jc))?;
            let ins = &op.inputs;
            let tv = |s: usize| &ctx.tensors[s];
            match op.kind {
                OpKind::Gather => {
                    let (shl, shr) = gather_shifts
                        .as_ref()
                        .ok_or(SynthesisError::Unsatisfiable)?;
                    let ds = tv(0);
                    let hb = hash(&[
                        cst(trace::DOMAIN_BATCH as i64),
                        data_seed.clone(),
                        step.clone(),
                        i.clone(),
                    ])?;
                    let (_, rb) = reduce(&cs, &hb, &ds.rows, class.dataset_depth)?;
                    let row = ctx.open(ins[0], &rb, row_w(0)?, false)?;
                    let pix = ctx.scalar(ins[0], &row, &ctx.column(&jc, 0, DType::U8)?)?;
                    let label = ctx.scalar(ins[0], &row, &label_col)?;
                    let x = ctx.open(out, &ib, row_w(1)?, false)?;
                    let xv = ctx.scalar(out, &x, &ctx.column(&jc, out, DType::I8)?)?;
                    gather_elem(&cs, &pix, shl, shr)?.enforce_equal(&xv)?;
                    let lab_slot = op.outputs[1];
                    let lab = ctx.open(lab_slot, &ib, row_w(2)?, false)?;
                    let lv = ctx.scalar(
                        lab_slot,
                        &lab,
                        &ctx.column(&Fp::zero(), lab_slot, DType::U8)?,
                    )?;
                    lv.enforce_equal(&label)?;
                }
                OpKind::LinearForward => {
                    let s = shifts[o].as_ref().ok_or(SynthesisError::Unsatisfiable)?;
                    let x = ctx.open(ins[0], &ib, row_w(0)?, true)?;
                    let wr = ctx.open(ins[1], &jb, row_w(1)?, true)?;
                    tv(ins[0]).cols.enforce_equal(&tv(ins[1]).cols)?;
                    let b = ctx.open(ins[2], &jb, row_w(2)?, false)?;
                    let bv =
                        ctx.scalar(ins[2], &b, &ctx.column(&Fp::zero(), ins[2], DType::I32)?)?;
                    let acc = dot_i8(&cs, &x.values, &wr.values, &tv(ins[0]).cols)? + bv;
                    let y = ctx.open(out, &ib, row_w(3)?, false)?;
                    let yv = ctx.scalar(out, &y, &ctx.column(&jc, out, DType::I8)?)?;
                    linear_forward_elem(&cs, &acc, s, &params[o][1])?.enforce_equal(&yv)?;
                }
                OpKind::OutputError => {
                    let y = ctx.open(ins[0], &ib, row_w(0)?, false)?;
                    let yv = ctx.scalar(ins[0], &y, &ctx.column(&jc, ins[0], DType::I8)?)?;
                    let lab = ctx.open(ins[1], &ib, row_w(1)?, false)?;
                    let lv =
                        ctx.scalar(ins[1], &lab, &ctx.column(&Fp::zero(), ins[1], DType::U8)?)?;
                    let t = target_elem(&cs, &jc, &lv, &params[o][0])?;
                    let e = ctx.open(out, &ib, row_w(2)?, false)?;
                    let ev = ctx.scalar(out, &e, &ctx.column(&jc, out, DType::I8)?)?;
                    output_error_elem(&cs, &yv, &t)?.enforce_equal(&ev)?;
                }
                OpKind::LinearBackwardInput => {
                    let s = shifts[o].as_ref().ok_or(SynthesisError::Unsatisfiable)?;
                    let e = ctx.open(ins[0], &ib, row_w(0)?, true)?;
                    let wt = ctx.open(ins[1], &jb, row_w(1)?, true)?;
                    tv(ins[0]).cols.enforce_equal(&tv(ins[1]).cols)?;
                    let g = dot_i8(&cs, &e.values, &wt.values, &tv(ins[0]).cols)?;
                    let a = ctx.open(ins[2], &ib, row_w(2)?, false)?;
                    let av = ctx.scalar(ins[2], &a, &ctx.column(&jc, ins[2], DType::I8)?)?;
                    let dr = ctx.open(out, &ib, row_w(3)?, false)?;
                    let dv = ctx.scalar(out, &dr, &ctx.column(&jc, out, DType::I8)?)?;
                    linear_backward_input_elem(&cs, &g, s, &av)?.enforce_equal(&dv)?;
                }
                OpKind::WeightGrad => {
                    let et = ctx.open(ins[0], &ib, row_w(0)?, true)?;
                    let xt = ctx.open(ins[1], &jb, row_w(1)?, true)?;
                    tv(ins[0]).cols.enforce_equal(&tv(ins[1]).cols)?;
                    let g = dot_i8(&cs, &et.values, &xt.values, &tv(ins[0]).cols)?;
                    let gr = ctx.open(out, &ib, row_w(2)?, false)?;
                    let gv = ctx.scalar(out, &gr, &ctx.column(&jc, out, DType::I32)?)?;
                    g.enforce_equal(&gv)?;
                }
                OpKind::BiasGrad => {
                    let et = ctx.open(ins[0], &ib, row_w(0)?, true)?;
                    let g = sum_i8(&et.values, &tv(ins[0]).cols);
                    let gr = ctx.open(out, &ib, row_w(1)?, false)?;
                    let gv = ctx.scalar(out, &gr, &ctx.column(&jc, out, DType::I32)?)?;
                    g.enforce_equal(&gv)?;
                }
                OpKind::SgdUpdate => {
                    let s = shifts[o].as_ref().ok_or(SynthesisError::Unsatisfiable)?;
                    let at = |k: usize, slot: usize, dtype: DType| -> R<Fp> {
                        let r = ctx.open(slot, &ib, row_w(k)?, false)?;
                        ctx.scalar(slot, &r, &ctx.column(&jc, slot, dtype)?)
                    };
                    let m = at(0, ins[0], DType::I16)?;
                    let g = at(1, ins[1], DType::I32)?;
                    let m2 = at(2, out, DType::I16)?;
                    let w2 = at(3, op.outputs[1], DType::I8)?;
                    let mv = sgd_update_elem(&cs, &m, &g, s)?;
                    mv.enforce_equal(&m2)?;
                    derive_weight_elem(&cs, &mv, &eight)?.enforce_equal(&w2)?;
                }
                OpKind::BiasUpdate => {
                    let s = shifts[o].as_ref().ok_or(SynthesisError::Unsatisfiable)?;
                    let at = |k: usize, slot: usize| -> R<Fp> {
                        let r = ctx.open(slot, &ib, row_w(k)?, false)?;
                        ctx.scalar(slot, &r, &ctx.column(&jc, slot, DType::I32)?)
                    };
                    let b = at(0, ins[0])?;
                    let g = at(1, ins[1])?;
                    let b2 = at(2, out)?;
                    bias_update_elem(&cs, &b, &g, s)?.enforce_equal(&b2)?;
                }
                OpKind::Transpose => {
                    let x = ctx.open(ins[0], &jb, row_w(0)?, false)?;
                    let xv = ctx.scalar(ins[0], &x, &ctx.column(&i, ins[0], DType::I8)?)?;
                    let t = ctx.open(out, &ib, row_w(1)?, false)?;
                    let tv2 = ctx.scalar(out, &t, &ctx.column(&jc, out, DType::I8)?)?;
                    xv.enforce_equal(&tv2)?;
                }
            }
        }
        Ok(())
    }
}

/// Builds the witness of `class` for a committed step and a beacon: the manifest, and for each
/// of the `S` samples the beacon selects the rows `check::open_sample` opens.
pub fn step_witness(
    class: Class,
    t: &trace::Trace,
    beacon: Fr,
) -> Result<StepWitness, spotproof_core::CoreError> {
    if trace::challenge(beacon, t.header.worker).is_none() {
        return Err(spotproof_core::CoreError::Config(
            "the circuit takes beacons below 2^93 and worker ids below 2^160 (addresses)",
        ));
    }
    let samples = t.samples(beacon, class.samples);
    let mut openings = Vec::with_capacity(samples.len());
    for s in &samples {
        let rows = spotproof_core::check::open_sample(t, s)?;
        openings.push(
            rows.into_iter()
                .map(|o| {
                    let depth = if o.tensor == 0 {
                        class.dataset_depth
                    } else {
                        class.depth()
                    };
                    let mut siblings = vec![o.path.leaf_sibling_hash];
                    siblings.extend(o.path.auth_path.iter().rev().copied());
                    siblings.resize(depth.max(siblings.len()), Fr::zero());
                    RowWitness {
                        values: o.values,
                        siblings,
                    }
                })
                .collect(),
        );
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
