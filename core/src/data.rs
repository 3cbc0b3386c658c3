//! Datasets: the embedded digits and MNIST-10k sets, any IDX image/label pair, splits and batches.
//!
//! A dataset is a matrix of raw `u8` features (one row per example), a label per row, and the
//! [`InputScale`] that turns a feature into an int8 input (the `gather` op). Train and test sets
//! are index lists into one dataset, so a device holds the rows once.

use crate::error::{CoreError, Result};
use crate::ops::InputScale;
use crate::rng::SplitMix64;
use crate::tensor::Mat;
use flate2::read::GzDecoder;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Percentage of a dataset held out for testing when no test file is given.
pub const HOLDOUT_PERCENT: usize = 20;

/// Which dataset to train on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatasetSpec {
    /// The embedded UCI digits (8×8).
    Digits,
    /// The embedded 10k MNIST subset (28×28).
    Mnist10k,
    /// An IDX image/label pair on disk.
    Idx {
        /// Images file (idx3-ubyte, optionally gzipped).
        images: PathBuf,
        /// Labels file (idx1-ubyte, optionally gzipped).
        labels: PathBuf,
    },
}

impl std::str::FromStr for DatasetSpec {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "digits" => Ok(Self::Digits),
            "mnist10k" => Ok(Self::Mnist10k),
            other => match other.split_once(',') {
                Some((i, l)) if !i.is_empty() && !l.is_empty() => Ok(Self::Idx {
                    images: i.into(),
                    labels: l.into(),
                }),
                _ => Err(CoreError::Parse {
                    what: "dataset",
                    given: other.into(),
                    expected: "digits, mnist10k or IMAGES,LABELS",
                }),
            },
        }
    }
}

impl DatasetSpec {
    /// Loads the dataset.
    pub fn load(&self) -> Result<Dataset> {
        Ok(match self {
            Self::Digits => Dataset::digits()?,
            Self::Mnist10k => Dataset::mnist10k()?,
            Self::Idx { images, labels } => Dataset::from_idx_files(images, labels)?,
        })
    }

    /// A short name for reports.
    pub fn name(&self) -> String {
        match self {
            Self::Digits => "digits".into(),
            Self::Mnist10k => "mnist10k".into(),
            Self::Idx { images, .. } => images.display().to_string(),
        }
    }

    /// The text form [`std::str::FromStr`] reads back (`IMAGES,LABELS` for a file pair).
    pub fn spec(&self) -> String {
        match self {
            Self::Idx { images, labels } => format!("{},{}", images.display(), labels.display()),
            other => other.name(),
        }
    }
}

/// UCI optical digits (1797 × 8×8, pixels 0..16), CSV, gzipped. See `data/README.md`.
const DIGITS_CSV_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");
/// 10,000 MNIST digits, IDX images, gzipped (sorted by label).
const MNIST10K_IMAGES: &[u8] = include_bytes!("../../data/mnist10k-images-idx3-ubyte.gz");
/// Their labels, IDX, gzipped.
const MNIST10K_LABELS: &[u8] = include_bytes!("../../data/mnist10k-labels-idx1-ubyte.gz");

/// Decompressed files larger than this are refused (a malformed or hostile gzip stream).
const MAX_DECOMPRESSED: u64 = 1 << 32;

const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
const IDX_LABELS_MAGIC: u32 = 0x0000_0801;

/// Examples with raw features, labels and their preprocessing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    /// A short name for reports.
    pub name: String,
    /// `n × d` raw features.
    pub images: Mat<u8>,
    /// `n` labels, each below `classes`.
    pub labels: Vec<u8>,
    /// Number of classes (output width).
    pub classes: usize,
    /// Feature → int8 input.
    pub scale: InputScale,
}

/// 0..255 pixels halve into 0..127.
pub const BYTE_PIXELS: InputScale = InputScale { shl: 0, shr: 1 };
/// 0..16 pixels scale by 8 into 0..128, clamped to 127.
pub const DIGITS_PIXELS: InputScale = InputScale { shl: 3, shr: 0 };

