// linear_backward_input.wgsl — matches spotproof_core::ops::linear_backward_input.
//   d[b][k] = (0 < a[b][k] < 127) ? clamp(rshr_round(Σ_n e[b][n]·w[n][k], shift), -128, 127) : 0
// The mask is the derivative of the clamp that produced the activation a.
// Bound (checked by the core): N·2^14 + 2^(shift-1) < 2^31.
// Bindings: mm_a = e (B×N), mm_b = w (N×K), a (B×K), d (B×K).

@group(0) @binding(3) var<storage, read> act: array<i32>;
@group(0) @binding(4) var<storage, read_write> d: array<i32>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let acc = tiled_block(wid, lid);
    for (var i = 0u; i < REG; i++) {
        for (var j = 0u; j < REG; j++) {
            let row = block_row(wid, lid, i);
            let col = block_col(wid, lid, j);
            if (row < p.m && col < p.n) {
                let at = row * p.n + col;
                let a = act[at];
                var v = 0i;
                if (a > 0i && a < 127i) {
                    v = clamp(rshr_round(acc[i * REG + j], p.shift), -128i, 127i);
                }
                d[at] = v;
            }
        }
    }
}
