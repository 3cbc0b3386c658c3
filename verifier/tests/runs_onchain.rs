//! The RunRegistry and its Poseidon2 contract, compiled by the pinned solc and run in revm: a run
//! of a real 4-step task is registered, committed with its bond, sealed from the beacon block,
//! proven step by step under the step beacons the chain derives (the same as
//! `Challenge::derive`), and paid after the dispute window; every misstep reverts with its own
//! error; unsealed and unproven runs are slashed; runs with a broken link, a broken state, a
//! header that is not the task's or another initial state are slashed by the fraud proofs
//! `registry::find_fraud` builds; and the gas of every call is held to the goals.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod evm;

use ark_bn254::Bn254;
use ark_groth16::ProvingKey;
use evm::{Chain, Compiled, Outcome, address_word, compile, compile_runs, solc_or_skip, u64_word};
use rand::SeedableRng;
use revm::primitives::{Address, U256};
use spotproof_circuits::fixture::{DATA_SEED, SmallRun, small_run, small_run_of};
use spotproof_circuits::{Class, step_witness};
use spotproof_core::check;
use spotproof_core::commit::Fr;
use spotproof_core::ids::WorkerId;
use spotproof_core::layout;
use spotproof_core::run::{
    Challenge, ChallengeSource, Init, RUN_FORMAT, RUN_FORMAT_VERSION, RunFile, RunStep,
    TASK_FORMAT, Task, Word, keccak, run_path, run_root,
};
use spotproof_core::trace::{self, Manifest, Trace};
use spotproof_verifier::keys;
use spotproof_verifier::registry::{
    self, Arg, FraudKind, POSEIDON2_FILE, RUN_REGISTRY_FILE, dispute_calldata, encode_call,
    find_fraud, poseidon2_source, run_registry_source, task_calldata,
};
use spotproof_verifier::solidity;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const CLASS: &str = "mlp2-s18-r32";
/// The registry's windows.
const DELAY: u64 = 2;
const PROVE_WINDOW: u64 = 40;
const DISPUTE_WINDOW: u64 = 10;
const HISTORY: u64 = 256;
const STEPS: u64 = 4;
const CHALLENGED: u64 = 2;
const BOND: u128 = 3_000_000_000_000_000_000;
const REWARD: u128 = 5_000_000_000_000_000_000;
const FUNDS: u128 = 100_000_000_000_000_000_000;
const DEPLOY_BLOCK: u64 = 1_000;

/// The gas goals.
const COMMIT_GAS: u64 = 80_000;
const PROVE_GAS: u64 = 260_000;
const SMALL_CALL_GAS: u64 = 60_000;
const FRAUD_GAS: u64 = 1_500_000;

// Phases of `task(id)`.
const OPEN: u64 = 1;
const COMMITTED: u64 = 2;
const SEALED: u64 = 3;
const PROVEN: u64 = 4;
const PAID: u64 = 5;
const CANCELLED: u64 = 6;

fn worker() -> Address {
    Address::repeat_byte(0x5e)
}
fn other_worker() -> Address {
    Address::repeat_byte(0x6f)
}
fn poster() -> Address {
    Address::repeat_byte(0x90)
}
fn reporter() -> Address {
    Address::repeat_byte(0x77)
}
fn deployer() -> Address {
    Address::repeat_byte(0xd0)
}

fn worker_id(a: Address) -> WorkerId {
    WorkerId::of_address(&a.0.0)
}

struct Fixture {
    class: Class,
    pk: ProvingKey<Bn254>,
    small: SmallRun,
    task: Task,
    honest: RunFile,
    /// Registry and verifier (200 runs); Poseidon2T3 (10^6 runs). `None` without solc.
    contracts: Option<BTreeMap<String, Compiled>>,
}

/// One setup, one small run and one compilation for the whole file.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let class = Class::by_name(CLASS).unwrap();
        let (pk, vk) = keys_of(class, 11, "runs-onchain");
        let small = small_run(STEPS as usize, worker_id(worker()).fr()).unwrap();
        let task = task_of(&small, class, &vk, STEPS, CHALLENGED);
        let honest = run_file(&task, worker(), &small.traces);
        let contracts = solc_or_skip("runs_onchain").map(|solc| contracts_of(&solc, &vk));
        Fixture {
            class,
            pk,
            small,
            task,
            honest,
            contracts,
        }
    })
}

