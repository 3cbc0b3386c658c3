// bias_grad.wgsl — matches spotproof_core::ops::bias_grad.
//   g[n] = Σ_b e[b][n]     (exact i32; |g| ≤ B·128, so every partial sum fits too)
// One 256-thread workgroup per column: strided partial sums (≤ 512 iterations per thread, well
// inside llvmpipe's 65535-iteration loop budget that a serial sum over B rows would exceed),
// then a tree reduction in workgroup memory (integer addition is associative, so the order
// cannot change the result).
// Params: m = B, n = N.

@group(0) @binding(1) var<storage, read> e: array<i32>;
@group(0) @binding(2) var<storage, read_write> g: array<i32>;

var<workgroup> partial: array<i32, 256>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let n = wid.x + wid.y * groups.x;
    var acc = 0i;
    if (n < p.n) {
        for (var b = lid; b < p.m; b += 256u) {
            acc += e[b * p.n + n];
        }
    }
    partial[lid] = acc;
    workgroupBarrier();
    for (var width = 128u; width > 0u; width >>= 1u) {
        if (lid < width) {
            partial[lid] += partial[lid + width];
        }
        workgroupBarrier();
    }
    if (lid == 0u && n < p.n) {
        g[n] = partial[0];
    }
}
