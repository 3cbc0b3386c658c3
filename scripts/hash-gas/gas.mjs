import { createEVM } from '@ethereumjs/evm';
import { Address, hexToBytes, bytesToHex, createAddressFromString } from '@ethereumjs/util';
import { Common, Mainnet, Hardfork } from '@ethereumjs/common';
import { poseidonContract, buildPoseidon } from 'circomlibjs';
import { keccak_256 } from '@noble/hashes/sha3.js';
import fs from 'fs';
import { createRequire } from 'module';
const require = createRequire(import.meta.url);
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const common = new Common({ chain: Mainnet, hardfork: Hardfork.Prague });
const evm = await createEVM({ common });
const caller = createAddressFromString('0x1000000000000000000000000000000000000001');
await evm.stateManager.putAccount(caller, undefined);
const acct = await evm.stateManager.getAccount(caller) ;

function sel(sig) { return bytesToHex(keccak_256(new TextEncoder().encode(sig))).slice(2, 10); }
function enc(xs) { return xs.map(x => x.toString(16).padStart(64, '0')).join(''); }
function intrinsic(hex) { const b = hexToBytes(hex); let g = 21000; for (const x of b) g += x ? 16 : 4; return g; }

async function deploy(initHex) {
  const r = await evm.runCall({ caller, data: hexToBytes(initHex.startsWith('0x') ? initHex : '0x' + initHex), gasLimit: 30_000_000n });
  if (r.execResult.exceptionError) throw new Error('deploy failed ' + r.execResult.exceptionError.error);
  return { addr: r.createdAddress, deployGas: r.execResult.executionGasUsed };
}
async function call(addr, dataHex) {
  // warm the target like a real tx (tx.to is warm); runCall does this
  const r = await evm.runCall({ caller, to: addr, data: hexToBytes(dataHex), gasLimit: 10_000_000n });
  if (r.execResult.exceptionError) throw new Error('call failed ' + r.execResult.exceptionError.error);
  return { gas: r.execResult.executionGasUsed, out: BigInt(bytesToHex(r.execResult.returnValue)) };
}

const poseidon = await buildPoseidon();
const rows = [];
// 1. circomlibjs poseidon_gencontract, nInputs=1..8 -> t=2..9
for (let n = 1; n <= 8; n++) {
  let code; try { code = poseidonContract.createCode(n); } catch (e) { rows.push({ impl: 'circomlibjs gencontract', t: n + 1, call: 'createCode failed: ' + e.message }); continue; }
  const { addr, deployGas } = await deploy(code);
  const inputs = Array.from({ length: n }, (_, i) => BigInt(i + 1));
  const data = '0x' + sel(`poseidon(uint256[${n}])`) + enc(inputs);
  const { gas, out } = await call(addr, data);
  const ref = poseidon.F.toObject(poseidon(inputs));
  rows.push({ impl: 'circomlibjs gencontract', t: n + 1, call: `poseidon(uint256[${n}])`, execGas: Number(gas), txGas: Number(gas) + intrinsic(data), deployGas: Number(deployGas), codeBytes: (code.length - 2) / 2, correct: out === ref });
}
// 2. poseidon-solidity (vimwitch) T2..T6
const ps = require('poseidon-solidity');
for (let t = 2; t <= 6; t++) {
  const d = ps['PoseidonT' + t];
  const init = '0x' + d.data.slice(2 + 64); // strip 32-byte CREATE2 salt
  const { addr, deployGas } = await deploy(init);
  const n = t - 1;
  const inputs = Array.from({ length: n }, (_, i) => BigInt(i + 1));
  const data = '0x' + sel(`hash(uint256[${n}])`) + enc(inputs);
  const { gas, out } = await call(addr, data);
  const ref = poseidon.F.toObject(poseidon(inputs));
  rows.push({ impl: 'poseidon-solidity 0.0.5', t, call: `hash(uint256[${n}])`, execGas: Number(gas), txGas: Number(gas) + intrinsic(data), deployGas: Number(deployGas), correct: out === ref });
}
// 3. zemse/poseidon2-evm (Poseidon2 BN254 t=4, Noir/Barretenberg params)
const yul = JSON.parse(fs.readFileSync('src/zemse/deployed-artifacts/bn254-yul/v2/Poseidon2Yul_Bn254.json'));
const huff = fs.readFileSync('src/zemse/deployed-artifacts/bn254-huff/v2/Poseidon2huff.out', 'utf8').trim();
const vec = { // from src/zemse/test/Poseidon2.t.sol
  1: [[0n], 0x2710144414c3a5f2354f4c08d52ed655b9fe253b4bf12cb9ad3de693d9b1db11n],
  2: [[0n, 0n], 0x0b63a53787021a4a962a452c2921b3663aff1ffd8d5510540f8e659e782956f1n],
};
for (const [name, init] of [['zemse poseidon2-evm Yul v2', yul.bytecode.object ?? yul.bytecode], ['zemse poseidon2-evm Huff v2', huff]]) {
  const { addr, deployGas } = await deploy(init);
  for (const n of [1, 2, 3]) {
    const inputs = vec[n] ? vec[n][0] : Array.from({ length: n }, (_, i) => BigInt(i + 1));
    const args = n === 1 ? 'uint256' : n === 2 ? 'uint256,uint256' : 'uint256,uint256,uint256';
    const data = '0x' + sel(`hash_${n}(${args})`) + enc(inputs);
    const { gas, out } = await call(addr, data);
    rows.push({ impl: name, t: 4, call: `hash_${n}`, execGas: Number(gas), txGas: Number(gas) + intrinsic(data), deployGas: Number(deployGas), correct: vec[n] ? out === vec[n][1] : 'n/a', out: '0x' + out.toString(16) });
  }
}
console.table(rows);
fs.writeFileSync('gas_results.json', JSON.stringify(rows, null, 1));