/// A class's keys from a seeded setup, the verifying key read back from its file.
fn keys_of(class: Class, seed: u64, name: &str) -> (ProvingKey<Bn254>, keys::Vk) {
    let dir = common::scratch(name);
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let pk = spotproof_circuits::setup(class, &mut rng).unwrap();
    let vk_path = dir.join(format!("{}.vk", class.name));
    std::fs::write(&vk_path, keys::encode(keys::VK_MAGIC, class, &pk.vk)).unwrap();
    let vk = keys::read_vk(&vk_path).unwrap();
    (pk, vk)
}

/// The task a small run answers: its dataset, model, initial state and data seed, `steps` steps
/// of which `challenge_steps` challenged, under `vk`.
fn task_of(
    small: &SmallRun,
    class: Class,
    vk: &keys::Vk,
    steps: u64,
    challenge_steps: u64,
) -> Task {
    let mut task = Task {
        format: TASK_FORMAT.into(),
        version: RUN_FORMAT_VERSION,
        task_id: Word::default(),
        dataset: "digits-32 (the circuits fixture)".into(),
        split_seed: 1,
        dataset_root: small.dataset.root,
        model: small.config.clone(),
        arch_id: layout::arch_id(&small.config),
        init: Init::Seed(4),
        initial_roots: layout::state_roots(&small.before[0]).unwrap(),
        data_seed: DATA_SEED,
        steps,
        class: class.name.into(),
        vk_hash: format!("0x{}", vk.hash).parse().unwrap(),
        samples: class.samples as u64,
        challenge_steps,
    };
    task.task_id = task.fields().id();
    task.check().unwrap();
    task
}

/// The verifier and registry for `vk` (200 optimizer runs) and the Poseidon2 contract (10^6).
fn contracts_of(solc: &std::path::Path, vk: &keys::Vk) -> BTreeMap<String, Compiled> {
    let verifier = solidity::verifier_source(vk);
    let registry = run_registry_source(vk);
    let mut all = compile(
        solc,
        &[
            (solidity::VERIFIER_FILE, &verifier),
            (RUN_REGISTRY_FILE, &registry),
        ],
    );
    all.extend(compile_runs(
        solc,
        &[(POSEIDON2_FILE, &poseidon2_source())],
        1_000_000,
    ));
    all
}

/// The run file of `traces` for `task` by `who`.
fn run_file(task: &Task, who: Address, traces: &[Trace]) -> RunFile {
    let steps: Vec<RunStep> = traces
        .iter()
        .map(|t| RunStep {
            trace_root: t.root,
            manifest: Manifest::of(t),
        })
        .collect();
    let roots: Vec<Fr> = traces.iter().map(|t| t.root).collect();
    let final_roots = check::state_roots(&steps.last().unwrap().manifest).1;
    RunFile {
        format: RUN_FORMAT.into(),
        version: RUN_FORMAT_VERSION,
        task_id: task.task_id,
        worker: worker_id(who),
        model: task.model.clone(),
        steps_total: task.steps,
        challenge_steps: task.challenge_steps,
        steps,
        final_roots,
        run_root: Some(run_root(&roots)),
    }
}

/// keccak-256 of the run file as written.
fn file_hash(run: &RunFile) -> Word {
    keccak(&serde_json::to_vec_pretty(run).unwrap())
}

/// A proof of `trace` under `beacon` for the fixture's worker, as eight words.
fn proof_of(trace: &Trace, beacon: Fr) -> [[u8; 32]; 8] {
    let f = fixture();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    let w = step_witness(f.class, trace, beacon).unwrap();
    let p = spotproof_circuits::prove(&f.pk, f.class, &w, &mut rng).unwrap();
    solidity::proof_words(&p)
}

/// A chain with the Poseidon2 contract and a registry deployed at DEPLOY_BLOCK, every party
/// funded; `None` when solc is missing (and not required).
fn registry_chain(salt: u64) -> Option<(Chain, Address)> {
    fixture()
        .contracts
        .as_ref()
        .map(|contracts| deploy(contracts, salt))
}

/// [`registry_chain`] with other contracts.
fn deploy(contracts: &BTreeMap<String, Compiled>, salt: u64) -> (Chain, Address) {
    let mut chain = Chain::new(DEPLOY_BLOCK, salt);
    for who in [worker(), other_worker(), poster(), reporter()] {
        chain.fund(who, FUNDS);
    }
    let (p2, p2_gas) = chain
        .deploy(deployer(), &contracts["Poseidon2T3"].bytecode, &[])
        .unwrap_or_else(|o| panic!("deploy Poseidon2T3: {}", o.error()));
    let mut args = address_word(p2).to_vec();
    for x in [DELAY, PROVE_WINDOW, DISPUTE_WINDOW] {
        args.extend(u64_word(x));
    }
    let (at, gas) = chain
        .deploy(deployer(), &contracts["RunRegistry"].bytecode, &args)
        .unwrap_or_else(|o| panic!("deploy RunRegistry: {}", o.error()));
    eprintln!("deploy Poseidon2T3: {p2_gas} gas, RunRegistry: {gas} gas");
    chain.mine(1);
    (chain, at)
}

