// common.wgsl — prepended to every kernel: the parameter block and the integer helpers.
//
// Storage: int8, int16 and int32 tensors all live in `array<i32>` (one element per word), row-major.
// All arithmetic is i32; spotproof_core::model::ModelConfig::validate proves for the model's
// shapes that no intermediate leaves i32, so these kernels compute the exact values of the core
// reference. `>>` on i32 is an arithmetic shift; shift counts are below 32.

struct Params {
    m: u32,      // rows of the output (or element count for element-wise kernels)
    n: u32,      // columns of the output
    t: u32,      // reduction length (matmul kernels)
    shift: u32,  // requantization / learning-rate shift
    a_rs: u32,   // matmul: A(i, t) = mm_a[i * a_rs + t * a_cs]
    a_cs: u32,
    b_rs: u32,   // matmul: B(t, j) = mm_b[t * b_rs + j * b_cs]
    b_cs: u32,
    lo: i32,     // lower clamp (0 folds ReLU) or the target's off-class value
    hi: i32,     // upper clamp or the target's on-class value
    x0: u32,     // kernel-specific
    x1: u32,     // kernel-specific
}

@group(0) @binding(0) var<uniform> p: Params;

// spotproof_core::ops::rshr_round: floor((x + 2^(s-1)) / 2^s) for s >= 1, x for s = 0.
fn rshr_round(x: i32, s: u32) -> i32 {
    if (s == 0u) {
        return x;
    }
    return (x + (1i << (s - 1u))) >> s;
}

// The linear index of an element-wise thread on a 2-D grid of 256-wide workgroups (grids wider
// than the 65535-workgroup limit wrap into y).
fn flat_index(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
    return gid.x + gid.y * groups.x * 256u;
}
