//! Every gadget against the core function it mirrors: same value, satisfied, and unsatisfiable
//! when its output is forced to anything else.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ark_r1cs_std::GR1CSVar;
use ark_r1cs_std::alloc::AllocVar;
use ark_r1cs_std::eq::EqGadget;
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::ConstraintSystem;
use spotproof_circuits::gadgets::*;
use spotproof_circuits::ops::bias_update::bias_update_elem;
use spotproof_circuits::ops::gather::gather_elem;
use spotproof_circuits::ops::linear_backward_input::linear_backward_input_elem;
use spotproof_circuits::ops::linear_forward::linear_forward_elem;
use spotproof_circuits::ops::output_error::{output_error_elem, target_elem};
use spotproof_circuits::ops::predict::{predict_as, predict_elem};
use spotproof_circuits::ops::sgd_update::{derive_weight_elem, sgd_update_elem};
use spotproof_core::commit::{self, DType, Fr, TensorHeader, fe};
use spotproof_core::ops::{self, InputScale};
use spotproof_core::rng::SplitMix64;
use spotproof_core::sampling;

fn w(cs: &Cs, v: i128) -> Fp {
    FpVar::new_witness(cs.clone(), || Ok(fr(v))).unwrap()
}

/// Runs a gadget on a fresh system: its value and whether the system is satisfied; then again
/// with the output forced to `value + 1`, which must not be satisfiable.
fn check(expected: i128, f: impl Fn(&Cs) -> Fp) {
    let cs = ConstraintSystem::<Fr>::new_ref();
    let out = f(&cs);
    assert_eq!(int(out.value().unwrap()), expected);
    assert!(cs.is_satisfied().unwrap(), "honest output unsatisfied");
    let cs = ConstraintSystem::<Fr>::new_ref();
    let out = f(&cs);
    out.enforce_equal(&w(&cs, expected + 1)).unwrap();
    assert!(!cs.is_satisfied().unwrap(), "a wrong output is satisfiable");
}

fn shift(cs: &Cs, s: u32) -> Shift {
    Shift::new(cs, &w(cs, s.into())).unwrap()
}

#[test]
fn hash_is_commit_hash() {
    for n in 0..8u64 {
        let xs: Vec<Fr> = (0..n).map(|k| commit::hash(&[fe(k)])).collect();
        let expected = commit::hash(&xs);
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars: Vec<Fp> = xs
            .iter()
            .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap())
            .collect();
        assert_eq!(hash(&vars).unwrap().value().unwrap(), expected);
        assert!(cs.is_satisfied().unwrap());
    }
}

#[test]
fn row_digest_and_merkle_root_open_committed_rows() {
    let mut r = SplitMix64::new(3);
    for (dtype, rows, cols) in [
        (DType::I8, 5, 40),
        (DType::I32, 3, 9),
        (DType::U8, 1, 62),
        (DType::I16, 8, 15),
    ] {
        let (lo, hi) = dtype.range();
        let values: Vec<i64> = (0..rows * cols)
            .map(|_| lo + (r.next_u64() % (hi - lo + 1) as u64) as i64)
            .collect();
        let h = TensorHeader {
            tag: 1,
            dtype,
            rows,
            cols,
        };
        let c = commit::commit_tensor(h, &values).unwrap();
        let max_cols = 64;
        let m_max = dtype.packed_len(max_cols);
        for row in 0..rows {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let cs_ = &cs;
            let vals = &values[row * cols..(row + 1) * cols];
            let active: Vec<Fp> = (0..max_cols)
                .map(|k| w(cs_, i128::from(k < cols)))
                .collect();
            let (chunks, us) = unpack_row(cs_, dtype, Some(vals), &active).unwrap();
            assert_eq!(chunks.len(), m_max);
            for (k, v) in vals.iter().enumerate() {
                assert_eq!(int(us[k].value().unwrap()), i128::from(v + dtype.offset()));
            }
            let m = dtype.packed_len(cols);
            let perms: Vec<Fp> = (0..(m_max + 1).div_ceil(2))
                .map(|p| w(cs_, i128::from((m + 1).div_ceil(2) == p + 1)))
                .collect();
            let leaf = row_digest(&chunks, &perms).unwrap();
            assert_eq!(
                leaf.value().unwrap(),
                commit::hash(&commit::row_leaf(dtype, vals).unwrap())
            );
            let path = c.open_row(row).unwrap();
            let depth = 4;
            let mut sib = vec![path.leaf_sibling_hash];
            sib.extend(path.auth_path.iter().rev().copied());
            let height = sib.len();
            sib.resize(depth, Fr::from(0u64));
            let sib: Vec<Fp> = sib
                .iter()
                .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap())
                .collect();
            let bits: Vec<Fp> = (0..depth)
                .map(|k| w(cs_, ((row >> k) & 1) as i128))
                .collect();
            let levels: Vec<Fp> = (0..depth).map(|k| w(cs_, i128::from(k < height))).collect();
            let root = merkle_root(cs_, leaf, &bits, &sib, &levels).unwrap();
            assert_eq!(root.value().unwrap(), c.merkle_root);
            assert!(cs.is_satisfied().unwrap(), "{dtype:?} row {row}");
        }
    }
}