fn expect(o: &Outcome, error: &str) {
    assert!(o.reverted_with(error), "expected {error}: {}", o.error());
}

fn ok(o: &Outcome, what: &str) {
    assert!(o.success, "{what}: {}", o.error());
}

fn words(o: &Outcome) -> Vec<U256> {
    o.output
        .chunks(32)
        .map(U256::from_be_slice)
        .collect::<Vec<_>>()
}

/// The phase `task(id)` reports.
fn phase(chain: &mut Chain, reg: Address, id: &Word) -> u64 {
    let o = chain.call(poster(), reg, &task_calldata("task", id));
    ok(&o, "task()");
    words(&o)[0].to::<u64>()
}

/// `challenged(id)`: the drawn steps and their beacons.
fn challenged(chain: &mut Chain, reg: Address, id: &Word) -> Vec<(u64, Fr)> {
    let o = chain.call(poster(), reg, &task_calldata("challenged", id));
    ok(&o, "challenged()");
    let w = words(&o);
    let n = w[2].to::<usize>();
    (0..n)
        .map(|k| {
            let beacon = Word(w[4 + n + k].to_be_bytes());
            (w[3 + k].to::<u64>(), beacon.fr().unwrap())
        })
        .collect()
}

/// Registers the fixture's task from `poster()`; the gas.
fn register(chain: &mut Chain, reg: Address) -> u64 {
    let f = fixture();
    let o = chain.send_value(
        poster(),
        reg,
        &registry::register_calldata(&f.task, BOND),
        REWARD,
    );
    ok(&o, "register");
    assert_eq!(o.output[..32], f.task.task_id.0, "the chain's task id");
    o.gas_used
}

/// Commits `run` from `who` with the bond; returns the commitment's block.
fn commit(chain: &mut Chain, reg: Address, who: Address, run: &RunFile) -> (u64, Outcome) {
    let f = fixture();
    let data = registry::commit_calldata(&f.task.task_id, &run.run_root.unwrap(), &file_hash(run));
    let block = chain.number;
    let o = chain.send_value(who, reg, &data, BOND);
    ok(&o, "commit");
    (block, o)
}

/// Mines until the beacon block of a commitment in `block` is sealed, then seals.
fn seal(chain: &mut Chain, reg: Address, block: u64) -> Outcome {
    let id = fixture().task.task_id;
    chain.mine(block + DELAY + 1 - chain.number);
    let o = chain.send(reporter(), reg, &task_calldata("seal", &id));
    ok(&o, "seal");
    o
}

fn prove_data(run: &RunFile, step: u64, proof: &[[u8; 32]; 8]) -> Vec<u8> {
    registry::prove_calldata(&fixture().task.task_id, run, step, proof)
}

/// The `Slashed` event's fault (0 Unsealed, 1 MissingProofs, 2 BadHeader, 3 BrokenLink,
/// 4 BrokenState, 5 WrongInitialState) and step.
fn slashed(o: &Outcome) -> (u64, u64) {
    let w = o.event_words("Slashed(bytes32,address,uint8,uint256,uint256)");
    (w[0].to::<u64>(), w[1].to::<u64>())
}

#[test]
fn contracts_fit_and_the_encoder_uses_solcs_selectors() {
    let Some(contracts) = fixture().contracts.as_ref() else {
        return;
    };
    for name in ["RunRegistry", "Poseidon2T3"] {
        let size = contracts[name].runtime_size;
        eprintln!("{name}: {size} bytes of runtime code");
        assert!(size <= 24_576, "EIP-170: {name} {size}");
    }
    let methods = &contracts["RunRegistry"].methods;
    for sig in [
        "register(uint256,uint256,uint64,uint256[],uint64,uint64,uint64,uint128)",
        "commit(bytes32,bytes32,bytes32)",
        "seal(bytes32)",
        "prove(bytes32,uint256,uint256,bytes32[],uint256[8])",
        "withdraw(bytes32)",
        "slash(bytes32)",
        "cancel(bytes32)",
        "disputeHeader(bytes32,uint256,uint256,bytes32[],uint256[6],uint256[])",
        "disputeLink(bytes32,uint256,uint256[2],bytes32[],uint256[6],uint256[])",
        "disputeState(bytes32,uint256,uint256,uint256[2],bytes32[],uint256[2],uint256[])",
        "disputeInitial(bytes32,uint256,uint256,bytes32[],uint256,uint256[],uint256[])",
        "task(bytes32)",
        "challenged(bytes32)",
    ] {
        assert_eq!(methods[sig], hex::encode(registry::selector(sig)), "{sig}");
    }
}

