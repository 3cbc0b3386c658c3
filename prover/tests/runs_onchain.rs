//! A run settled on chain end to end through the binaries, on a small digits task: the contracts
//! `export-solidity` writes, compiled by the pinned solc and deployed in revm; the poster's
//! `register` and the worker's `commit` (`spotproof-worker commit-run`), the seal, `spotproof-worker
//! respond --block-hash`, the validator's `prove` calls, `dispute` finding nothing, the dispute
//! window and the payment. Then runs that break their chain in an unproven step, or do not
//! follow the task, are slashed through the fraud proofs `spotproof-validator dispute` prints.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../verifier/tests/evm/mod.rs"]
mod evm;

use common::{s, stderr, temp_dir, validator, worker};
use evm::{Chain, Outcome, address_word, compile, compile_runs, solc_or_skip, u64_word};
use revm::primitives::{Address, U256};
use spotproof_core::layout::Role;
use spotproof_core::run::{RunFile, run_root};
use spotproof_verifier::registry::{POSEIDON2_FILE, RUN_REGISTRY_FILE};
use spotproof_verifier::solidity;
use std::path::{Path, PathBuf};
use std::process::Output;

const CLASS: &str = "mlp2-s14-b32-w64x128x16";
const STEPS: u64 = 6;
const DELAY: u64 = 2;
const PROVE_WINDOW: u64 = 60;
const DISPUTE_WINDOW: u64 = 10;
const BOND: u128 = 2_000_000_000_000_000_000;
const REWARD: u128 = 7_000_000_000_000_000_000;
const FUNDS: u128 = 100_000_000_000_000_000_000;

fn the_worker() -> Address {
    Address::repeat_byte(0x5e)
}
fn poster() -> Address {
    Address::repeat_byte(0x90)
}
fn reporter() -> Address {
    Address::repeat_byte(0x77)
}

