// weight_grad.wgsl — matches spotproof_core::ops::weight_grad.
//   g[n][k] = Σ_b e[b][n]·x[b][k]     (exact i32, no rounding; |g| ≤ B·2^14)
// Bindings: mm_a = e (B×N, read transposed), mm_b = x (B×K), g (N×K).

@group(0) @binding(3) var<storage, read_write> g: array<i32>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let row = gid.y;
    let col = gid.x;
    let acc = tiled_dot(lid, row, col);
    if (row < p.m && col < p.n) {
        g[row * p.n + col] = acc;
    }
}