#[test]
fn the_poseidon2_contract_is_cores_hash() {
    let Some((mut chain, reg)) = registry_chain(1) else {
        return;
    };
    // The registry's own Poseidon2 contract, found through POSEIDON2().
    let o = chain.call(reporter(), reg, &encode_call("POSEIDON2()", &[]));
    ok(&o, "POSEIDON2()");
    let p2 = Address::from_slice(&o.output[12..32]);
    let hash_of = |chain: &mut Chain, xs: &[Fr]| {
        let data: Vec<u8> = xs.iter().flat_map(|x| Word::of_fr(x).0).collect();
        chain.call(reporter(), p2, &data)
    };
    let mut gas = Vec::new();
    for n in 0..=7u64 {
        let xs: Vec<Fr> = (0..n)
            .map(|i| Fr::from(1000 + i) - Fr::from(i * i))
            .collect();
        let o = hash_of(&mut chain, &xs);
        ok(&o, "hash");
        assert_eq!(
            Word(o.output[..32].try_into().unwrap()),
            Word::of_fr(&spotproof_core::commit::hash(&xs)),
            "{n} inputs"
        );
        gas.push(o.gas_used);
    }
    // The largest field element, and the protocol's own trace leaf digests.
    let big = -Fr::from(1u64);
    let o = hash_of(&mut chain, &[big, big]);
    assert_eq!(
        Word(o.output[..32].try_into().unwrap()),
        Word::of_fr(&spotproof_core::poseidon2::hash2(big, big))
    );
    // A word not below the modulus, or a ragged length, reverts.
    let mut r = Word::of_fr(&big).0;
    r[31] += 1;
    assert!(!chain.call(reporter(), p2, &r).success);
    assert!(!chain.call(reporter(), p2, &[1u8; 33]).success);
    eprintln!(
        "Poseidon2T3 tx gas by input length 0..=7: {gas:?} (one permutation: {})",
        gas[2]
    );
}

