//! The weights file: a model's state in a compact binary form, for a run's final model (what the
//! network uses, `model.bin`) and its private checkpoints (`checkpoints/step-NNNNNN.bin`, the
//! state before that step, from which a challenged step is replayed).
//!
//! Layout, little-endian: magic `SPWT`, format version (u32), the step the state is before
//! (u64: the number of steps of the run already applied), the trace root of the step before it
//! (32 bytes big-endian; zero before step 0), the configuration's JSON length (u32) and JSON,
//! then per layer the masters (i16, `N×K`), the int8 weights (`N×K`) and the biases (i32, `N`).
//! A file is refused when its magic, version, lengths or configuration are off; its state is
//! trusted only through its tensor roots (`layout::state_roots`), which a run commits.

use crate::commit::Fr;
use crate::error::{CoreError, Result};
use crate::model::{Layer, Model, ModelConfig};
use crate::tensor::Mat;
use ark_ff::{BigInteger, PrimeField};
use std::path::Path;

/// The file's first bytes.
pub const MAGIC: &[u8; 4] = b"SPWT";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// A model's state at a step of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Weights {
    /// Steps of the run applied before this state.
    pub step: u64,
    /// Trace root of step `step − 1` (zero for step 0).
    pub prev_root: Fr,
    /// The model.
    pub model: Model,
}

impl Weights {
    /// The encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let cfg = serde_json::to_vec(&self.model.config).unwrap_or_default();
        let mut out = Vec::with_capacity(64 + cfg.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&self.step.to_le_bytes());
        out.extend_from_slice(&self.prev_root.into_bigint().to_bytes_be());
        out.extend_from_slice(&(cfg.len() as u32).to_le_bytes());
        out.extend_from_slice(&cfg);
        for l in &self.model.layers {
            out.extend(l.master.data().iter().flat_map(|v| v.to_le_bytes()));
            out.extend(l.weight.data().iter().map(|&v| v as u8));
            out.extend(l.bias.iter().flat_map(|v| v.to_le_bytes()));
        }
        out
    }

    /// Decodes `bytes` (read from `path`, named in errors).
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self> {
        let bad = |reason: String| CoreError::Format {
            path: path.to_path_buf(),
            reason,
        };
        let mut r = Reader { bytes, at: 0 };
        if r.take(4) != Some(MAGIC.as_slice()) {
            return Err(bad("not a spotproof weights file".into()));
        }
        let version = r.u32().ok_or_else(|| bad("truncated".into()))?;
        if version != VERSION {
            return Err(bad(format!(
                "weights format {version}, this build reads format {VERSION}"
            )));
        }
        let step = r.u64().ok_or_else(|| bad("truncated".into()))?;
        let prev = r.take(32).ok_or_else(|| bad("truncated".into()))?;
        let mut be = [0u8; 32];
        be.copy_from_slice(prev);
        let prev_root = crate::run::Word(be)
            .fr()
            .ok_or_else(|| bad("the previous root is not a field element".into()))?;
        let n = r.u32().ok_or_else(|| bad("truncated".into()))? as usize;
        let cfg = r.take(n).ok_or_else(|| bad("truncated".into()))?;
        let config: ModelConfig = serde_json::from_slice(cfg)
            .map_err(|e| bad(format!("its configuration is not valid JSON: {e}")))?;
        config.validate()?;
        let mut layers = Vec::with_capacity(config.layers());
        for l in 0..config.layers() {
            let (k, n) = (config.widths[l], config.widths[l + 1]);
            let trunc = || bad(format!("truncated in layer {l}"));
            let master = r.take(2 * n * k).ok_or_else(trunc)?;
            let master = master
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
            let weight = r.take(n * k).ok_or_else(trunc)?;
            let weight = weight.iter().map(|&b| b as i8).collect();
            let bias = r.take(4 * n).ok_or_else(trunc)?;
            let bias = bias
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            layers.push(Layer {
                master: Mat::new(n, k, master)?,
                weight: Mat::new(n, k, weight)?,
                bias,
            });
        }
        if r.at != bytes.len() {
            return Err(bad(format!(
                "{} bytes after the last layer",
                bytes.len() - r.at
            )));
        }
        Ok(Self {
            step,
            prev_root,
            model: Model { config, layers },
        })
    }

    /// Reads a weights file.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| CoreError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(path, &bytes)
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Option<u64> {
        let mut x = [0u8; 8];
        x.copy_from_slice(self.take(8)?);
        Some(u64::from_le_bytes(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Hyper;
    use crate::ops::InputScale;

    fn weights() -> Weights {
        let cfg = ModelConfig {
            widths: vec![5, 4, 3],
            batch: 2,
            hyper: Hyper::default(),
            input_scale: InputScale { shl: 0, shr: 1 },
        };
        Weights {
            step: 7,
            prev_root: Fr::from(99u64),
            model: Model::init(cfg, 3).unwrap(),
        }
    }

    #[test]
    fn round_trips_and_refuses_every_truncation() {
        let w = weights();
        let bytes = w.to_bytes();
        let p = Path::new("w.bin");
        assert_eq!(Weights::from_bytes(p, &bytes).unwrap(), w);
        for n in 0..bytes.len() {
            assert!(Weights::from_bytes(p, &bytes[..n]).is_err(), "{n} bytes");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(Weights::from_bytes(p, &long).is_err());
        let mut other = bytes.clone();
        other[4] = 2;
        let e = Weights::from_bytes(p, &other).unwrap_err().to_string();
        assert!(e.contains("format 2"), "{e}");
    }
}
