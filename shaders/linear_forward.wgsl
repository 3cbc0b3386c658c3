// linear_forward.wgsl — matches spotproof_core::ops::linear_forward.
//   y[b][n] = clamp(rshr_round(bias[n] + Σ_k x[b][k]·w[n][k], shift), lo, 127)
// lo = 0 folds ReLU into the clamp, lo = -128 is the plain int8 clamp of the output layer.
// Bound (checked by the core): |acc| ≤ 2^24 + K·2^14 and |acc| + 2^(shift-1) < 2^31.
// Bindings: mm_a = x (B×K), mm_b = w (N×K, read transposed), bias (N), y (B×N).

@group(0) @binding(3) var<storage, read> bias: array<i32>;
@group(0) @binding(4) var<storage, read_write> y: array<i32>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let row = gid.y;
    let col = gid.x;
    let acc = tiled_dot(lid, row, col);
    if (row < p.m && col < p.n) {
        y[row * p.n + col] = clamp(rshr_round(acc + bias[col], p.shift), p.lo, 127i);
    }
}
