// gather.wgsl — matches spotproof_core::ops::gather.
//   x[b][k] = min((images[idx[b]][k] << shl) >> shr, 127),  labels_out[b] = labels[idx[b]]
// images are u8 packed four per u32 word, little-endian within the word, each row padded to a
// whole word (p.x1 words per row). shl, shr ≤ 8 (checked by the core), so nothing overflows.
// Params: m = B, n = K, shift = shl, x0 = shr, x1 = words per row. Indices are checked < rows on
// the host before upload.

@group(0) @binding(1) var<storage, read> images: array<u32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read> idx: array<u32>;
@group(0) @binding(4) var<storage, read_write> x: array<i32>;
@group(0) @binding(5) var<storage, read_write> labels_out: array<u32>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = flat_index(gid, groups);
    if (i >= p.m * p.n) {
        return;
    }
    let b = i / p.n;
    let k = i % p.n;
    let r = idx[b];
    let word = images[r * p.x1 + k / 4u];
    let pixel = (word >> (8u * (k % 4u))) & 0xffu;
    x[i] = i32(min((pixel << p.shift) >> p.x0, 127u));
    if (k == 0u) {
        labels_out[b] = labels[r];
    }
}