#[test]
fn a_run_is_committed_sealed_proven_and_paid_and_every_misstep_reverts() {
    let f = fixture();
    let Some((mut chain, reg)) = registry_chain(7) else {
        return;
    };
    let id = f.task.task_id;
    let run = &f.honest;

    // Register: the chain computes the id; a second registration, a task of another sample
    // count or without a bond is refused.
    let register_gas = register(&mut chain, reg);
    let again = registry::register_calldata(&f.task, BOND);
    expect(
        &chain.send_value(poster(), reg, &again, REWARD),
        "TaskExists()",
    );
    let mut other = f.task.clone();
    other.samples += 1;
    expect(
        &chain.send(poster(), reg, &registry::register_calldata(&other, BOND)),
        "WrongSamples(uint256)",
    );
    expect(
        &chain.send(poster(), reg, &registry::register_calldata(&other, 0)),
        "WrongSamples(uint256)",
    );
    other.samples -= 1;
    other.steps += 1;
    expect(
        &chain.send(poster(), reg, &registry::register_calldata(&other, 0)),
        "NoBond()",
    );
    assert_eq!(phase(&mut chain, reg, &id), OPEN);

    // A fraud proof needs a run.
    let header = dispute_calldata(&f.task, run, &FraudKind::Header("any"), 1, 2).unwrap();
    expect(&chain.send(reporter(), reg, &header), "NotDisputable()");

    // Commit: the bond exactly, then the task is locked.
    let data = registry::commit_calldata(&id, &run.run_root.unwrap(), &file_hash(run));
    expect(
        &chain.send_value(worker(), reg, &data, BOND - 1),
        "WrongBond(uint256,uint256)",
    );
    let unknown = registry::commit_calldata(&keccak(b"no task"), &run.run_root.unwrap(), &id);
    expect(
        &chain.send_value(worker(), reg, &unknown, BOND),
        "UnknownTask()",
    );
    let (block, o) = commit(&mut chain, reg, worker(), run);
    let commit_gas = o.gas_used;
    assert!(commit_gas <= COMMIT_GAS, "commit: {commit_gas} gas");
    chain.mine(1);
    expect(
        &chain.send_value(other_worker(), reg, &data, BOND),
        "TaskLocked()",
    );
    expect(
        &chain.send(poster(), reg, &task_calldata("cancel", &id)),
        "TaskLocked()",
    );
    assert_eq!(phase(&mut chain, reg, &id), COMMITTED);

    // Seal: not before the beacon block is mined; a proof needs the seal.
    expect(
        &chain.send(reporter(), reg, &task_calldata("seal", &id)),
        "BeaconNotYetAvailable(uint256)",
    );
    let dummy = [[0u8; 32]; 8];
    expect(
        &chain.send(worker(), reg, &prove_data(run, 0, &dummy)),
        "NotSealed()",
    );
    let seal_gas = seal(&mut chain, reg, block).gas_used;
    assert!(seal_gas <= SMALL_CALL_GAS, "seal: {seal_gas} gas");
    expect(
        &chain.send(reporter(), reg, &task_calldata("seal", &id)),
        "AlreadySealed()",
    );
    assert_eq!(phase(&mut chain, reg, &id), SEALED);

    // The chain draws the steps `challenge --block-hash` derives.
    let hash = chain.block_hash(block + DELAY);
    let derived = Challenge::derive(
        id,
        run.run_root.unwrap(),
        STEPS,
        CHALLENGED,
        ChallengeSource::BlockHash,
        Word(hash.0),
    )
    .unwrap();
    let drawn = challenged(&mut chain, reg, &id);
    let mut sorted = drawn.clone();
    sorted.sort_by_key(|d| d.0);
    let want: Vec<(u64, Fr)> = derived
        .challenged
        .iter()
        .map(|c| (c.step, c.beacon))
        .collect();
    assert_eq!(sorted, want, "the chain's challenge is the validator's");

    // Proofs: a step not drawn, a wrong run path, a proof under another step beacon, then the
    // right ones; a replay; nothing is slashable or withdrawable meanwhile.
    let (first, beacon) = drawn[0];
    let undrawn = (0..STEPS)
        .find(|s| drawn.iter().all(|d| d.0 != *s))
        .unwrap();
    expect(
        &chain.send(worker(), reg, &prove_data(run, undrawn, &dummy)),
        "StepNotChallenged(uint256)",
    );
    let proof = proof_of(&f.small.traces[first as usize], beacon);
    let mut bad_path = prove_data(run, first, &proof);
    let n = bad_path.len();
    bad_path[n - 1] ^= 1; // the top sibling of the run path (the last word)
    expect(&chain.send(worker(), reg, &bad_path), "BadRunPath()");
    let other_beacon = proof_of(&f.small.traces[first as usize], beacon + Fr::from(1u64));
    expect(
        &chain.send(worker(), reg, &prove_data(run, first, &other_beacon)),
        "ProofRejected()",
    );
    expect(
        &chain.send(reporter(), reg, &task_calldata("slash", &id)),
        "NotSlashable()",
    );
    let o = chain.send(reporter(), reg, &prove_data(run, first, &proof));
    ok(&o, "prove");
    let prove_gas = o.gas_used;
    assert!(prove_gas <= PROVE_GAS, "prove: {prove_gas} gas");
    expect(
        &chain.send(worker(), reg, &prove_data(run, first, &proof)),
        "StepAlreadyProven(uint256)",
    );
    expect(
        &chain.send(worker(), reg, &task_calldata("withdraw", &id)),
        "NotProven()",
    );
    let (second, beacon2) = drawn[1];
    let proof2 = proof_of(&f.small.traces[second as usize], beacon2);
    ok(
        &chain.send(worker(), reg, &prove_data(run, second, &proof2)),
        "prove",
    );
    assert_eq!(phase(&mut chain, reg, &id), PROVEN);

    // The dispute window: no withdrawal yet; no fraud proof holds against a clean run, and the
    // worker cannot report itself.
    expect(
        &chain.send(worker(), reg, &task_calldata("withdraw", &id)),
        "DisputeWindowOpen(uint256)",
    );
    assert!(find_fraud(&f.task, run, 2).unwrap().is_none());
    eprintln!(
        "trace leaves of a two-layer step: {}",
        run.steps[0].manifest.leaves().len()
    );
    let claims = [
        (FraudKind::Header("any"), 1),
        (FraudKind::Header("any"), 0),
        (FraudKind::Link, 2),
        (FraudKind::State { role: 0 }, 3),
        (FraudKind::State { role: 5 }, 1),
        (FraudKind::Initial { role: 2 }, 0),
    ];
    for (kind, step) in &claims {
        let data = dispute_calldata(&f.task, run, kind, *step, 2).unwrap();
        expect(&chain.send(reporter(), reg, &data), "NoFraud()");
        expect(&chain.send(worker(), reg, &data), "SelfReport()");
    }
    // A tampered opening is refused before any comparison.
    let mut tampered = dispute_calldata(&f.task, run, &FraudKind::Link, 2, 2).unwrap();
    let n = tampered.len();
    tampered[n - 1] ^= 1; // the top sibling of the trace path
    expect(&chain.send(reporter(), reg, &tampered), "BadTracePath()");

    // After the window: the worker (and only the worker) takes bond and reward.
    chain.mine(DISPUTE_WINDOW + 1);
    expect(&chain.send(reporter(), reg, &header), "NotDisputable()");
    expect(
        &chain.send(reporter(), reg, &task_calldata("withdraw", &id)),
        "NotWorker()",
    );
    let before = chain.balance(worker());
    let o = chain.send(worker(), reg, &task_calldata("withdraw", &id));
    ok(&o, "withdraw");
    let withdraw_gas = o.gas_used;
    assert!(
        withdraw_gas <= SMALL_CALL_GAS,
        "withdraw: {withdraw_gas} gas"
    );
    assert_eq!(chain.balance(worker()) - before, U256::from(BOND + REWARD));
    assert_eq!(phase(&mut chain, reg, &id), PAID);
    expect(
        &chain.send(worker(), reg, &task_calldata("withdraw", &id)),
        "NotProven()",
    );
    expect(
        &chain.send_value(other_worker(), reg, &data, BOND),
        "TaskLocked()",
    );
    eprintln!(
        "gas: register {register_gas}, commit {commit_gas}, seal {seal_gas}, prove {prove_gas} ({STEPS} steps, {CHALLENGED} challenged), withdraw {withdraw_gas}"
    );
}