impl Dataset {
    /// The embedded UCI digits set (the default).
    pub fn digits() -> Result<Self> {
        let path = PathBuf::from("digits.csv.gz");
        let text =
            String::from_utf8(gunzip(DIGITS_CSV_GZ, &path)?).map_err(|_| CoreError::Format {
                path: path.clone(),
                reason: "not UTF-8 text".into(),
            })?;
        let (mut pixels, mut labels) = (Vec::new(), Vec::new());
        for (line_no, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let bad = |reason: &str| CoreError::Format {
                path: path.clone(),
                reason: format!("line {}: {reason}", line_no + 1),
            };
            let fields: Vec<u8> = line
                .split(',')
                .map(|f| f.trim().parse::<u8>())
                .collect::<std::result::Result<_, _>>()
                .map_err(|_| bad("a field is not an integer 0..255"))?;
            if fields.len() != 65 {
                return Err(bad("expected 64 pixels and a label"));
            }
            if fields[..64].iter().any(|&p| p > 16) || fields[64] > 9 {
                return Err(bad("pixel above 16 or label above 9"));
            }
            pixels.extend_from_slice(&fields[..64]);
            labels.push(fields[64]);
        }
        let images = Mat::new(labels.len(), 64, pixels)?;
        Ok(Self {
            name: "digits".into(),
            images,
            labels,
            classes: 10,
            scale: DIGITS_PIXELS,
        })
    }

    /// The embedded 10,000-image MNIST subset.
    pub fn mnist10k() -> Result<Self> {
        let mut d = Self::from_idx_bytes(
            MNIST10K_IMAGES,
            Path::new("mnist10k-images-idx3-ubyte.gz"),
            MNIST10K_LABELS,
            Path::new("mnist10k-labels-idx1-ubyte.gz"),
        )?;
        d.name = "mnist10k".into();
        d.classes = 10;
        Ok(d)
    }

    /// Any IDX image/label pair (the MNIST format), gzipped or not.
    pub fn from_idx_files(images: &Path, labels: &Path) -> Result<Self> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|source| CoreError::Io {
                path: p.to_path_buf(),
                source,
            })
        };
        let mut d = Self::from_idx_bytes(&read(images)?, images, &read(labels)?, labels)?;
        d.name = images.display().to_string();
        Ok(d)
    }

    /// Images without labels (inference queries): an IDX image file (gzipped or not), every
    /// label 0.
    pub fn from_idx_images(images: &Path) -> Result<Self> {
        let bytes = std::fs::read(images).map_err(|source| CoreError::Io {
            path: images.to_path_buf(),
            source,
        })?;
        let img = maybe_gunzip(&bytes, images)?;
        let (dims, pixels) = parse_idx(&img, images, IDX_IMAGES_MAGIC, 3)?;
        if dims[0] == 0 {
            return Err(CoreError::Format {
                path: images.to_path_buf(),
                reason: "holds no images".into(),
            });
        }
        Ok(Self {
            name: images.display().to_string(),
            images: Mat::new(dims[0], dims[1] * dims[2], pixels.to_vec())?,
            labels: vec![0; dims[0]],
            classes: 2,
            scale: BYTE_PIXELS,
        })
    }

    /// Parses an IDX pair from bytes (each optionally gzipped); paths are for messages.
    pub fn from_idx_bytes(
        images: &[u8],
        images_path: &Path,
        labels: &[u8],
        labels_path: &Path,
    ) -> Result<Self> {
        let img = maybe_gunzip(images, images_path)?;
        let lab = maybe_gunzip(labels, labels_path)?;
        let (dims, pixels) = parse_idx(&img, images_path, IDX_IMAGES_MAGIC, 3)?;
        let (ldims, label_bytes) = parse_idx(&lab, labels_path, IDX_LABELS_MAGIC, 1)?;
        if dims[0] != ldims[0] {
            return Err(CoreError::CountMismatch {
                images: images_path.to_path_buf(),
                n_images: dims[0],
                labels: labels_path.to_path_buf(),
                n_labels: ldims[0],
            });
        }
        if dims[0] == 0 {
            return Err(CoreError::Format {
                path: images_path.to_path_buf(),
                reason: "holds no images".into(),
            });
        }
        let classes = usize::from(label_bytes.iter().copied().max().unwrap_or(0)) + 1;
        let images = Mat::new(dims[0], dims[1] * dims[2], pixels.to_vec())?;
        Ok(Self {
            name: images_path.display().to_string(),
            images,
            labels: label_bytes.to_vec(),
            classes: classes.max(2),
            scale: BYTE_PIXELS,
        })
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Features per example.
    pub fn features(&self) -> usize {
        self.images.cols()
    }

    /// The rows `rows` of this dataset, in that order (e.g. the committed training rows, so that
    /// batch indices of a trace index the result directly).
    pub fn subset(&self, rows: &[u32]) -> Result<Self> {
        if let Some(&bad) = rows.iter().find(|&&r| r as usize >= self.len()) {
            return Err(CoreError::Index {
                op: "subset",
                index: bad as usize,
                len: self.len(),
            });
        }
        let pixels = rows
            .iter()
            .flat_map(|&r| self.images.row(r as usize).to_vec())
            .collect();
        Ok(Self {
            name: self.name.clone(),
            images: Mat::new(rows.len(), self.features(), pixels)?,
            labels: rows.iter().map(|&r| self.labels[r as usize]).collect(),
            classes: self.classes,
            scale: self.scale,
        })
    }

    /// This dataset followed by `other` (same features and scale), for a separate test file:
    /// returns the joined set and the index where `other` begins.
    pub fn append(mut self, other: Dataset) -> Result<(Self, usize)> {
        if other.features() != self.features() {
            return Err(CoreError::Format {
                path: PathBuf::from(&other.name),
                reason: format!(
                    "has {} features per image, the training set {}",
                    other.features(),
                    self.features()
                ),
            });
        }
        let at = self.len();
        let rows = at + other.len();
        let mut data = self.images.into_data();
        data.extend_from_slice(other.images.data());
        self.images = Mat::new(rows, other.images.cols(), data)?;
        self.labels.extend_from_slice(&other.labels);
        self.classes = self.classes.max(other.classes);
        Ok((self, at))
    }
}