/// Exit 0; the stdout lines.
fn lines(o: &Output) -> Vec<String> {
    assert!(o.status.success(), "{}", stderr(o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

fn hex_call(line: &str) -> Vec<u8> {
    hex::decode(line.trim().strip_prefix("0x").unwrap()).unwrap()
}

fn ok(o: &Outcome, what: &str) {
    assert!(o.success, "{what}: {}", o.error());
}

/// The `Slashed` event's fault (0 Unsealed, 1 MissingProofs, 2 BadHeader, 3 BrokenLink,
/// 4 BrokenState, 5 WrongInitialState) and step.
fn slashed(o: &Outcome) -> (u64, u64) {
    let w = o.event_words("Slashed(bytes32,address,uint8,uint256,uint256)");
    (w[0].to::<u64>(), w[1].to::<u64>())
}

/// The Poseidon2 contract and a RunRegistry from the exported sources, deployed on a fresh chain
/// with every party funded.
fn deploy(sol: &Path, solc: &Path, salt: u64) -> (Chain, Address) {
    let read = |n: &str| std::fs::read_to_string(sol.join(n)).unwrap();
    let (verifier, registry) = (read(solidity::VERIFIER_FILE), read(RUN_REGISTRY_FILE));
    let contracts = compile(
        solc,
        &[
            (solidity::VERIFIER_FILE, &verifier),
            (RUN_REGISTRY_FILE, &registry),
        ],
    );
    let poseidon = compile_runs(solc, &[(POSEIDON2_FILE, &read(POSEIDON2_FILE))], 1_000_000);
    let mut chain = Chain::new(5_000, salt);
    for who in [the_worker(), poster(), reporter()] {
        chain.fund(who, FUNDS);
    }
    let deployer = Address::repeat_byte(0xd0);
    let (p2, _) = chain
        .deploy(deployer, &poseidon["Poseidon2T3"].bytecode, &[])
        .unwrap_or_else(|o| panic!("{}", o.error()));
    let mut args = address_word(p2).to_vec();
    for x in [DELAY, PROVE_WINDOW, DISPUTE_WINDOW] {
        args.extend(u64_word(x));
    }
    let (reg, _) = chain
        .deploy(deployer, &contracts["RunRegistry"].bytecode, &args)
        .unwrap_or_else(|o| panic!("{}", o.error()));
    chain.mine(1);
    (chain, reg)
}

/// `spotproof-validator calldata --call CALL --task TASK EXTRA…`: its calls.
fn calls(task: &Path, call: &str, extra: &[&str]) -> Vec<Vec<u8>> {
    let mut args = vec!["calldata", "--call", call, "--task", s(task)];
    args.extend_from_slice(extra);
    lines(&validator(&args))
        .iter()
        .map(|l| hex_call(l))
        .collect()
}

/// Writes `r` beside the others with its run root recomputed (a worker publishes what it likes).
fn publish(r: &mut RunFile, dir: &Path, name: &str) -> PathBuf {
    r.run_root = Some(run_root(&r.trace_roots()));
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(r).unwrap()).unwrap();
    p
}

/// Relinks steps `from..` to their recomputed predecessors (the worker hides a break).
fn relink(r: &mut RunFile, from: usize) {
    for j in from..r.steps.len() {
        if j > 0 {
            r.steps[j].manifest.header.prev_root = r.steps[j - 1].trace_root;
        }
        r.steps[j].trace_root = r.steps[j].manifest.root().unwrap();
    }
}

#[test]
fn a_digits_run_is_paid_on_chain_and_broken_runs_are_slashed_by_dispute() {
    let Some(solc) = solc_or_skip("runs_onchain") else {
        return;
    };
    let dir = temp_dir("runs-onchain");
    let (keys, task, run_dir, sol, bundles) = (
        dir.join("keys"),
        dir.join("task.json"),
        dir.join("run"),
        dir.join("sol"),
        dir.join("bundles"),
    );
    let worker_hex = format!("0x{}", hex::encode(the_worker().as_slice()));
    let steps = STEPS.to_string();
    lines(&worker(&[
        "task",
        "--dataset",
        "digits",
        "--steps",
        &steps,
        "--hidden",
        "32",
        "--batch",
        "8",
        "--challenge-steps",
        "2",
        "--class",
        CLASS,
        "--keys",
        s(&keys),
        "--out",
        s(&task),
    ]));
    lines(&worker(&[
        "run",
        "--task",
        s(&task),
        "--out",
        s(&run_dir),
        "--worker",
        &worker_hex,
        "--device",
        "cpu",
    ]));
    let vk = keys.join(format!("{CLASS}.vk"));
    lines(&validator(&[
        "export-solidity",
        "--vk",
        s(&vk),
        "--out",
        s(&sol),
    ]));
    let (mut chain, reg) = deploy(&sol, &solc, 21);

    // The poster registers the task with its reward; the worker commits the run with its bond.
    let register = calls(&task, "register", &["--bond", &BOND.to_string()]);
    ok(
        &chain.send_value(poster(), reg, &register[0], REWARD),
        "register",
    );
    let commit = hex_call(&lines(&worker(&["commit-run", "--run", s(&run_dir)]))[0]);
    let run_file = run_dir.join("run.json");
    assert_eq!(
        commit,
        calls(&task, "commit", &["--run", s(&run_file)])[0],
        "the worker's and the validator's commit calls"
    );
    let commit_block = chain.number;
    ok(
        &chain.send_value(the_worker(), reg, &commit, BOND),
        "commit",
    );

    // Anyone seals the beacon once its block is mined; the worker answers the sealed challenge.
    chain.mine(DELAY + 1);
    ok(
        &chain.send(reporter(), reg, &calls(&task, "seal", &[])[0]),
        "seal",
    );
    let hash = chain.block_hash(commit_block + DELAY);
    let block_hash = format!("0x{}", hex::encode(hash.0));
    let proven = lines(&worker(&[
        "respond",
        "--run",
        s(&run_dir),
        "--block-hash",
        &block_hash,
        "--keys",
        s(&keys),
        "--out",
        s(&bundles),
    ]));
    assert_eq!(proven.len(), 2, "{proven:?}");
    let challenge = bundles.join("challenge.json");
    let mut prove_args = vec![
        "--run",
        s(&run_file),
        "--challenge",
        s(&challenge),
        "--vk",
        s(&vk),
    ];
    prove_args.extend(proven.iter().map(String::as_str));
    let proves = calls(&task, "prove", &prove_args);
    assert_eq!(proves.len(), 2);
    // A challenge of another beacon: the audit under it rejects the bundles, nothing printed.
    let other = dir.join("other-challenge.json");
    let o = validator(&[
        "challenge",
        "--run",
        s(&run_file),
        "--block-hash",
        &format!("0x{}", "ab".repeat(32)),
        "--out",
        s(&other),
    ]);
    lines(&o);
    // `calldata --call prove` with the bundles but another challenge file.
    let prove_under = |c: &Path| {
        let mut args = vec!["calldata", "--call", "prove", "--task", s(&task)];
        args.extend(
            prove_args
                .iter()
                .map(|a| if *a == s(&challenge) { s(c) } else { *a }),
        );
        validator(&args)
    };
    let o = prove_under(&other);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    // The validator's own random challenge is not what the registry draws: refused before the
    // audit, nothing printed.
    let random = dir.join("random-challenge.json");
    lines(&validator(&[
        "challenge",
        "--run",
        s(&run_file),
        "--random",
        "--out",
        s(&random),
    ]));
    let o = prove_under(&random);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not drawn from a block hash"),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());
    for p in &proves {
        ok(&chain.send(the_worker(), reg, p), "prove");
    }
    let o = validator(&["dispute", "--task", s(&task), "--run", s(&run_file)]);
    assert!(lines(&o)[0].contains("clean"), "{}", lines(&o)[0]);

    // The window: no withdrawal yet; after it the worker takes bond and reward.
    let withdraw = calls(&task, "withdraw", &[]).remove(0);
    let o = chain.send(the_worker(), reg, &withdraw);
    assert!(
        o.reverted_with("DisputeWindowOpen(uint256)"),
        "{}",
        o.error()
    );
    chain.mine(DISPUTE_WINDOW + 1);
    let before = chain.balance(the_worker());
    ok(&chain.send(the_worker(), reg, &withdraw), "withdraw");
    assert_eq!(
        chain.balance(the_worker()) - before,
        U256::from(BOND + REWARD)
    );

    // On another chain, the same task: a run that skips the update of an unproven step (step
    // k starts from step k−1's state in; every later step relinked so that every manifest
    // hashes to its root) is slashed by the fraud proof `dispute` prints.
    let honest = spotproof_verifier::audit::read_run(&run_file).unwrap();
    let (mut chain, reg) = deploy(&sol, &solc, 22);
    ok(
        &chain.send_value(poster(), reg, &register[0], REWARD),
        "register",
    );
    let k = 3;
    let mut broken = honest.clone();
    let prev_in = broken.steps[k - 1].manifest.tensors.clone();
    for (t, p) in broken.steps[k].manifest.tensors.iter_mut().zip(&prev_in) {
        if matches!(t.role, Role::Master(_)) {
            t.merkle_root = p.merkle_root;
            break;
        }
    }
    relink(&mut broken, k);
    // Another data seed in the last step's header: a configuration that is not the task's.
    let mut nonconforming = honest.clone();
    nonconforming.steps[STEPS as usize - 1]
        .manifest
        .header
        .data_seed += 1;
    relink(&mut nonconforming, STEPS as usize - 1);
    for (name, mut r, fault, step) in [
        ("broken.json", broken, 4u64, k as u64),
        ("nonconforming.json", nonconforming, 2, STEPS - 1),
    ] {
        let path = publish(&mut r, &dir, name);
        let commit = calls(&task, "commit", &["--run", s(&path)]).remove(0);
        ok(
            &chain.send_value(the_worker(), reg, &commit, BOND),
            "commit",
        );
        chain.mine(1);
        let o = validator(&["dispute", "--task", s(&task), "--run", s(&path)]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("step {step}")),
            "{}",
            stderr(&o)
        );
        let fraud = hex_call(&String::from_utf8_lossy(&o.stdout));
        let o = chain.send(the_worker(), reg, &fraud);
        assert!(o.reverted_with("SelfReport()"), "{}", o.error());
        let o = chain.send(reporter(), reg, &fraud);
        ok(&o, name);
        assert_eq!(slashed(&o), (fault, step), "{name}");
        println!("{name}: fraud proof {} gas", o.gas_used);
    }
    // Both bonds burned; the reward still escrowed for the next run.
    assert_eq!(chain.balance(reg), U256::from(REWARD + 2 * BOND));

    // Bad input: one-line usage errors, exit 2.
    let o = validator(&["calldata", "--call", "prove", "--task", s(&task)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--run"), "{}", stderr(&o));
    let o = validator(&["calldata", "--call", "register", "--task", s(&task)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = validator(&["dispute", "--task", s(&run_file), "--run", s(&run_file)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = worker(&["commit-run", "--run", s(&dir)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
}
