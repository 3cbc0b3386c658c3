// output_error.wgsl — matches spotproof_core::ops::output_error.
//   e[b][n] = clamp(y[b][n] - t[b][n], -128, 127),  t[b][n] = hi if n == labels[b] else lo
// |y - t| ≤ 255: no accumulator. Params: m = B, n = N, hi/lo = the target values.

@group(0) @binding(1) var<storage, read> y: array<i32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> e: array<i32>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if (i >= p.m * p.n) {
        return;
    }
    let b = i / p.n;
    let n = i % p.n;
    let t = select(p.lo, p.hi, n == labels[b]);
    e[i] = clamp(y[i] - t, -128i, 127i);
}
