//! From a step on the GPU (lavapipe in CI; the CPU reference without an adapter) to a contract
//! event, through the binaries and files a worker uses: `spotproof-worker setup`, `commit
//! --worker ADDRESS`, the registry's `commit(root)`, the beacon block's hash, `spotproof-worker
//! prove --block-hash`, the validator's calldata, and `prove(root, proof)` in revm.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../verifier/tests/evm/mod.rs"]
mod evm;

use evm::{Chain, address_word, compile, solc_or_skip, u64_word};
use revm::primitives::{Address, keccak256};
use spotproof_core::ids::BlockHash;
use spotproof_verifier::bundle::Bundle;
use spotproof_verifier::verify::{BeaconPin, Policy, Rejection, verify_bundles};
use spotproof_verifier::{keys, solidity};
use std::path::PathBuf;
use std::process::{Command, Output};

fn worker(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_spotproof-worker"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "spotproof-worker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spotproof-onchain-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_committed_training_step_is_verified_by_the_registry() {
    let Some(solc) = solc_or_skip("a_committed_training_step_is_verified_by_the_registry") else {
        return;
    };
    let dir = temp_dir("flow");
    let s = |p: &PathBuf| p.to_str().unwrap().to_string();
    let keys_dir = dir.join("keys");
    let traces = dir.join("traces");
    let address = Address::repeat_byte(0x42);

    // The class's keys, and the contracts rendered from its verifying key.
    worker(&["setup", "--class", "mlp2-s64-r128", "--out", &s(&keys_dir)]);
    let vk_path = keys_dir.join("mlp2-s64-r128.vk");
    let vk = keys::read_vk(&vk_path).unwrap();
    let contracts = compile(
        &solc,
        &[
            (
                solidity::VERIFIER_FILE,
                solidity::verifier_source(&vk).as_str(),
            ),
            (solidity::REGISTRY_FILE, solidity::REGISTRY_SOURCE),
        ],
    );
    const DELAY: u64 = 1;
    let mut chain = Chain::new(20_000, 11);
    let (registry, _) = chain
        .deploy(
            Address::repeat_byte(0xd0),
            &contracts["StepRegistry"].bytecode,
            &u64_word(DELAY),
        )
        .unwrap();
    chain.mine(1);

    // Train and commit one step as the worker's address; publish the root.
    let out = worker(&[
        "commit",
        "--out",
        &s(&traces),
        "--steps",
        "1",
        "--worker",
        &address.to_string(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (root_hex, trace) = stdout.trim().split_once("  ").unwrap();
    let root = spotproof_core::commit::from_hex(root_hex).unwrap();
    let commit_block = chain.number;
    let o = chain.send(address, registry, &solidity::commit_calldata(&root));
    assert!(o.success, "commit: {}", o.error());

    // Once the beacon block is sealed, prove under its hash.
    chain.mine(DELAY + 1);
    let hash = chain.block_hash(commit_block + DELAY);
    let bundle_path = dir.join("step0.json");
    worker(&[
        "prove",
        "--trace",
        trace,
        "--block-hash",
        &format!("0x{}", hex::encode(hash)),
        "--keys",
        &s(&keys_dir),
        "--out",
        &s(&bundle_path),
    ]);
    let bundle = Bundle::read(&bundle_path).unwrap();
    // A validator pins the beacon with the same block hash; without it the bundle's external
    // beacon is pinned by nothing.
    let pinned = |beacon| {
        let policy = Policy {
            beacon,
            roots: Some(vec![root]),
            allow_gaps: false,
        };
        let bundles = [(bundle_path.clone(), bundle.clone())];
        let report = verify_bundles(&vk, &bundles, &policy, &mut rand::rngs::OsRng).unwrap();
        report.verdicts[0].result.clone()
    };
    assert_eq!(pinned(BeaconPin::Given(BlockHash(hash.0).beacon())), Ok(()));
    assert_eq!(
        pinned(BeaconPin::FiatShamir),
        Err(Rejection::UnpinnedBeacon)
    );
    let calls = solidity::registry_calls(&bundle_path, &bundle, &vk)
        .unwrap()
        .unwrap();
    assert_eq!(calls.worker, address.0.0);
    let o = chain.send(address, registry, &calls.prove);
    assert!(o.success, "prove: {}", o.error());
    let log = &o.logs[0];
    assert_eq!(
        log.topics()[0],
        keccak256("StepVerified(address,uint256,uint256)")
    );
    assert_eq!(log.topics()[1].0, address_word(address));
    assert_eq!(log.topics()[2].0, solidity::word(&root));
    eprintln!("digits step verified on chain for {} gas", o.gas_used);
}
