//! Every domain tag of the protocol, in one place: the first input of each Poseidon hash says
//! what is hashed, so no two kinds of value can collide (`papers/protocol.md` §2).

/// Domain tag of a row leaf.
pub const DOMAIN_ROW: u64 = 1;
/// Domain tag of a padding leaf.
pub const DOMAIN_PAD: u64 = 2;
/// Domain tag of a tensor root.
pub const DOMAIN_TENSOR: u64 = 3;
/// Domain tag of an op descriptor.
pub const DOMAIN_OP: u64 = 4;
/// Domain tag of a step header.
pub const DOMAIN_HEADER: u64 = 5;
/// Domain tag of a trace leaf.
pub const DOMAIN_TRACE_LEAF: u64 = 6;
/// Domain tag of a batch index derivation.
pub const DOMAIN_BATCH: u64 = 7;
/// Domain tag of the sampling seed.
pub const DOMAIN_SEED: u64 = 8;
/// Domain tag of one sample.
pub const DOMAIN_SAMPLE: u64 = 9;
/// Domain tag of the architecture id.
pub const DOMAIN_ARCH: u64 = 10;
/// Domain tag of the offline (Fiat–Shamir) beacon.
pub const DOMAIN_FS_BEACON: u64 = 11;
