// matmul.wgsl — prepended to the three matmul-shaped kernels (linear_forward,
// linear_backward_input, weight_grad): a register-tiled integer product
//   C(i, j) = Σ_{t < p.t} A(i, t)·B(t, j)
// with A and B addressed through the strides in `p`, so one tile loop serves x·Wᵀ, e·W and eᵀ·x.
// A 16×16 workgroup computes a 64×64 block of C; thread (x, y) owns the 4×4 outputs at rows
// y + 16·i and columns x + 16·j. The i32 sums are exact under the bounds checked by the core
// (every partial sum is bounded by p.t · 2^14), whatever the summation order.

@group(0) @binding(1) var<storage, read> mm_a: array<i32>;
@group(0) @binding(2) var<storage, read> mm_b: array<i32>;

const TILE: u32 = 16u;
const REG: u32 = 4u;
const BLOCK: u32 = 64u;
var<workgroup> tile_a: array<array<i32, 16>, 64>;
var<workgroup> tile_b: array<array<i32, 64>, 16>;

// The output row and column of accumulator slot `i * REG + j` of this thread.
fn block_row(wid: vec3<u32>, lid: vec3<u32>, i: u32) -> u32 {
    return wid.y * BLOCK + lid.y + TILE * i;
}
fn block_col(wid: vec3<u32>, lid: vec3<u32>, j: u32) -> u32 {
    return wid.x * BLOCK + lid.x + TILE * j;
}

// acc[i·4 + j] += A(row_i, q)·B(q, col_j) for this thread's 4×4 outputs, written out in full:
// llvmpipe (lavapipe) stops any shader loop after 65535 iterations per invocation in total, so
// the innermost work must not be a loop, or reductions over the largest K would be cut short.
fn mac(acc: ptr<function, array<i32, 16>>, q: u32, lid: vec3<u32>) {
    let a0 = tile_a[lid.y][q];
    let a1 = tile_a[lid.y + 16u][q];
    let a2 = tile_a[lid.y + 32u][q];
    let a3 = tile_a[lid.y + 48u][q];
    let b0 = tile_b[q][lid.x];
    let b1 = tile_b[q][lid.x + 16u];
    let b2 = tile_b[q][lid.x + 32u];
    let b3 = tile_b[q][lid.x + 48u];
    (*acc)[0] += a0 * b0;
    (*acc)[1] += a0 * b1;
    (*acc)[2] += a0 * b2;
    (*acc)[3] += a0 * b3;
    (*acc)[4] += a1 * b0;
    (*acc)[5] += a1 * b1;
    (*acc)[6] += a1 * b2;
    (*acc)[7] += a1 * b3;
    (*acc)[8] += a2 * b0;
    (*acc)[9] += a2 * b1;
    (*acc)[10] += a2 * b2;
    (*acc)[11] += a2 * b3;
    (*acc)[12] += a3 * b0;
    (*acc)[13] += a3 * b1;
    (*acc)[14] += a3 * b2;
    (*acc)[15] += a3 * b3;
}

// Must be called in uniform control flow by the whole workgroup. Slots outside C hold garbage
// that the caller never writes. The only loop runs ⌈p.t / 16⌉ ≤ 8192 times (p.t ≤ 131071 by
// the core's bounds), with a 4-iteration load loop inside: within llvmpipe's loop budget.
fn tiled_block(wid: vec3<u32>, lid: vec3<u32>) -> array<i32, 16> {
    var acc: array<i32, 16>;
    let steps = (p.t + TILE - 1u) / TILE;
    for (var s = 0u; s < steps; s++) {
        let ta = s * TILE + lid.x;
        let tb = s * TILE + lid.y;
        for (var i = 0u; i < REG; i++) {
            let r = block_row(wid, lid, i);
            var va = 0i;
            if (r < p.m && ta < p.t) {
                va = mm_a[r * p.a_rs + ta * p.a_cs];
            }
            tile_a[lid.y + TILE * i][lid.x] = va;
            let c = block_col(wid, lid, i);
            var vb = 0i;
            if (tb < p.t && c < p.n) {
                vb = mm_b[tb * p.b_rs + c * p.b_cs];
            }
            tile_b[lid.y][lid.x + TILE * i] = vb;
        }
        workgroupBarrier();
        mac(&acc, 0u, lid);
        mac(&acc, 1u, lid);
        mac(&acc, 2u, lid);
        mac(&acc, 3u, lid);
        mac(&acc, 4u, lid);
        mac(&acc, 5u, lid);
        mac(&acc, 6u, lid);
        mac(&acc, 7u, lid);
        mac(&acc, 8u, lid);
        mac(&acc, 9u, lid);
        mac(&acc, 10u, lid);
        mac(&acc, 11u, lid);
        mac(&acc, 12u, lid);
        mac(&acc, 13u, lid);
        mac(&acc, 14u, lid);
        mac(&acc, 15u, lid);
        workgroupBarrier();
    }
    return acc;
}