/// Which rows train and which test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// Training rows.
    pub train: Vec<u32>,
    /// Held-out rows.
    pub test: Vec<u32>,
}

impl Split {
    /// A seeded shuffle of `0..n`; the first `n·test_percent/100` rows are held out.
    pub fn holdout(n: usize, test_percent: usize, seed: u64) -> Self {
        let mut rows: Vec<u32> = (0..n as u32).collect();
        SplitMix64::derive(seed, 0x5EED_5B17).shuffle(&mut rows);
        let test = rows.split_off(n - n * test_percent.min(100) / 100);
        Self { train: rows, test }
    }

    /// Rows `0..at` train and `at..n` test (a separate test file appended to the training set).
    pub fn at(n: usize, at: usize) -> Self {
        Self {
            train: (0..at as u32).collect(),
            test: (at as u32..n as u32).collect(),
        }
    }
}

/// The batches of one epoch: the training rows shuffled by `(seed, epoch)`, cut into full batches
/// (a last partial batch is dropped, so every step has the same shape).
pub fn epoch_batches(train: &[u32], batch: usize, seed: u64, epoch: u64) -> Vec<Vec<u32>> {
    let mut rows = train.to_vec();
    SplitMix64::derive(seed, 0xE90C_0000 + epoch).shuffle(&mut rows);
    rows.chunks_exact(batch.max(1))
        .map(<[u32]>::to_vec)
        .collect()
}

fn gunzip(bytes: &[u8], path: &Path) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    GzDecoder::new(bytes)
        .take(MAX_DECOMPRESSED)
        .read_to_end(&mut out)
        .map_err(|e| CoreError::Format {
            path: path.to_path_buf(),
            reason: format!("bad gzip stream: {e}"),
        })?;
    Ok(out)
}

fn maybe_gunzip(bytes: &[u8], path: &Path) -> Result<Vec<u8>> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        gunzip(bytes, path)
    } else {
        Ok(bytes.to_vec())
    }
}

