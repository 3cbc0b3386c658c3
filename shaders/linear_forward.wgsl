// linear_forward.wgsl — matches spotproof_core::ops::linear_forward.
//   y[b][n] = clamp(rshr_round(bias[n] + Σ_k x[b][k]·w[n][k], shift), lo, 127)
// lo = 0 folds ReLU into the clamp, lo = -128 is the plain int8 clamp of the output layer.
// Bound (checked by the core): |acc| ≤ 2^24 + K·2^14 and |acc| + 2^(shift-1) < 2^31.
// Bindings: mm_a = x (B×K), mm_b = w (N×K, read transposed), bias (N), y (B×N).

@group(0) @binding(3) var<storage, read> bias: array<i32>;
@group(0) @binding(4) var<storage, read_write> y: array<i32>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let acc = tiled_block(wid, lid);
    for (var i = 0u; i < REG; i++) {
        for (var j = 0u; j < REG; j++) {
            let row = block_row(wid, lid, i);
            let col = block_col(wid, lid, j);
            if (row < p.m && col < p.n) {
                y[row * p.n + col] = clamp(rshr_round(acc[i * REG + j] + bias[col], p.shift), p.lo, 127i);
            }
        }
    }
}
