//! The kernels: one WGSL file per core op, plus the shared prelude files.

const COMMON: &str = include_str!("../common.wgsl");
const MATMUL: &str = include_str!("../matmul.wgsl");

/// One compute kernel, named after the core op it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// `spotproof_core::ops::gather`.
    Gather,
    /// `spotproof_core::ops::linear_forward`.
    LinearForward,
    /// `spotproof_core::ops::output_error`.
    OutputError,
    /// `spotproof_core::ops::linear_backward_input`.
    LinearBackwardInput,
    /// `spotproof_core::ops::weight_grad`.
    WeightGrad,
    /// `spotproof_core::ops::bias_grad`.
    BiasGrad,
    /// `spotproof_core::ops::sgd_update`.
    SgdUpdate,
    /// `spotproof_core::ops::bias_update`.
    BiasUpdate,
    /// `spotproof_core::ops::transpose`.
    Transpose,
}

impl Kernel {
    /// Every kernel.
    pub const ALL: [Kernel; 9] = [
        Kernel::Gather,
        Kernel::LinearForward,
        Kernel::OutputError,
        Kernel::LinearBackwardInput,
        Kernel::WeightGrad,
        Kernel::BiasGrad,
        Kernel::SgdUpdate,
        Kernel::BiasUpdate,
        Kernel::Transpose,
    ];

    /// The op's name (file `shaders/<name>.wgsl`, function `spotproof_core::ops::<name>`).
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Gather => "gather",
            Kernel::LinearForward => "linear_forward",
            Kernel::OutputError => "output_error",
            Kernel::LinearBackwardInput => "linear_backward_input",
            Kernel::WeightGrad => "weight_grad",
            Kernel::BiasGrad => "bias_grad",
            Kernel::SgdUpdate => "sgd_update",
            Kernel::BiasUpdate => "bias_update",
            Kernel::Transpose => "transpose",
        }
    }

    fn body(self) -> &'static str {
        match self {
            Kernel::Gather => include_str!("../gather.wgsl"),
            Kernel::LinearForward => include_str!("../linear_forward.wgsl"),
            Kernel::OutputError => include_str!("../output_error.wgsl"),
            Kernel::LinearBackwardInput => include_str!("../linear_backward_input.wgsl"),
            Kernel::WeightGrad => include_str!("../weight_grad.wgsl"),
            Kernel::BiasGrad => include_str!("../bias_grad.wgsl"),
            Kernel::SgdUpdate => include_str!("../sgd_update.wgsl"),
            Kernel::BiasUpdate => include_str!("../bias_update.wgsl"),
            Kernel::Transpose => include_str!("../transpose.wgsl"),
        }
    }

    /// Whether the kernel is a register-tiled matmul (each workgroup covers a 64×64 output block).
    pub fn is_matmul(self) -> bool {
        matches!(
            self,
            Kernel::LinearForward | Kernel::LinearBackwardInput | Kernel::WeightGrad
        )
    }

    /// The complete WGSL source: the common prelude, the matmul prelude where used, the kernel.
    pub fn source(self) -> String {
        let mut s = String::from(COMMON);
        if self.is_matmul() {
            s.push_str(MATMUL);
        }
        s.push_str(self.body());
        s
    }
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
        for k in Kernel::ALL {
            let module = naga::front::wgsl::parse_str(&k.source())
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
