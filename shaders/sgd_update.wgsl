// sgd_update.wgsl — matches spotproof_core::ops::sgd_update.
//   m' = clamp(m - rshr_round(g, lr_shift), -32768, 32767)
//   w' = clamp(rshr_round(m', 8), -128, 127)           (MASTER_SHIFT = 8)
// Bound (checked by the core): |g| + 2^(lr_shift-1) + 2^15 < 2^31. In place on the masters.
// Params: m = element count, shift = lr_shift.

@group(0) @binding(1) var<storage, read_write> master: array<i32>;
@group(0) @binding(2) var<storage, read> g: array<i32>;
@group(0) @binding(3) var<storage, read_write> w: array<i32>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if (i >= p.m) {
        return;
    }
    let m = clamp(master[i] - rshr_round(g[i], p.shift), -32768i, 32767i);
    master[i] = m;
    w[i] = clamp(rshr_round(m, 8u), -128i, 127i);
}