#[test]
fn out_of_range_values_that_pack_to_the_same_element_are_unsatisfiable() {
    // As int8 offset binary, (u0, u1) = (0, 1) and (256, 0) pack to the same element 256.
    let legit = [-128i64, -127];
    let forged = [128i64, -128];
    for (vals, ok) in [(legit, true), (forged, false)] {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let active: Vec<Fp> = (0..31).map(|k| w(&cs, i128::from(k < 2))).collect();
        let (chunks, _) = unpack_row(&cs, DType::I8, Some(&vals), &active).unwrap();
        chunks[0].enforce_equal(&w(&cs, 256)).unwrap();
        assert_eq!(cs.is_satisfied().unwrap(), ok, "{vals:?}");
    }
    // A chunk at or above 2^248 has no unpacking at all.
    let cs = ConstraintSystem::<Fr>::new_ref();
    let big = FpVar::new_witness(cs.clone(), || Ok(-Fr::from(1u64))).unwrap();
    unpack_chunk(&cs, DType::I8, &big).unwrap();
    assert!(!cs.is_satisfied().unwrap());
    // Padding beyond the row length must be zero.
    let cs = ConstraintSystem::<Fr>::new_ref();
    let active: Vec<Fp> = (0..31).map(|k| w(&cs, i128::from(k < 2))).collect();
    unpack_row(&cs, DType::I8, Some(&[1, 2, 3]), &active).unwrap();
    assert!(!cs.is_satisfied().unwrap());
}

#[test]
fn sampling_is_trace_reduce() {
    for k in 0..24u64 {
        let h = commit::hash(&[fe(9), fe(k)]);
        for n in [1u64, 7, 640, 1 << 20] {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let x = FpVar::new_witness(cs.clone(), || Ok(h)).unwrap();
            let (r, _) = reduce(&cs, &x, &w(&cs, n.into()), 21).unwrap();
            assert_eq!(int(r.value().unwrap()) as u64, sampling::reduce(&h, n));
            assert!(cs.is_satisfied().unwrap());
        }
    }
    // The largest field element decomposes canonically too.
    let cs = ConstraintSystem::<Fr>::new_ref();
    let x = FpVar::new_witness(cs.clone(), || Ok(-Fr::from(1u64))).unwrap();
    let lo = low128(&cs, &x).unwrap();
    assert_eq!(
        int(lo.value().unwrap()) as u128,
        sampling::low128(&-Fr::from(1u64))
    );
    assert!(cs.is_satisfied().unwrap());
}

fn edges(r: &mut SplitMix64, n: usize, lim: i64) -> Vec<i64> {
    let mut v = vec![0, 1, -1, lim, -lim, lim - 1, -lim + 1];
    v.extend((0..n).map(|_| r.symmetric(lim as u32)));
    v
}