#[test]
fn unsealed_and_unproven_runs_are_slashed_and_the_task_reopens() {
    let f = fixture();
    let Some((mut chain, reg)) = registry_chain(8) else {
        return;
    };
    let id = f.task.task_id;
    let run = &f.honest;
    register(&mut chain, reg);
    expect(
        &chain.send(reporter(), reg, &task_calldata("cancel", &id)),
        "NotPoster()",
    );

    // Nobody seals within 256 blocks of the beacon block: too late to seal, slashable.
    commit(&mut chain, reg, worker(), run);
    chain.mine(DELAY + HISTORY);
    expect(
        &chain.send(reporter(), reg, &task_calldata("slash", &id)),
        "NotSlashable()",
    );
    chain.mine(1);
    expect(
        &chain.send(reporter(), reg, &task_calldata("seal", &id)),
        "BeaconExpired(uint256)",
    );
    let o = chain.send(reporter(), reg, &task_calldata("slash", &id));
    ok(&o, "slash");
    let slash_gas = o.gas_used;
    assert!(slash_gas <= SMALL_CALL_GAS, "slash: {slash_gas} gas");
    assert_eq!(slashed(&o), (0, 0));

    // The task reopens with its reward; the next run is sealed but not proven in time.
    assert_eq!(phase(&mut chain, reg, &id), OPEN);
    let (block, _) = commit(&mut chain, reg, other_worker(), run);
    seal(&mut chain, reg, block);
    expect(
        &chain.send(reporter(), reg, &task_calldata("slash", &id)),
        "NotSlashable()",
    );
    chain.mine(block + DELAY + PROVE_WINDOW + 1 - chain.number);
    let (step, _) = challenged(&mut chain, reg, &id)[0];
    expect(
        &chain.send(other_worker(), reg, &prove_data(run, step, &[[0u8; 32]; 8])),
        "LateProof(uint256)",
    );
    let o = chain.send(reporter(), reg, &task_calldata("slash", &id));
    ok(&o, "slash");
    assert_eq!(slashed(&o), (1, 0));

    // Both bonds stay in the contract (burned); the poster takes the reward back.
    let before = chain.balance(poster());
    ok(
        &chain.send(poster(), reg, &task_calldata("cancel", &id)),
        "cancel",
    );
    assert_eq!(chain.balance(poster()) - before, U256::from(REWARD));
    assert_eq!(chain.balance(reg), U256::from(2 * BOND));
    assert_eq!(phase(&mut chain, reg, &id), CANCELLED);
    let data = registry::commit_calldata(&id, &run.run_root.unwrap(), &id);
    expect(
        &chain.send_value(worker(), reg, &data, BOND),
        "UnknownTask()",
    );
    eprintln!("gas: slash {slash_gas}");
}

