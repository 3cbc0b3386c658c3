// Gas of EZKL's on-chain verifier, for side_by_side.py --evm. Not part of CI.
//
//   node gas.mjs Verifier.sol calldata.bin
//
// Compiles the Solidity verifier that `ezkl.create_evm_verifier` rendered (with solc-js, since
// EZKL's own compile step downloads a solc binary), deploys it in an in-memory EVM (ethereumjs,
// hardfork Prague) and sends one transaction calling it with the calldata that
// `ezkl.encode_evm_calldata` wrote (verifyProof(proof, instances)). Prints one JSON line: the
// transaction's gas (21,000 + calldata + execution), its execution gas alone, whether the
// verifier returned true (and refused the same calldata with its last instance changed), and
// the sizes. Contracts over EIP-170's 24,576 bytes are allowed here
// (and flagged), so that the gas of a verifier too big for mainnet is still known.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import solc from "solc";
import { createVM, runTx } from "@ethereumjs/vm";
import { Common, Mainnet, Hardfork } from "@ethereumjs/common";
import { createLegacyTx } from "@ethereumjs/tx";
import { Account, createAddressFromPrivateKey, hexToBytes, bytesToHex } from "@ethereumjs/util";

const [solPath, calldataPath] = process.argv.slice(2);
const source = readFileSync(solPath, "utf8");
const calldata = new Uint8Array(readFileSync(calldataPath));

const t0 = performance.now();
const input = {
  language: "Solidity",
  sources: { [basename(solPath)]: { content: source } },
  settings: {
    optimizer: { enabled: true, runs: 1 },
    outputSelection: { "*": { "*": ["evm.bytecode.object"] } },
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (out.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  console.error(errors.map((e) => e.formattedMessage).join("\n"));
  process.exit(1);
}
const contracts = out.contracts[basename(solPath)];
const name = Object.keys(contracts)[0];
const bytecode = hexToBytes("0x" + contracts[name].evm.bytecode.object);
const compileSeconds = (performance.now() - t0) / 1e3;

const common = new Common({ chain: Mainnet, hardfork: Hardfork.Prague });
const vm = await createVM({ common, evmOpts: { allowUnlimitedContractSize: true } });
const key = hexToBytes("0x" + "11".repeat(32));
const sender = createAddressFromPrivateKey(key);
await vm.stateManager.putAccount(sender, new Account(0n, 10n ** 24n));
const gasLimit = 1_000_000_000n;
const block = { header: { gasLimit, baseFeePerGas: 1n } };

async function send(nonce, to, data) {
  const tx = createLegacyTx({ nonce, gasPrice: 10n, gasLimit, to, data }, { common }).sign(key);
  return runTx(vm, { tx, skipBlockGasLimitValidation: true, skipBalance: true, skipHardForkValidation: true });
}

const deploy = await send(0n, undefined, bytecode);
if (deploy.execResult.exceptionError || !deploy.createdAddress) {
  console.error("deploy failed:", deploy.execResult.exceptionError);
  process.exit(1);
}
const deployed = (await vm.stateManager.getCode(deploy.createdAddress)).length;
const t1 = performance.now();
const call = await send(1n, deploy.createdAddress, calldata);
const ret = call.execResult.returnValue;
const verified = !call.execResult.exceptionError && ret.length === 32 && ret[31] === 1;
// The same call with the last public instance (the last logit) changed must be refused. The
// calldata is verifyProof(bytes proof, uint256[] instances), ABI-encoded (EZKL appends a zero word).
const word = (at) => BigInt(bytesToHex(calldata.subarray(at, at + 32)));
const instOffset = 4 + Number(word(4 + 32));
const numInstances = Number(word(instOffset));
const bad = calldata.slice();
bad[instOffset + 32 * numInstances + 31] ^= 1;
const rej = await send(2n, deploy.createdAddress, bad);
const r2 = rej.execResult.returnValue;
const tamperedRejected = !!rej.execResult.exceptionError || !(r2.length === 32 && r2[31] === 1);
const zero = calldata.filter((b) => b === 0).length;
console.log(
  JSON.stringify({
    contract: name,
    solc: solc.version(),
    hardfork: "prague",
    verified,
    tampered_rejected: tamperedRejected,
    error: call.execResult.exceptionError ? String(call.execResult.exceptionError.error) : null,
    gas_used: Number(call.totalGasSpent),
    execution_gas: Number(call.execResult.executionGasUsed),
    instances: numInstances,
    calldata_bytes: calldata.length,
    calldata_zero_bytes: zero,
    bytecode_bytes: deployed,
    over_eip170: deployed > 24576,
    deploy_gas: Number(deploy.totalGasSpent),
    compile_seconds: compileSeconds,
    evm_seconds: (performance.now() - t1) / 1e3, // both calls
  }),
);