#[test]
fn requantization_and_clamps_match_the_reference() {
    let mut r = SplitMix64::new(5);
    for acc in edges(&mut r, 20, 1 << 24) {
        for s in [0u32, 1, 7, 12, 31] {
            for lo in [0i8, -128] {
                check(ops::linear_forward_elem(acc, s, lo).into(), |cs| {
                    linear_forward_elem(cs, &w(cs, acc.into()), &shift(cs, s), &w(cs, lo.into()))
                        .unwrap()
                });
            }
            check(ops::rshr_round(acc, s).into(), |cs| {
                rshr_round(cs, &w(cs, acc.into()), &shift(cs, s)).unwrap()
            });
        }
    }
    for g in edges(&mut r, 12, 1 << 20) {
        for a in [-128i8, -1, 0, 1, 60, 126, 127] {
            check(ops::linear_backward_input_elem(g, 9, a).into(), |cs| {
                linear_backward_input_elem(cs, &w(cs, g.into()), &shift(cs, 9), &w(cs, a.into()))
                    .unwrap()
            });
        }
    }
    for y in [-128i8, -30, 0, 99, 100, 127] {
        for t in [0i8, 100, 127] {
            check(ops::output_error_elem(y, t).into(), |cs| {
                output_error_elem(cs, &w(cs, y.into()), &w(cs, t.into())).unwrap()
            });
        }
    }
    for (class, label) in [(0usize, 0u32), (3, 4), (9, 9)] {
        check(ops::target_elem(class, label, 100, 0).into(), |cs| {
            target_elem(cs, &w(cs, class as i128), &w(cs, label.into()), &w(cs, 100)).unwrap()
        });
    }
    for m in [i16::MIN, -129, -1, 0, 127, 128, 32767] {
        for g in edges(&mut r, 6, (1 << 30) - 1) {
            let g = g as i32;
            check(ops::sgd_update_elem(m, g, 6).into(), |cs| {
                sgd_update_elem(cs, &w(cs, m.into()), &w(cs, g.into()), &shift(cs, 6)).unwrap()
            });
        }
        check(ops::derive_weight_elem(m).into(), |cs| {
            derive_weight_elem(cs, &w(cs, m.into()), &shift(cs, 8)).unwrap()
        });
    }
    for b in [-(1 << 24), -5, 0, 1 << 24] {
        for g in edges(&mut r, 6, (1 << 28) - 1) {
            let g = g as i32;
            check(ops::bias_update_elem(b, g, 1).into(), |cs| {
                bias_update_elem(cs, &w(cs, b.into()), &w(cs, g.into()), &shift(cs, 1)).unwrap()
            });
        }
    }
    for p in [0u8, 1, 15, 16, 127, 128, 255] {
        for (shl, shr) in [(3, 0), (0, 1), (8, 8), (0, 0)] {
            let scale = InputScale { shl, shr };
            check(ops::gather_elem(p, scale).into(), |cs| {
                gather_elem(cs, &w(cs, p.into()), &shift(cs, shl), &shift(cs, shr)).unwrap()
            });
        }
    }
}

#[test]
fn dot_products_and_sums_match_the_reference() {
    let mut r = SplitMix64::new(9);
    for len in [1usize, 5, 31, 40] {
        let a: Vec<i64> = edges(&mut r, len, 127)
            .into_iter()
            .take(len)
            .map(|v| v.clamp(-128, 127))
            .collect();
        let b: Vec<i64> = edges(&mut r, len, 128)
            .into_iter()
            .rev()
            .take(len)
            .map(|v| v.clamp(-128, 127))
            .collect();
        let expected: i64 = ops::weight_grad_elem(&a, &b);
        let max = 48;
        let pad = |v: &[i64]| -> Vec<i128> {
            (0..max)
                .map(|k| v.get(k).map_or(0, |x| i128::from(x + 128)))
                .collect()
        };
        let (ua, ub) = (pad(&a), pad(&b));
        check(expected.into(), |cs| {
            let u: Vec<Fp> = ua.iter().map(|&x| w(cs, x)).collect();
            let v: Vec<Fp> = ub.iter().map(|&x| w(cs, x)).collect();
            dot_i8(cs, &u, &v, &w(cs, len as i128)).unwrap()
        });
        check(ops::bias_grad_elem(&a).into(), |cs| {
            let u: Vec<Fp> = ua.iter().map(|&x| w(cs, x)).collect();
            sum_i8(&u, &w(cs, len as i128))
        });
    }
}

/// Every input of the gadget against the named core element function (values equal, systems
/// satisfied), and for every `stride`-th input a fresh system in which the output is forced one
/// off (unsatisfiable). `setup` makes what the gadgets of one system share (a shift), as the
/// step circuit does once per op.
fn exhaustive<T: Copy, S>(
    inputs: &[T],
    stride: usize,
    expected: impl Fn(T) -> i128,
    setup: impl Fn(&Cs) -> S,
    gadget: impl Fn(&Cs, &S, T) -> Fp,
) {
    // Systems of 256 gadgets each: one system per input is slow, one for all is huge.
    for chunk in inputs.chunks(256) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let shared = setup(&cs);
        for &x in chunk {
            assert_eq!(int(gadget(&cs, &shared, x).value().unwrap()), expected(x));
        }
        assert!(
            cs.is_satisfied().unwrap(),
            "an honest output is unsatisfied"
        );
    }
    for &x in inputs.iter().step_by(stride) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let shared = setup(&cs);
        gadget(&cs, &shared, x)
            .enforce_equal(&w(&cs, expected(x) + 1))
            .unwrap();
        assert!(!cs.is_satisfied().unwrap(), "a wrong output is satisfiable");
    }
}

fn all_i8() -> impl Iterator<Item = i8> {
    i8::MIN..=i8::MAX
}

