//! The kernels: one WGSL file per core op (`spotproof_core::ops::OpKind` names it, `crate::ops`
//! holds its launch code), plus the shared prelude files and the uniform parameter block.

use spotproof_core::ops::OpKind;

const COMMON: &str = include_str!("../common.wgsl");
const MATMUL: &str = include_str!("../matmul.wgsl");

/// The complete WGSL source of an op's kernel: the common prelude, the matmul prelude where
/// used, the op's file.
pub fn source(k: OpKind) -> String {
    let kernel = crate::ops::kernel(k);
    let mut s = String::from(COMMON);
    if kernel.matmul() {
        s.push_str(MATMUL);
    }
    s.push_str(kernel.body());
    s
}

/// The kernels' uniform parameter block (`struct Params` in `common.wgsl`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub(crate) struct Params {
    pub m: u32,
    pub n: u32,
    pub t: u32,
    pub shift: u32,
    pub a_rs: u32,
    pub a_cs: u32,
    pub b_rs: u32,
    pub b_cs: u32,
    pub lo: i32,
    pub hi: i32,
    pub x0: u32,
    pub x1: u32,
}

impl Params {
    /// An element-wise kernel over `m` rows of `n`.
    pub fn rows(m: usize, n: usize) -> Self {
        Self {
            m: m as u32,
            n: n as u32,
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kernel_parses_and_validates_with_naga() {
        // Pure front-end check, no device: catches WGSL errors on machines without any adapter.
        for k in OpKind::ALL {
            let module = naga::front::wgsl::parse_str(&source(k))
                .unwrap_or_else(|e| panic!("{}: {e}", k.name()));
            naga::valid::Validator::new(
                naga::valid::ValidationFlags::all(),
                naga::valid::Capabilities::all(),
            )
            .validate(&module)
            .unwrap_or_else(|e| panic!("{}: {e:?}", k.name()));
        }
    }
}
