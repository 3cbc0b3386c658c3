// transpose.wgsl — matches spotproof_core::ops::transpose.
//   t[k][b] = x[b][k]      (int8 copy, exact: no arithmetic on the values)
// One output element per invocation on the element-wise 2-D grid (flat_index), no loop, so
// llvmpipe's 65535-iteration loop budget never applies whatever the shape. Writes are
// contiguous in t; reads stride by K through x.
// Params: m = B, n = K (the shape of x; t is K×B).

@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read_write> t: array<i32>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if (i >= p.m * p.n) {
        return;
    }
    let k = i / p.m;
    let b = i % p.m;
    t[i] = x[b * p.n + k];
}
