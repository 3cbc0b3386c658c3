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
    assert_eq!(CLASSES.len(), 5);
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
