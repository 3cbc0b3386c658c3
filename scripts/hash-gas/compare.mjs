import { arkAndMds, arkPermute } from './arkconst.mjs';
import { createRequire } from 'module';
import { buildPoseidon } from 'circomlibjs';
const require = createRequire(import.meta.url);
import fs from 'fs';
const cc = JSON.parse(fs.readFileSync('node_modules/circomlibjs/src/poseidon_constants.json'));
const co = JSON.parse(fs.readFileSync('node_modules/circomlibjs/src/poseidon_constants_opt.json'));
const h = (x) => '0x' + BigInt(x).toString(16).padStart(64, '0');
const NRP = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
const out = {};
for (const t of [2, 3, 4, 5, 6, 7]) {
  const rp = NRP[t - 2];
  const A = arkAndMds(t - 1, 8, rp, 0);
  const Cc = cc.C[t - 2].map(BigInt), Mc = cc.M[t - 2].map(r => r.map(BigInt));
  const arkFlat = A.ark.flat();
  const cEq = arkFlat.length === Cc.length && arkFlat.every((x, i) => x === Cc[i]);
  const mEq = A.mds.every((r, i) => r.every((x, j) => x === Mc[i][j]));
  const mTEq = A.mds.every((r, i) => r.every((x, j) => x === Mc[j][i]));
  out[t] = { rp, nC: Cc.length, cEq, mEq, mTransposeEq: mTEq, ark00: h(arkFlat[0]), circ00: h(Cc[0]), arkM00: h(A.mds[0][0]), circM00: h(Mc[0][0]), arkM01: h(A.mds[0][1]), circM01: h(Mc[0][1]) };
  if (!cEq) { const firstDiff = arkFlat.findIndex((x, i) => x !== Cc[i]); out[t].firstCDiff = firstDiff; }
}
console.log(JSON.stringify(out, null, 1));
// opt constants: poseidon_constants_opt C for t=3 is the *transformed* constants (not raw)
console.log('opt C[t=3][0..2] =', co.C[1].slice(0, 3).map(h), ' raw C[t=3][0..2] =', cc.C[1].slice(0, 3).map(h));
console.log('opt M equals raw M for t=3:', co.M[1].every((r, i) => r.every((x, j) => BigInt(x) === BigInt(cc.M[1][i][j]))));
// permutation/sponge comparison t=3
const A3 = arkAndMds(2, 8, 57, 0);
const poseidon = await buildPoseidon();
const circ = poseidon.F.toObject(poseidon([1n, 2n]));
const perm = arkPermute([0n, 1n, 2n], A3, 8, 57);
console.log('circomlib poseidon([1,2])           =', h(circ));
console.log('ark-constants permute([0,1,2])[0]   =', h(perm[0]), '(circom convention: state=[0,in..], out=state[0])');
console.log('ark-constants permute([0,1,2])[1]   =', h(perm[1]), '(ark PoseidonSponge convention: absorb into state[1..], squeeze state[1])');
