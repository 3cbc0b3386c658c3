// weight_grad.wgsl — matches spotproof_core::ops::weight_grad.
//   g[n][k] = Σ_b e[b][n]·x[b][k]     (exact i32, no rounding; |g| ≤ B·2^14)
// Bindings: mm_a = e (B×N, read transposed), mm_b = x (B×K), g (N×K).

@group(0) @binding(3) var<storage, read_write> g: array<i32>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let acc = tiled_block(wid, lid);
    for (var i = 0u; i < REG; i++) {
        for (var j = 0u; j < REG; j++) {
            let row = block_row(wid, lid, i);
            let col = block_col(wid, lid, j);
            if (row < p.m && col < p.n) {
                g[row * p.n + col] = acc[i * REG + j];
            }
        }
    }
}
