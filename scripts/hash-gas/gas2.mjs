import { createEVM } from '@ethereumjs/evm';
import { hexToBytes, bytesToHex, createAddressFromString } from '@ethereumjs/util';
import { Common, Mainnet, Hardfork } from '@ethereumjs/common';
import solc from 'solc';
import fs from 'fs';
import { genSolidity, perm as p2perm, P } from './p2.mjs';
import { genPoseidon } from './p1gen.mjs';
import { arkAndMds, arkPermute } from './arkconst.mjs';
const NRP = [56, 57, 56, 60, 60, 63, 64, 63];
const evm = await createEVM({ common: new Common({ chain: Mainnet, hardfork: Hardfork.Prague }), allowUnlimitedContractSize: true, allowUnlimitedInitCodeSize: true });
const caller = createAddressFromString('0x1000000000000000000000000000000000000001');
function intrinsic(hex) { const b = hexToBytes(hex); let g = 21000; for (const x of b) g += x ? 16 : 4; return g; }
function compile(name, source, runs = 200) {
  const input = { language: 'Solidity', sources: { [name + '.sol']: { content: source } }, settings: { optimizer: { enabled: true, runs }, evmVersion: 'cancun', outputSelection: { '*': { '*': ['evm.bytecode.object', 'evm.deployedBytecode.object'] } } } };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errs = (out.errors || []).filter(e => e.severity === 'error');
  if (errs.length) throw new Error(errs.map(e => e.formattedMessage).join('\n'));
  const c = Object.values(out.contracts[name + '.sol'])[0];
  return { init: c.evm.bytecode.object, runtimeBytes: c.evm.deployedBytecode.object.length / 2 };
}
async function deploy(init) { const r = await evm.runCall({ caller, data: hexToBytes('0x' + init), gasLimit: 30_000_000n }); if (r.execResult.exceptionError) throw new Error('deploy ' + r.execResult.exceptionError.error); return { addr: r.createdAddress, deployGas: Number(r.execResult.executionGasUsed) }; }
async function call(addr, xs) {
  const data = '0x' + xs.map(x => x.toString(16).padStart(64, '0')).join('');
  const r = await evm.runCall({ caller, to: addr, data: hexToBytes(data), gasLimit: 10_000_000n });
  if (r.execResult.exceptionError) throw new Error('call ' + r.execResult.exceptionError.error);
  const rv = bytesToHex(r.execResult.returnValue).slice(2);
  return { gas: Number(r.execResult.executionGasUsed), tx: Number(r.execResult.executionGasUsed) + intrinsic(data), out: rv.match(/.{64}/g).map(x => BigInt('0x' + x)) };
}
const rnd = () => { let v = 0n; for (let i = 0; i < 4; i++) v = (v << 64n) | BigInt(Math.floor(Math.random() * 2 ** 32)) << 32n | BigInt(Math.floor(Math.random() * 2 ** 32)); return v; };
const rows = [];
async function bench(label, src, t, ref) {
  for (const runs of [200, 1000000]) {
    let c; try { c = compile(label, src, runs); } catch (e) { rows.push({ impl: label, t, runs, err: e.message.split('\n')[0].slice(0, 80) }); continue; }
    fs.writeFileSync(`sol/${label}.sol`, src);
    const { addr, deployGas } = await deploy(c.init);
    const tests = [Array.from({ length: t }, (_, i) => BigInt(i)), Array.from({ length: t }, () => P - 1n), Array.from({ length: t }, () => (1n << 256n) - 1n)];
    for (let k = 0; k < 200; k++) tests.push(Array.from({ length: t }, rnd));
    let ok = true, g = 0, tx = 0;
    for (const inp of tests) { const r = await call(addr, inp); const e = ref(inp.map(x => x % P)); if (r.out.some((x, i) => x !== e[i])) ok = false; g = Math.max(g, r.gas); tx = Math.max(tx, r.tx); }
    const r0 = await call(addr, tests[0]);
    rows.push({ impl: label, t, runs, execGas_in012: r0.gas, execGas_max: g, txGas_max: tx, deployGas, runtimeBytes: c.runtimeBytes, over24KiB: c.runtimeBytes > 24576, allMatchRef: ok, out0: '0x' + r0.out[0].toString(16).slice(0, 12) + '…' });
  }
}
fs.mkdirSync('sol', { recursive: true });
await bench('Poseidon2T3', genSolidity(), 3, p2perm);
for (const t of [3, 4, 5]) { const C = arkAndMds(t - 1, 8, NRP[t - 2], 0); await bench(`PoseidonT${t}Naive`, genPoseidon(t, NRP[t - 2]), t, (s) => arkPermute(s, C, 8, NRP[t - 2])); }
console.table(rows);
fs.writeFileSync('gas2_results.json', JSON.stringify(rows, null, 1));
