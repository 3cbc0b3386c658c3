//! The kernels: one WGSL file per core op (`spotproof_core::ops::OpKind` names it), plus the
//! shared prelude files.

use spotproof_core::ops::OpKind;

const COMMON: &str = include_str!("../common.wgsl");
const MATMUL: &str = include_str!("../matmul.wgsl");

/// The kernel file of an op: `shaders/<name>.wgsl`.
fn body(k: OpKind) -> &'static str {
    match k {
        OpKind::Gather => include_str!("../gather.wgsl"),
        OpKind::LinearForward => include_str!("../linear_forward.wgsl"),
        OpKind::OutputError => include_str!("../output_error.wgsl"),
        OpKind::LinearBackwardInput => include_str!("../linear_backward_input.wgsl"),
        OpKind::WeightGrad => include_str!("../weight_grad.wgsl"),
        OpKind::BiasGrad => include_str!("../bias_grad.wgsl"),
        OpKind::SgdUpdate => include_str!("../sgd_update.wgsl"),
        OpKind::BiasUpdate => include_str!("../bias_update.wgsl"),
        OpKind::Transpose => include_str!("../transpose.wgsl"),
    }
}

/// Whether the op's kernel is a register-tiled matmul (each workgroup covers a 64×64 output
/// block).
pub fn is_matmul(k: OpKind) -> bool {
    matches!(
        k,
        OpKind::LinearForward | OpKind::LinearBackwardInput | OpKind::WeightGrad
    )
}

/// The complete WGSL source of an op's kernel: the common prelude, the matmul prelude where
/// used, the kernel.
pub fn source(k: OpKind) -> String {
    let mut s = String::from(COMMON);
    if is_matmul(k) {
        s.push_str(MATMUL);
    }
    s.push_str(body(k));
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
    /// `C = x · wᵀ` with `x: m×t`, `w: n×t` (linear_forward).
    pub fn x_wt(m: usize, n: usize, t: usize) -> Self {
        Self {
            m: m as u32,
            n: n as u32,
            t: t as u32,
            a_rs: t as u32,
            a_cs: 1,
            b_rs: 1,
            b_cs: t as u32,
            ..Self::default()
        }
    }

    /// `C = e · w` with `e: m×t`, `w: t×n` (linear_backward_input).
    pub fn e_w(m: usize, n: usize, t: usize) -> Self {
        Self {
            m: m as u32,
            n: n as u32,
            t: t as u32,
            a_rs: t as u32,
            a_cs: 1,
            b_rs: n as u32,
            b_cs: 1,
            ..Self::default()
        }
    }

    /// `C = eᵀ · x` with `e: t×m`, `x: t×n` (weight_grad).
    pub fn et_x(m: usize, n: usize, t: usize) -> Self {
        Self {
            m: m as u32,
            n: n as u32,
            t: t as u32,
            a_rs: 1,
            a_cs: m as u32,
            b_rs: n as u32,
            b_cs: 1,
            ..Self::default()
        }
    }

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
