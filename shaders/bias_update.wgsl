// bias_update.wgsl — matches spotproof_core::ops::bias_update.
//   b' = clamp(b - rshr_round(g, shift), -2^24, 2^24)    (BIAS_MAX = 2^24)
// Bound (checked by the core): 2^24 + |g| + 2^(shift-1) < 2^31. In place.
// Params: m = element count.

@group(0) @binding(1) var<storage, read_write> bias: array<i32>;
@group(0) @binding(2) var<storage, read> g: array<i32>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if (i >= p.m) {
        return;
    }
    bias[i] = clamp(bias[i] - rshr_round(g[i], p.shift), -16777216i, 16777216i);
}
