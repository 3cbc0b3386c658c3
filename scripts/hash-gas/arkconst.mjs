// Re-implementation of ark-crypto-primitives 0.6 src/sponge/poseidon/grain_lfsr.rs + traits.rs::find_poseidon_ark_and_mds
import fs from 'fs';
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const mod = (a) => ((a % P) + P) % P;
function pow(b, e) { let r = 1n; b = mod(b); while (e > 0n) { if (e & 1n) r = r * b % P; b = b * b % P; e >>= 1n; } return r; }
const inv = (a) => pow(a, P - 2n);

export class Grain {
  constructor(primeBits, t, rf, rp) {
    const s = new Array(80).fill(false);
    s[1] = true; // field = prime field (b0,b1 = 0,1); sbox x^alpha => b2..b5 = 0
    const put = (lo, hi, v) => { let c = BigInt(v); for (let i = hi; i >= lo; i--) { s[i] = (c & 1n) === 1n; c >>= 1n; } };
    put(6, 17, primeBits); put(18, 29, t); put(30, 39, rf); put(40, 49, rp);
    for (let i = 50; i < 80; i++) s[i] = true;
    this.s = s; this.head = 0; this.n = primeBits;
    for (let i = 0; i < 160; i++) this.update();
  }
  update() {
    const s = this.s, h = this.head;
    const b = s[(h + 62) % 80] ^ s[(h + 51) % 80] ^ s[(h + 38) % 80] ^ s[(h + 23) % 80] ^ s[(h + 13) % 80] ^ s[h];
    s[h] = !!b; this.head = (h + 1) % 80; return !!b;
  }
  bits(k) { const r = []; for (let i = 0; i < k; i++) { let nb = this.update(); while (!nb) { this.update(); nb = this.update(); } r.push(this.update()); } return r; }
  int() { let v = 0n; for (const b of this.bits(this.n)) v = (v << 1n) | (b ? 1n : 0n); return v; } // first bit = MSB
  rejection(k) { const r = []; for (let i = 0; i < k; i++) { for (;;) { const v = this.int(); if (v < P) { r.push(v); break; } } } return r; }
  modp(k) { const r = []; for (let i = 0; i < k; i++) r.push(this.int() % P); return r; }
}
export function arkAndMds(rate, rf, rp, skip = 0) {
  const t = rate + 1, g = new Grain(254, t, rf, rp);
  const ark = []; for (let r = 0; r < rf + rp; r++) ark.push(g.rejection(t));
  for (let i = 0; i < skip; i++) g.modp(2 * t);
  const xs = g.modp(t), ys = g.modp(t);
  const mds = xs.map(x => ys.map(y => inv(x + y)));
  return { ark, mds };
}
// ark Poseidon permutation (ark-crypto-primitives sponge/poseidon/mod.rs permute)
export function arkPermute(st, { ark, mds }, rf, rp) {
  st = st.slice(); const t = st.length;
  for (let r = 0; r < rf + rp; r++) {
    st = st.map((x, i) => mod(x + ark[r][i]));
    const full = r < rf / 2 || r >= rf / 2 + rp;
    if (full) st = st.map(x => pow(x, 5n)); else st[0] = pow(st[0], 5n);
    st = mds.map(row => row.reduce((a, m, j) => mod(a + m * st[j]), 0n));
  }
  return st;
}
