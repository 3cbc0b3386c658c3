// matmul.wgsl — prepended to the three matmul-shaped kernels (linear_forward,
// linear_backward_input, weight_grad): a 16×16-tiled integer product
//   C(i, j) = Σ_{t < p.t} A(i, t)·B(t, j)
// with A and B addressed through the strides in `p`, so one tile loop serves x·Wᵀ, e·W and eᵀ·x.
// The i32 sum is exact under the bounds checked by the core (|Σ| ≤ p.t · 2^14).

@group(0) @binding(1) var<storage, read> mm_a: array<i32>;
@group(0) @binding(2) var<storage, read> mm_b: array<i32>;

const TILE: u32 = 16u;
var<workgroup> tile_a: array<array<i32, 16>, 16>;
var<workgroup> tile_b: array<array<i32, 16>, 16>;

// Must be called in uniform control flow by the whole 16×16 workgroup; `row`/`col` may lie
// outside the output (edge tiles), in which case the result is unused.
fn tiled_dot(lid: vec3<u32>, row: u32, col: u32) -> i32 {
    var acc = 0i;
    let tiles = (p.t + TILE - 1u) / TILE;
    for (var s = 0u; s < tiles; s++) {
        let ta = s * TILE + lid.x;
        var va = 0i;
        if (row < p.m && ta < p.t) {
            va = mm_a[row * p.a_rs + ta * p.a_cs];
        }
        tile_a[lid.y][lid.x] = va;
        let tb = s * TILE + lid.y;
        var vb = 0i;
        if (tb < p.t && col < p.n) {
            vb = mm_b[tb * p.b_rs + col * p.b_cs];
        }
        tile_b[lid.y][lid.x] = vb;
        workgroupBarrier();
        for (var q = 0u; q < TILE; q++) {
            acc += tile_a[lid.y][q] * tile_b[q][lid.x];
        }
        workgroupBarrier();
    }
    return acc;
}