/// The fixture's run with step `t` recommitted from `values` under `header`.
fn variant(
    t: usize,
    header: impl Fn(&mut trace::StepHeader),
    values: impl Fn(&mut Vec<Vec<i64>>),
) -> RunFile {
    let f = fixture();
    let mut traces: Vec<Trace> = Vec::new();
    for (k, _) in f.small.traces.iter().enumerate() {
        let mut h = f.small.headers[k];
        let mut v = f.small.values[k].clone();
        if k == t {
            header(&mut h);
            values(&mut v);
        }
        traces.push(trace::commit_values(&f.small.config, &v, &f.small.dataset, h).unwrap());
    }
    run_file(&f.task, worker(), &traces)
}

#[test]
fn fraud_proofs_from_find_fraud_slash_broken_and_nonconforming_runs() {
    let f = fixture();
    let Some((mut chain, reg)) = registry_chain(9) else {
        return;
    };
    let id = f.task.task_id;
    register(&mut chain, reg);
    // Slot 3 holds layer 0's master weights going in (values start at slot 1).
    let master_in = |v: &mut Vec<Vec<i64>>| v[2][0] += 1;
    let cases: Vec<(&str, RunFile, FraudKind, u64, u64)> = vec![
        (
            "a previous root that is not the previous step's",
            variant(2, |h| h.prev_root = f.small.traces[0].root, |_| {}),
            FraudKind::Link,
            2,
            3,
        ),
        (
            "weights that are not the ones the previous step put out",
            variant(2, |_| {}, master_in),
            FraudKind::State { role: 0 },
            2,
            4,
        ),
        (
            "another data seed",
            variant(1, |h| h.data_seed += 1, |_| {}),
            FraudKind::Header("data seed"),
            1,
            2,
        ),
        (
            "another worker in an unproven step",
            variant(3, |h| h.worker = worker_id(other_worker()).fr(), |_| {}),
            FraudKind::Header("worker"),
            3,
            2,
        ),
        (
            "a step index that is not its position",
            variant(3, |h| h.step = 2, |_| {}),
            FraudKind::Header("step index"),
            3,
            2,
        ),
        (
            "another architecture",
            variant(1, |h| h.arch_id += Fr::from(1u64), |_| {}),
            FraudKind::Header("architecture id"),
            1,
            2,
        ),
        (
            "another initial state",
            variant(0, |_| {}, master_in),
            FraudKind::Initial { role: 0 },
            0,
            5,
        ),
    ];
    let mut gas = Vec::new();
    for (k, (what, run, kind, step, fault)) in cases.iter().enumerate() {
        let fraud = find_fraud(&f.task, run, 2).unwrap().unwrap();
        assert_eq!((&fraud.kind, fraud.step), (kind, *step), "{what}");
        assert!(!fraud.to_string().is_empty());
        let (block, _) = commit(&mut chain, reg, worker(), run);
        if k % 2 == 1 {
            // A sealed run can be disputed as well as a committed one.
            seal(&mut chain, reg, block);
        }
        chain.mine(1);
        let o = chain.send(reporter(), reg, &fraud.calldata);
        ok(&o, what);
        assert_eq!(slashed(&o), (*fault, *step), "{what}");
        assert!(o.gas_used <= FRAUD_GAS, "{what}: {} gas", o.gas_used);
        gas.push((*what, o.gas_used));
        assert_eq!(phase(&mut chain, reg, &id), OPEN, "{what}");
    }
    assert_eq!(
        chain.balance(reg),
        U256::from(REWARD + cases.len() as u128 * BOND)
    );
    // A step that does not hash to its trace root cannot be opened: find_fraud says so.
    let mut garbled = f.honest.clone();
    garbled.steps[1].manifest.header.data_seed += 1;
    assert_eq!(
        find_fraud(&f.task, &garbled, 2).unwrap_err(),
        registry::DisputeError::Unopenable(1)
    );
    for (what, g) in gas {
        eprintln!("fraud proof gas: {g} ({what})");
    }
}

