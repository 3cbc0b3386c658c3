// predict.wgsl — matches spotproof_core::ops::predict.
//   pred[b] = the first n with y[b][n] = max_n y[b][n]   (ties go to the smaller class)
//   correct[b] = 1 if pred[b] == labels[b] else 0
// Comparisons of int8 values only. One thread per row. Params: m = B, n = N.

@group(0) @binding(1) var<storage, read> y: array<i32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> pred: array<i32>;
@group(0) @binding(4) var<storage, read_write> correct: array<i32>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let b = flat_index(gid, groups);
    if (b >= p.m) {
        return;
    }
    var best = 0u;
    for (var n = 1u; n < p.n; n += 1u) {
        // Strictly greater: an equal later value does not displace the first maximum.
        if (y[b * p.n + n] > y[b * p.n + best]) {
            best = n;
        }
    }
    pred[b] = i32(best);
    correct[b] = select(0i, 1i, best == labels[b]);
}