/// Parses an unsigned-byte IDX file: magic, `ndims` big-endian u32 dimensions, then exactly
/// their product of bytes.
fn parse_idx<'a>(
    bytes: &'a [u8],
    path: &Path,
    magic: u32,
    ndims: usize,
) -> Result<(Vec<usize>, &'a [u8])> {
    let bad = |reason: String| CoreError::Format {
        path: path.to_path_buf(),
        reason,
    };
    let header = 4 * (1 + ndims);
    if bytes.len() < header {
        return Err(bad(format!("truncated IDX header ({} bytes)", bytes.len())));
    }
    let word = |i: usize| {
        u32::from_be_bytes([
            bytes[4 * i],
            bytes[4 * i + 1],
            bytes[4 * i + 2],
            bytes[4 * i + 3],
        ])
    };
    if word(0) != magic {
        return Err(bad(format!(
            "IDX magic is {:#010x}, expected {magic:#010x}",
            word(0)
        )));
    }
    let dims: Vec<usize> = (1..=ndims).map(|i| word(i) as usize).collect();
    let body = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| bad("dimensions overflow".into()))?;
    let got = bytes.len() - header;
    if got != body {
        let what = if got < body {
            "truncated"
        } else {
            "has trailing bytes"
        };
        return Err(bad(format!(
            "{what}: header {dims:?} needs {body} data bytes, found {got}"
        )));
    }
    Ok((dims, &bytes[header..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(magic: u32, dims: &[u32], body: &[u8]) -> Vec<u8> {
        let mut v = magic.to_be_bytes().to_vec();
        for d in dims {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn embedded_sets_load() {
        let d = Dataset::digits().unwrap();
        assert_eq!((d.len(), d.features(), d.classes), (1797, 64, 10));
        let m = Dataset::mnist10k().unwrap();
        assert_eq!((m.len(), m.features(), m.classes), (10_000, 784, 10));
        // The file is sorted by label.
        assert_eq!((m.labels[0], m.labels[9999]), (0, 9));
    }

    #[test]
    fn idx_plain_and_errors() {
        let p = Path::new("x");
        let img = idx(IDX_IMAGES_MAGIC, &[2, 1, 2], &[1, 2, 3, 4]);
        let lab = idx(IDX_LABELS_MAGIC, &[2], &[0, 3]);
        let d = Dataset::from_idx_bytes(&img, p, &lab, p).unwrap();
        assert_eq!((d.len(), d.features(), d.classes), (2, 2, 4));
        assert_eq!(d.images.data(), &[1, 2, 3, 4]);

        let short = idx(IDX_IMAGES_MAGIC, &[2, 1, 2], &[1, 2, 3]);
        assert!(matches!(
            Dataset::from_idx_bytes(&short, p, &lab, p),
            Err(CoreError::Format { .. })
        ));
        let magic = idx(0x0000_0801, &[2, 1, 2], &[1, 2, 3, 4]);
        assert!(matches!(
            Dataset::from_idx_bytes(&magic, p, &lab, p),
            Err(CoreError::Format { .. })
        ));
        let lab3 = idx(IDX_LABELS_MAGIC, &[3], &[0, 1, 2]);
        assert!(matches!(
            Dataset::from_idx_bytes(&img, p, &lab3, p),
            Err(CoreError::CountMismatch { .. })
        ));
        assert!(matches!(
            Dataset::from_idx_bytes(&img[..7], p, &lab, p),
            Err(CoreError::Format { .. })
        ));
        let huge = idx(IDX_IMAGES_MAGIC, &[u32::MAX, u32::MAX, u32::MAX], &[]);
        assert!(Dataset::from_idx_bytes(&huge, p, &lab, p).is_err());
        let gz_garbage = [0x1f, 0x8b, 0, 1, 2];
        assert!(matches!(
            Dataset::from_idx_bytes(&gz_garbage, p, &lab, p),
            Err(CoreError::Format { .. })
        ));
        assert!(matches!(
            Dataset::from_idx_files(Path::new("/nonexistent/a"), p),
            Err(CoreError::Io { .. })
        ));
    }

    #[test]
    fn splits_are_seeded_partitions() {
        let s = Split::holdout(100, 20, 3);
        assert_eq!((s.train.len(), s.test.len()), (80, 20));
        let mut all: Vec<u32> = s.train.iter().chain(&s.test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_eq!(s, Split::holdout(100, 20, 3));
        assert_ne!(s, Split::holdout(100, 20, 4));
        let b = epoch_batches(&s.train, 32, 1, 0);
        assert_eq!(b.len(), 2);
        assert_ne!(b, epoch_batches(&s.train, 32, 1, 1));
    }
}