#[test]
fn proving_a_step_of_a_4096_step_run_stays_within_the_goal() {
    let f = fixture();
    let Some((mut chain, reg)) = registry_chain(10) else {
        return;
    };
    // Every leaf of a 4,096-step run is the fixture's first trace: any drawn step has it.
    let steps = 4096u64;
    let challenge_steps = 16u64;
    let mut task = f.task.clone();
    task.steps = steps;
    task.challenge_steps = challenge_steps;
    task.task_id = task.fields().id();
    let trace = &f.small.traces[0];
    let roots = vec![trace.root; steps as usize];
    let root = run_root(&roots);
    let o = chain.send_value(
        poster(),
        reg,
        &registry::register_calldata(&task, BOND),
        REWARD,
    );
    ok(&o, "register");
    let data = registry::commit_calldata(&task.task_id, &root, &root);
    let o = chain.send_value(worker(), reg, &data, BOND);
    ok(&o, "commit");
    let commit_gas = o.gas_used;
    chain.mine(DELAY + 1);
    ok(
        &chain.send(reporter(), reg, &task_calldata("seal", &task.task_id)),
        "seal",
    );
    let drawn = challenged(&mut chain, reg, &task.task_id);
    assert_eq!(drawn.len() as u64, challenge_steps);
    // The last draw: the registry recomputes all 16 to find it.
    let (step, beacon) = *drawn.last().unwrap();
    let proof = proof_of(trace, beacon);
    let call = encode_call(
        "prove(bytes32,uint256,uint256,bytes32[],uint256[8])",
        &[
            Arg::Word(task.task_id),
            Arg::Word(Word::of_u64(step)),
            Arg::Word(Word::of_fr(&trace.root)),
            Arg::Array(run_path(&roots, step as usize)),
            Arg::Fixed(proof.iter().map(|w| Word(*w)).collect()),
        ],
    );
    let o = chain.send(worker(), reg, &call);
    ok(&o, "prove");
    assert!(o.gas_used <= PROVE_GAS, "prove: {} gas", o.gas_used);
    eprintln!(
        "gas at {steps} steps, {challenge_steps} challenged: commit {commit_gas}, prove (last draw) {}",
        o.gas_used
    );
}

/// The registry of a deeper class holds its own leaf map: on a 3-layer run, a broken state of the
/// last layer and a header that is not the task's are proven by the fraud proofs `find_fraud`
/// builds, and a clean run has none.
#[test]
fn fraud_proofs_open_the_trace_trees_of_a_deeper_class() {
    let Some(solc) = solc_or_skip("fraud_proofs_open_the_trace_trees_of_a_deeper_class") else {
        return;
    };
    let class = Class::by_name("mlp3-s21-r32").unwrap();
    let (_, vk) = keys_of(class, 13, "runs-onchain-deep");
    let widths = [32, 16, 16, 10];
    let small = small_run_of(&widths, 3, worker_id(worker()).fr()).unwrap();
    let task = task_of(&small, class, &vk, 3, 1);
    let (mut chain, reg) = deploy(&contracts_of(&solc, &vk), 14);
    let o = chain.send_value(
        poster(),
        reg,
        &registry::register_calldata(&task, BOND),
        REWARD,
    );
    ok(&o, "register");
    assert!(
        find_fraud(&task, &run_file(&task, worker(), &small.traces), 3)
            .unwrap()
            .is_none()
    );
    let recommit =
        |t: usize, header: &dyn Fn(&mut trace::StepHeader), values: &dyn Fn(&mut Vec<Vec<i64>>)| {
            let traces: Vec<Trace> = (0..small.traces.len())
                .map(|k| {
                    let (mut h, mut v) = (small.headers[k], small.values[k].clone());
                    if k == t {
                        header(&mut h);
                        values(&mut v);
                    }
                    trace::commit_values(&small.config, &v, &small.dataset, h).unwrap()
                })
                .collect();
            run_file(&task, worker(), &traces)
        };
    // State role 6 is layer 2's masters, in slot 3 + 6 (values start at slot 1).
    let cases = [
        (
            recommit(2, &|_| {}, &|v| v[8][0] ^= 1),
            FraudKind::State { role: 6 },
            2,
            4,
        ),
        (
            recommit(1, &|h| h.data_seed += 1, &|_| {}),
            FraudKind::Header("data seed"),
            1,
            2,
        ),
    ];
    for (run, kind, step, fault) in cases {
        let fraud = find_fraud(&task, &run, 3).unwrap().unwrap();
        assert_eq!((&fraud.kind, fraud.step), (&kind, step));
        let data =
            registry::commit_calldata(&task.task_id, &run.run_root.unwrap(), &file_hash(&run));
        ok(&chain.send_value(worker(), reg, &data, BOND), "commit");
        chain.mine(1);
        let o = chain.send(reporter(), reg, &fraud.calldata);
        ok(&o, "dispute");
        assert_eq!(slashed(&o), (fault, step));
        eprintln!("3-layer fraud proof ({kind:?}): {} gas", o.gas_used);
    }
}
