//! The constraint catalogue behind `vectors/constraints.csv`.

use crate::class::Class;
use crate::groth::ProveError;
use crate::step::profile;
use spotproof_core::ops::OpKind;

/// Row lengths at which the cost of one sample is reported (digits and MNIST inputs): every
/// bound of the class that reports it.
pub const ROW_LENGTHS: [&[usize; 3]; 2] = [&[64; 3], &[784; 3]];

/// The CSV: one `class` row per catalogue class (with what one proof checks at most,
/// [`Class::capacity`]: multiply-accumulates and element-wise outputs; and the SHA-256 of its constraint matrices,
/// [`crate::groth::matrices_digest`], so that a change to any constraint shows), then one `sample`
/// row per op kind and row length (the most expensive sample of that kind, one block of
/// [`crate::class::BLOCKS`], in a class whose longest row is that length, everything included:
/// derivation, openings, Merkle paths, unpacking, arithmetic), and the mean over a step's samples.
pub fn csv() -> Result<String, ProveError> {
    let mut out = String::from(
        "kind,name,max_row,samples,constraints,witnesses,public_inputs,fixed,per_sample_mean,macs,outputs,matrices_sha256\n",
    );
    for c in crate::class::all_classes() {
        let p = profile(c)?;
        let mean = p.samples.iter().map(|s| s.1).sum::<usize>() / p.samples.len().max(1);
        let digest = crate::groth::matrices_digest(c)?;
        let w = c.capacity();
        out += &format!(
            "{},{},{},{},{},{},{},{},{},{},{},{digest}\n",
            match c.kind {
                spotproof_core::layout::TraceKind::Train => "class",
                spotproof_core::layout::TraceKind::Infer => "infer",
            },
            c.name,
            c.max_row(),
            c.samples,
            p.constraints,
            p.witnesses,
            p.public_inputs,
            p.fixed,
            mean,
            w.macs,
            w.outputs
        );
    }
    for widths in ROW_LENGTHS {
        let len = widths[0];
        let c = Class {
            name: "per-sample",
            kind: spotproof_core::layout::TraceKind::Train,
            layers: 2,
            samples: 18,
            batch: len,
            widths,
            dataset_depth: 16,
            blocks: crate::class::BLOCKS,
        };
        let p = profile(c)?;
        // The op kinds of the trace (the gradients are recomputed by the updates, not sampled).
        for k in OpKind::ALL {
            let Some(worst) = p.samples.iter().filter(|s| s.0 == k).map(|s| s.1).max() else {
                continue;
            };
            out += &format!("sample,{},{len},1,{worst},,,,,,,\n", k.name());
        }
        let mean = p.samples.iter().map(|s| s.1).sum::<usize>() / p.samples.len().max(1);
        out += &format!("sample,mean,{len},1,{mean},,,,,,,\n");
    }
    Ok(out)
}
