//! The worker takes the smallest class that fits and refuses a model that fits none, saying why.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use spotproof_circuits::{CLASSES, Class, ClassError};
use spotproof_core::model::{Hyper, ModelConfig};
use spotproof_core::ops::InputScale;

fn cfg(widths: &[usize], batch: usize) -> ModelConfig {
    ModelConfig {
        widths: widths.to_vec(),
        batch,
        hyper: Hyper::default(),
        input_scale: InputScale { shl: 0, shr: 1 },
    }
}

#[test]
fn the_smallest_fitting_class_is_chosen() {
    let pick = |w: &[usize], b, rows, s| Class::smallest_for(&cfg(w, b), rows, s).map(|c| c.name);
    assert_eq!(pick(&[32, 16, 10], 8, 240, 18), Ok("mlp2-s18-r32"));
    assert_eq!(pick(&[64, 128, 10], 32, 1437, 64), Ok("mlp2-s64-r128"));
    // Few large samples: the tile class, shaped to the digits model.
    assert_eq!(
        pick(&[64, 128, 10], 32, 1437, 14),
        Ok("mlp2-s14-b32-w64x128x16")
    );
    assert_eq!(pick(&[784, 128, 10], 32, 8000, 64), Ok("mlp2-s64-r1024"));
    assert_eq!(pick(&[784, 128, 10], 128, 60000, 64), Ok("mlp2-s64-r1024"));
    // Deeper models: a class per depth, with the depth's default samples.
    let deep = |w: &[usize], b, rows| {
        let s = spotproof_core::sampling::default_samples(w.len() - 1);
        pick(w, b, rows, s)
    };
    assert_eq!(deep(&[32, 16, 16, 10], 8, 240), Ok("mlp3-s63-r128"));
    assert_eq!(pick(&[32, 16, 16, 10], 8, 240, 21), Ok("mlp3-s21-r32"));
    assert_eq!(deep(&[64, 64, 64, 64, 10], 32, 1437), Ok("mlp4-s56-r128"));
    assert_eq!(
        deep(&[64, 128, 64, 32, 16, 10], 32, 1437),
        Ok("mlp5-s70-r128")
    );
    assert_eq!(deep(&[784, 128, 128, 10], 32, 8000), Ok("mlp3-s63-r1024"));
    assert_eq!(
        deep(&[784, 256, 128, 64, 10], 32, 8000),
        Ok("mlp4-s56-r1024")
    );
    assert_eq!(
        deep(&[784, 64, 64, 64, 64, 10], 32, 8000),
        Ok("mlp5-s70-r1024")
    );
}

/// Every op of a step is sampled by every proof, equally for the deeper classes: `S` is at
/// least the op count (a multiple of it beyond two layers), and the depth's default samples are
/// its `r128` class's.
#[test]
fn every_op_is_sampled_by_every_proof() {
    for c in CLASSES {
        let ops = spotproof_circuits::step::template(c.layers).ops.len();
        assert_eq!(ops, 7 * c.layers, "{}", c.name);
        if c.name == "mlp2-s1-b8-w16x16x16" {
            continue; // the ceremony test class, not for real runs
        }
        assert!(
            c.samples >= ops,
            "{}: {} samples, {ops} ops",
            c.name,
            c.samples
        );
        if c.layers > 2 {
            assert_eq!(c.samples % ops, 0, "{}", c.name);
        }
    }
    for (layers, name) in [
        (3, "mlp3-s63-r128"),
        (4, "mlp4-s56-r128"),
        (5, "mlp5-s70-r128"),
    ] {
        let s = spotproof_core::sampling::default_samples(layers);
        assert_eq!(Class::by_name(name).unwrap().samples, s);
    }
    assert_eq!(spotproof_core::sampling::default_samples(2), 64);
}

#[test]
fn a_model_that_fits_no_class_is_refused_with_the_reasons() {
    let no = |w: &[usize], b, rows| match Class::smallest_for(&cfg(w, b), rows, 64) {
        Err(ClassError::NoClass(why)) => why,
        other => panic!("{other:?}"),
    };
    assert!(no(&[784, 256, 64, 10], 32, 8000).contains("3 layers"));
    assert!(no(&[2048, 128, 10], 32, 8000).contains("width 2048"));
    assert!(no(&[784, 128, 10], 2000, 8000).contains("batch 2000"));
    assert!(no(&[784, 128, 10], 32, 100_000).contains("training rows"));
    // A shaped class bounds each width and the batch on its own.
    let tile = Class::by_name("mlp2-s14-b32-w64x128x16").unwrap();
    let refused = |w: &[usize], b| tile.check(&cfg(w, b), 1437, 14).unwrap_err().to_string();
    assert!(refused(&[64, 128, 20], 32).contains("width 20 at layer boundary 2"));
    assert!(refused(&[128, 64, 10], 32).contains("width 128 at layer boundary 0"));
    assert!(refused(&[64, 128, 10], 64).contains("batch 64"));
    assert!(matches!(
        Class::by_name("nope"),
        Err(ClassError::Unknown(_))
    ));
    assert_eq!(CLASSES.len(), 14);
}

/// A block's rows of one tensor are one subtree of its Merkle tree: every block side is a power
/// of two, and a side that indexes operand rows (rows `i` by the block's rows, rows `j` by its
/// columns) is at most the tree's `2^depth` leaves.
#[test]
fn every_block_is_a_subtree() {
    use spotproof_core::ops::{OpKind, sampled::RowOf, sampled_op};
    for c in CLASSES {
        for kind in OpKind::ALL {
            let (r, cols) = c.block(kind);
            assert!(r.is_power_of_two() && cols.is_power_of_two(), "{}", c.name);
            for &(_, row) in sampled_op(kind).plan() {
                let side = match row {
                    RowOf::I => r,
                    RowOf::J => cols,
                    RowOf::Batch => 1,
                };
                assert!(side <= 1 << c.depth(), "{} {kind:?}", c.name);
            }
        }
    }
}