#[test]
fn int8_gadgets_match_the_reference_on_their_whole_domain() {
    // output_error_elem: all 65,536 (y, t) pairs.
    let pairs: Vec<(i8, i8)> = all_i8()
        .flat_map(|y| all_i8().map(move |t| (y, t)))
        .collect();
    exhaustive(
        &pairs,
        257,
        |(y, t)| ops::output_error_elem(y, t).into(),
        |_| (),
        |cs, _, (y, t)| output_error_elem(cs, &w(cs, y.into()), &w(cs, t.into())).unwrap(),
    );
    // derive_weight_elem: every master around zero and around both clamp edges (|m| ≥ 127.5·2^8
    // saturates), and every 64th in between: each rounding boundary k·256 − 128 is hit.
    let masters: Vec<i16> = (i16::MIN..=i16::MAX)
        .filter(|m| m.unsigned_abs() <= 1024 || m.unsigned_abs() >= 32_512 || m % 64 == 0)
        .collect();
    exhaustive(
        &masters,
        251,
        |m| ops::derive_weight_elem(m).into(),
        |cs| shift(cs, 8),
        |cs, eight, m| derive_weight_elem(cs, &w(cs, m.into()), eight).unwrap(),
    );
    // gather_elem: every pixel under the scales the datasets use and the extremes (shl, shr ≤ 8).
    let pixels: Vec<u8> = (0..=255).collect();
    for shl in [0, 1, 3, 8] {
        for shr in [0, 1, 4, 8] {
            let scale = InputScale { shl, shr };
            exhaustive(
                &pixels,
                61,
                |p| ops::gather_elem(p, scale).into(),
                |cs| (shift(cs, shl), shift(cs, shr)),
                |cs, (l, r), p| gather_elem(cs, &w(cs, p.into()), l, r).unwrap(),
            );
        }
    }
    // linear_backward_input_elem: every activation against gradients at the clamp edges.
    let pairs: Vec<(i64, i8)> = [-(1i64 << 20), -1025, -1024, -1, 0, 1, 1023, 1024, 1 << 20]
        .into_iter()
        .flat_map(|g| all_i8().map(move |a| (g, a)))
        .collect();
    exhaustive(
        &pairs,
        31,
        |(g, a)| ops::linear_backward_input_elem(g, 3, a).into(),
        |cs| shift(cs, 3),
        |cs, s, (g, a)| {
            linear_backward_input_elem(cs, &w(cs, g.into()), s, &w(cs, a.into())).unwrap()
        },
    );
    // target_elem: every (class, label) below 16.
    let classes: Vec<(usize, u32)> = (0..16usize)
        .flat_map(|c| (0..16u32).map(move |l| (c, l)))
        .collect();
    exhaustive(
        &classes,
        7,
        |(c, l)| ops::target_elem(c, l, 100, 0).into(),
        |_| (),
        |cs, _, (c, l)| target_elem(cs, &w(cs, c as i128), &w(cs, l.into()), &w(cs, 100)).unwrap(),
    );
    // transpose_elem is the identity: its gadget is the equality of the two opened values.
    assert!(all_i8().all(|x| ops::transpose_elem(x) == x));
}

/// `predict_elem` against `ops::predict_elem`, and every other class a prover could claim
/// refused: rows with ties at the maximum (only the first may be claimed), all-equal rows, rows
/// at the int8 edges, and rows shorter than the opened width (zero padding, which no claim may
/// point into).
#[test]
fn predict_admits_only_the_first_maximum() {
    let mut r = SplitMix64::new(12);
    let mut rows: Vec<Vec<i8>> = vec![
        vec![3, 9, -1, 9, 9],
        vec![7; 5],
        vec![i8::MIN; 5],
        vec![i8::MIN, i8::MIN, i8::MAX, i8::MAX, 0],
        vec![-128, -127],
        vec![i8::MIN],
    ];
    for _ in 0..30 {
        let n = 1 + r.below(6) as usize;
        rows.push(
            (0..n)
                .map(|_| (r.below(5) as i64 * 64 - 128).clamp(-128, 127) as i8)
                .collect(),
        );
    }
    let width = 6;
    for row in rows {
        let best = ops::predict_elem(&row) as usize;
        // Offset binary, zero past the row (as a row opened whole).
        let u = |cs: &Cs| -> Vec<Fp> {
            (0..width)
                .map(|n| w(cs, row.get(n).map_or(0, |&v| i128::from(v) + 128)))
                .collect()
        };
        let cs = ConstraintSystem::<Fr>::new_ref();
        let p = predict_elem(&cs, &u(&cs)).unwrap();
        assert_eq!(int(p.value().unwrap()), best as i128, "{row:?}");
        assert!(cs.is_satisfied().unwrap(), "{row:?}");
        for claim in 0..width {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let _class = predict_as(&cs, &u(&cs), &|| Ok(claim)).unwrap();
            assert_eq!(
                cs.is_satisfied().unwrap(),
                claim == best,
                "{row:?} claims {claim}"
            );
        }
    }
}
