//! The Solidity verifier and the StepRegistry, compiled by the pinned solc (npm `solc`) and run in
//! revm (Osaka rules, BN254 precompiles from substrate-bn): a real bundle's proof is accepted,
//! tampered proofs and inputs are rejected, and every registry scenario — beacon not yet mined,
//! expired, someone else's commitment, a second proof, malformed proofs, wrong-length calldata —
//! runs on simulated blocks. The registry's `prove` must stay within 250,000 gas.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod evm;

use common::{s, scratch, validator};
use spotproof_core::sampling;

use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::Field;
use evm::{Chain, Compiled, Outcome, address_word, compile, encode, solc_or_skip, u64_word};
use rand::SeedableRng;
use revm::primitives::{Address, U256, keccak256};
use serde_json::Value;
use spotproof_circuits::fixture::small_run;
use spotproof_circuits::{Class, step_witness};
use spotproof_core::commit::Fr;
use spotproof_core::ids::{BlockHash, WorkerId};
use spotproof_verifier::bundle::{BeaconSource, Bundle, proof_from_hex};
use spotproof_verifier::solidity::{self, Word};
use spotproof_verifier::{keys, registry};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The bound the issue sets on the registry's `prove` transaction (the goal is 230,000).
const PROVE_GAS_BOUND: u64 = 250_000;
/// The block the registry is deployed in; the commitment lands in the next one.
const DEPLOY_BLOCK: u64 = 1_000;
const COMMIT_BLOCK: u64 = DEPLOY_BLOCK + 1;
/// Blocks between the commitment and its beacon block.
const DELAY: u64 = 2;
const BEACON_BLOCK: u64 = COMMIT_BLOCK + DELAY;
/// Block hashes of the honest chain.
const SALT: u64 = 7;

const BN254_Q: &str =
    "21888242871839275222246405745257275088696311157297823662689037894645226208583";

struct Fixture {
    dir: PathBuf,
    vk: PathBuf,
    /// Proven under the beacon of block BEACON_BLOCK of the honest chain, worker = WORKER.
    bundle: PathBuf,
    root: Fr,
    beacon: Fr,
    words: [Word; 8],
    /// `None` when solc is missing (and not required).
    contracts: Option<BTreeMap<String, Compiled>>,
}

fn worker() -> Address {
    Address::repeat_byte(0x5e)
}

fn stranger() -> Address {
    Address::repeat_byte(0x77)
}

fn deployer() -> Address {
    Address::repeat_byte(0xd0)
}

/// One setup, one proof and one compilation for the whole file.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let class = Class::by_name("mlp2-s18-r32").unwrap();
        let dir = scratch("fixture");
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
        let pk = spotproof_circuits::setup(class, &mut rng).unwrap();
        let vk_path = dir.join(format!("{}.vk", class.name));
        std::fs::write(&vk_path, keys::encode(keys::VK_MAGIC, class, &pk.vk)).unwrap();
        let vk = keys::read_vk(&vk_path).unwrap();

        let worker_fr = worker().to_string().parse::<WorkerId>().unwrap().fr();
        let run = small_run(1, worker_fr).unwrap();
        let t = &run.traces[0];
        let hash = Chain::new(0, SALT).block_hash(BEACON_BLOCK);
        let beacon = BlockHash(hash.0).beacon().fr();
        let w = step_witness(class, t, beacon).unwrap();
        let proof = spotproof_circuits::prove(&pk, class, &w, &mut rng).unwrap();
        let b = Bundle::of_trace(
            &class,
            &vk.hash,
            &run.config,
            t,
            beacon,
            BeaconSource::External,
            &proof,
        );
        let bundle = dir.join("step0.json");
        b.write(&bundle).unwrap();

        let contracts = solc_or_skip("onchain").map(|solc| {
            compile(
                &solc,
                &[
                    (
                        solidity::VERIFIER_FILE,
                        solidity::verifier_source(&vk).as_str(),
                    ),
                    (solidity::REGISTRY_FILE, solidity::REGISTRY_SOURCE),
                ],
            )
        });
        Fixture {
            dir,
            vk: vk_path,
            bundle,
            root: t.root,
            beacon,
            words: solidity::proof_words(&proof),
            contracts,
        }
    })
}

/// The `prove` calldata `spotproof-validator calldata` prints for the fixture's bundle.
fn cli_prove_calldata() -> Vec<u8> {
    let f = fixture();
    let (code, out, err) = validator(&["calldata", s(&f.bundle), "--vk", s(&f.vk)]);
    assert_eq!(code, 0, "{err}");
    hex::decode(out.trim().strip_prefix("0x").unwrap()).unwrap()
}

fn contract(name: &str) -> Option<&'static Compiled> {
    fixture().contracts.as_ref().map(|c| &c[name])
}

fn fr_word(x: &Fr) -> Word {
    solidity::word(x)
}

/// `prove(root, words)`.
fn prove_data(root: Word, words: &[Word; 8]) -> Vec<u8> {
    let mut all = vec![root];
    all.extend_from_slice(words);
    encode("prove(uint256,uint256[8])", &all)
}

fn commit_data(root: Word) -> Vec<u8> {
    encode("commit(uint256)", &[root])
}

/// A chain with a registry (beacon delay DELAY) deployed at DEPLOY_BLOCK; the next block is
/// COMMIT_BLOCK.
fn registry_chain(salt: u64) -> Option<(Chain, Address)> {
    let code = contract("StepRegistry")?;
    let mut chain = Chain::new(DEPLOY_BLOCK, salt);
    let (at, _) = chain
        .deploy(deployer(), &code.bytecode, &u64_word(DELAY))
        .unwrap_or_else(|o| panic!("deploy: {}", o.error()));
    chain.mine(1);
    Some((chain, at))
}

/// `status(worker, root)` as (status, beacon block).
fn status(chain: &mut Chain, registry: Address, who: Address, root: Word) -> (u64, u64) {
    let o = chain.call(
        who,
        registry,
        &encode("status(address,uint256)", &[address_word(who), root]),
    );
    assert!(o.success, "{}", o.error());
    let word = |k: usize| U256::from_be_slice(&o.output[32 * k..32 * k + 32]).to::<u64>();
    (word(0), word(1))
}

const NONE: u64 = 0;
const AWAITING: u64 = 1;
const PROVABLE: u64 = 2;
const VERIFIED: u64 = 3;
const EXPIRED: u64 = 4;

fn expect(o: &Outcome, error: &str) {
    assert!(o.reverted_with(error), "expected {error}: {}", o.error());
}

#[test]
fn golden_contracts_are_what_export_solidity_renders() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/onchain");
    let out = scratch("golden");
    let (code, stdout, err) = validator(&[
        "export-solidity",
        "--vk",
        s(&golden.join("mlp2-s18-r32.vk")),
        "--out",
        s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    let names = [
        solidity::VERIFIER_FILE,
        solidity::REGISTRY_FILE,
        registry::RUN_REGISTRY_FILE,
        registry::POSEIDON2_FILE,
    ];
    assert_eq!(stdout.lines().count(), names.len(), "{stdout}");
    for name in names {
        let ours = std::fs::read_to_string(out.join(name)).unwrap();
        let want = std::fs::read_to_string(golden.join(name)).unwrap();
        assert!(
            ours == want,
            "{name} differs from vectors/onchain (re-render with `spotproof-validator export-solidity --vk vectors/onchain/mlp2-s18-r32.vk --out vectors/onchain`)"
        );
    }
    let Some(solc) = solc_or_skip("golden_contracts") else {
        return;
    };
    let texts: Vec<String> = names
        .iter()
        .map(|n| std::fs::read_to_string(golden.join(n)).unwrap())
        .collect();
    let sources: Vec<(&str, &str)> = names
        .iter()
        .copied()
        .zip(texts.iter().map(String::as_str))
        .collect();
    let compiled = compile(&solc, &sources);
    for c in compiled.values() {
        assert!(c.runtime_size <= 24_576, "EIP-170: {}", c.runtime_size);
    }
    // The selectors the calldata encoder hard-codes are solc's.
    let reg = &compiled["StepRegistry"].methods;
    assert_eq!(
        reg["commit(uint256)"],
        hex::encode(solidity::COMMIT_SELECTOR)
    );
    assert_eq!(
        reg["prove(uint256,uint256[8])"],
        hex::encode(solidity::PROVE_SELECTOR)
    );
    assert_eq!(
        reg["verifyProof(uint256[8],uint256[2])"],
        hex::encode(solidity::VERIFY_PROOF_SELECTOR)
    );
}

#[test]
fn export_solidity_refuses_bad_keys_with_one_line() {
    let dir = scratch("bad-vk");
    let junk = dir.join("junk.vk");
    std::fs::write(&junk, b"not a key").unwrap();
    // A key of format version 2 (protocol v1: the Poseidon circuit).
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors/onchain/mlp2-s18-r32.vk");
    let mut old = std::fs::read(golden).unwrap();
    old[7] = 2;
    let v1 = dir.join("v1.vk");
    std::fs::write(&v1, old).unwrap();
    for (vk, why) in [
        (junk, "wrong magic"),
        (dir.join("missing.vk"), "cannot read"),
        (v1, "format version 2"),
    ] {
        let (code, _, err) = validator(&["export-solidity", "--vk", s(&vk), "--out", s(&dir)]);
        assert_eq!(code, 2, "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(why), "{why}: {err}");
    }
    assert!(!dir.join(solidity::VERIFIER_FILE).exists());
}

#[test]
fn the_verifier_accepts_the_real_proof_and_rejects_tampering() {
    let f = fixture();
    let Some(code) = contract("SpotproofVerifier") else {
        return;
    };
    let mut chain = Chain::new(DEPLOY_BLOCK, SALT);
    let (at, deploy_gas) = chain.deploy(deployer(), &code.bytecode, &[]).unwrap();
    chain.mine(1);
    let worker_fr = worker().to_string().parse::<WorkerId>().unwrap().fr();
    let challenge = sampling::challenge(f.beacon, worker_fr).unwrap();
    let inputs = [fr_word(&f.root), fr_word(&challenge)];
    let call = |chain: &mut Chain, words: &[Word; 8], inputs: &[Word; 2]| {
        let mut all = words.to_vec();
        all.extend_from_slice(inputs);
        let o = chain.call(
            stranger(),
            at,
            &encode("verifyProof(uint256[8],uint256[2])", &all),
        );
        assert!(o.success, "verifyProof reverted: {}", o.error());
        o.output[31] == 1 && o.output[..31].iter().all(|&b| b == 0)
    };
    assert!(call(&mut chain, &f.words, &inputs));
    let proof = proof_from_hex(&Bundle::read(&f.bundle).unwrap().proof).unwrap();
    let data = solidity::verify_proof_calldata(&proof, &[f.root, challenge]);
    let mut all = f.words.to_vec();
    all.extend_from_slice(&inputs);
    assert_eq!(data, encode("verifyProof(uint256[8],uint256[2])", &all));
    let sent = chain.send(stranger(), at, &data);
    assert!(sent.success);
    eprintln!(
        "gas: SpotproofVerifier deploy {deploy_gas}, verifyProof transaction {}, runtime {} bytes",
        sent.gas_used, code.runtime_size
    );

    let two = |k: u32| Fr::from(2u64).pow([u64::from(k)]);
    let tampered = [
        ("root + 1", [f.root + Fr::from(1u64), challenge]),
        ("another worker", [f.root, challenge + Fr::from(1u64)]),
        (
            "another beacon",
            [f.root, challenge + two(sampling::WORKER_BITS)],
        ),
        ("swapped inputs", [challenge, f.root]),
    ];
    for (what, bad) in tampered {
        assert!(
            !call(&mut chain, &f.words, &bad.map(|x| fr_word(&x))),
            "{what} accepted"
        );
    }
    // An input that is not a field element: root + r, same value mod r.
    let mut above = inputs;
    above[0] =
        (U256::from_be_bytes(inputs[0]) + U256::from_str_radix(R_DEC, 10).unwrap()).to_be_bytes();
    assert!(!call(&mut chain, &f.words, &above));
    for (what, words) in malformed_proofs(&f.words) {
        assert!(!call(&mut chain, &words, &inputs), "{what} accepted");
    }
}

const R_DEC: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

fn q() -> U256 {
    U256::from_str_radix(BN254_Q, 10).unwrap()
}

fn add_word(w: Word, x: U256) -> Word {
    (U256::from_be_bytes(w) + x).to_be_bytes()
}

/// Proofs that must all be refused, with what is wrong with each; the registry's error for each
/// is in [`registry_error`].
fn malformed_proofs(words: &[Word; 8]) -> Vec<(&'static str, [Word; 8])> {
    let with = |k: usize, w: Word| {
        let mut c = *words;
        c[k] = w;
        c
    };
    let mut swapped_b = *words;
    swapped_b.swap(2, 3);
    swapped_b.swap(4, 5);
    let mut a_is_c = *words;
    a_is_c[0] = words[6];
    a_is_c[1] = words[7];
    let neg_a_y = (q() - U256::from_be_bytes(words[1])).to_be_bytes();
    vec![
        (
            "A.x + q (not below the modulus)",
            with(0, add_word(words[0], q())),
        ),
        ("B.x.c0 + q", with(3, add_word(words[3], q()))),
        ("C.y + q", with(7, add_word(words[7], q()))),
        (
            "A off the curve",
            with(1, add_word(words[1], U256::from(1))),
        ),
        (
            "B off the curve",
            with(4, add_word(words[4], U256::from(1))),
        ),
        (
            "C off the curve",
            with(6, add_word(words[6], U256::from(1))),
        ),
        ("B with c0 and c1 in snarkjs's order", swapped_b),
        ("B on the twist but outside the subgroup", {
            let mut c = *words;
            c[2..6].copy_from_slice(&twist_point_outside_subgroup());
            c
        }),
        ("-A instead of A", with(1, neg_a_y)),
        ("A replaced by C", a_is_c),
        ("all zero (points at infinity)", [[0u8; 32]; 8]),
    ]
}

/// `[x.c1, x.c0, y.c1, y.c0]` of a point on BN254's G2 curve that is not in the prime-order
/// subgroup (the twist's cofactor is large, so the first x that gives a point does).
fn twist_point_outside_subgroup() -> [Word; 4] {
    use ark_bn254::{Fq, Fq2, G2Affine};
    let mut x = Fq2::new(Fq::from(1u64), Fq::from(0u64));
    loop {
        if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false)
            && !p.is_in_correct_subgroup_assuming_on_curve()
        {
            return [p.x.c1, p.x.c0, p.y.c1, p.y.c0].map(|c| solidity::word(&c));
        }
        x += Fq2::from(1u64);
    }
}

fn registry_error(what: &str) -> &'static str {
    if what.contains("+ q") {
        "ProofNotCanonical()"
    } else if what.contains("off the curve")
        || what.contains("snarkjs's order")
        || what.contains("outside the subgroup")
    {
        "ProofMalformed()"
    } else {
        "ProofRejected()"
    }
}

#[test]
fn the_registry_records_a_proven_step_within_the_gas_bound() {
    let f = fixture();
    let Some((mut chain, reg)) = registry_chain(SALT) else {
        return;
    };
    let root = fr_word(&f.root);
    let w = worker();
    assert_eq!(status(&mut chain, reg, w, root), (NONE, 0));
    let o = chain.send(w, reg, &commit_data(root));
    assert!(o.success, "{}", o.error());
    let commit_gas = o.gas_used;
    let log = &o.logs[0];
    assert_eq!(
        log.topics()[0],
        keccak256("Committed(address,uint256,uint256)")
    );
    assert_eq!(log.topics()[1].0, address_word(w));
    assert_eq!(log.topics()[2].0, root);
    assert_eq!(log.data.data.as_ref(), &u64_word(BEACON_BLOCK));
    assert_eq!(
        solidity::commit_calldata(&f.root),
        commit_data(root),
        "the encoder's commit call"
    );

    let calldata = cli_prove_calldata();
    assert_eq!(calldata, prove_data(root, &f.words));
    // While the beacon block is not yet sealed, nothing can be proven.
    for _ in COMMIT_BLOCK..=BEACON_BLOCK {
        assert_eq!(status(&mut chain, reg, w, root), (AWAITING, BEACON_BLOCK));
        expect(
            &chain.send(w, reg, &calldata),
            "BeaconNotYetAvailable(uint256)",
        );
        chain.mine(1);
    }
    assert_eq!(status(&mut chain, reg, w, root), (PROVABLE, BEACON_BLOCK));
    let beacon = chain.call(
        w,
        reg,
        &encode("beacon(address,uint256)", &[address_word(w), root]),
    );
    assert_eq!(beacon.output, fr_word(&f.beacon), "the registry's beacon");

    let o = chain.send(w, reg, &calldata);
    assert!(o.success, "honest proof refused: {}", o.error());
    let calldata_gas: u64 = calldata.iter().map(|&b| if b == 0 { 4 } else { 16 }).sum();
    eprintln!(
        "gas: StepRegistry commit {commit_gas}, prove {} (calldata {calldata_gas}; bound {PROVE_GAS_BOUND}, goal 230000), runtime {} bytes",
        o.gas_used,
        contract("StepRegistry").unwrap().runtime_size
    );
    assert!(
        o.gas_used <= PROVE_GAS_BOUND,
        "prove used {} gas, over the {PROVE_GAS_BOUND} bound",
        o.gas_used
    );
    let log = &o.logs[0];
    assert_eq!(
        log.topics()[0],
        keccak256("StepVerified(address,uint256,uint256)")
    );
    assert_eq!(log.topics()[1].0, address_word(w));
    assert_eq!(log.topics()[2].0, root);
    assert_eq!(log.data.data.as_ref(), &fr_word(&f.beacon));
    assert_eq!(status(&mut chain, reg, w, root), (VERIFIED, BEACON_BLOCK));

    // A second proof for the same commitment, and a second commitment to the same root.
    chain.mine(1);
    expect(&chain.send(w, reg, &calldata), "AlreadyVerified()");
    expect(
        &chain.send(w, reg, &commit_data(root)),
        "AlreadyCommitted(uint256)",
    );
    // Long after, the record stays.
    chain.mine(1_000);
    assert_eq!(status(&mut chain, reg, w, root), (VERIFIED, BEACON_BLOCK));
}

#[test]
fn the_registry_refuses_someone_elses_commitment() {
    let f = fixture();
    let Some((mut chain, reg)) = registry_chain(SALT) else {
        return;
    };
    let root = fr_word(&f.root);
    let calldata = prove_data(root, &f.words);
    assert!(chain.send(worker(), reg, &commit_data(root)).success);
    chain.mine(DELAY + 1);
    // The stranger has no commitment to this root.
    expect(&chain.send(stranger(), reg, &calldata), "NotCommitted()");
    // With its own commitment to the same root (same block, same beacon), the worker's proof is
    // still not the stranger's: the circuit binds the worker's address.
    let mut other = Chain::new(DEPLOY_BLOCK, SALT);
    let code = contract("StepRegistry").unwrap();
    let (reg2, _) = other
        .deploy(deployer(), &code.bytecode, &u64_word(DELAY))
        .unwrap();
    other.mine(1);
    assert!(other.send(stranger(), reg2, &commit_data(root)).success);
    other.mine(DELAY + 1);
    expect(&other.send(stranger(), reg2, &calldata), "ProofRejected()");
    // The worker's own commitment is untouched by all this.
    let o = chain.send(worker(), reg, &calldata);
    assert!(o.success, "{}", o.error());
}

#[test]
fn the_registry_refuses_an_expired_beacon_and_a_second_draw() {
    let f = fixture();
    let root = fr_word(&f.root);
    let calldata = prove_data(root, &f.words);
    // The last block that can still read the beacon block's hash: 256 blocks later.
    let Some((mut chain, reg)) = registry_chain(SALT) else {
        return;
    };
    assert!(chain.send(worker(), reg, &commit_data(root)).success);
    chain.mine(BEACON_BLOCK + 256 - COMMIT_BLOCK);
    assert_eq!(
        status(&mut chain, reg, worker(), root),
        (PROVABLE, BEACON_BLOCK)
    );
    let o = chain.send(worker(), reg, &calldata);
    assert!(o.success, "{}", o.error());
    // One block later it is gone for good.
    let Some((mut chain, reg)) = registry_chain(SALT) else {
        return;
    };
    assert!(chain.send(worker(), reg, &commit_data(root)).success);
    chain.mine(BEACON_BLOCK + 257 - COMMIT_BLOCK);
    assert_eq!(
        status(&mut chain, reg, worker(), root),
        (EXPIRED, BEACON_BLOCK)
    );
    expect(
        &chain.send(worker(), reg, &calldata),
        "BeaconExpired(uint256)",
    );
    expect(
        &chain.call(
            worker(),
            reg,
            &encode("beacon(address,uint256)", &[address_word(worker()), root]),
        ),
        "BeaconExpired(uint256)",
    );
    // Committing the same root again would draw a new beacon: refused.
    expect(
        &chain.send(worker(), reg, &commit_data(root)),
        "AlreadyCommitted(uint256)",
    );
}

#[test]
fn the_registry_refuses_malformed_proofs_inputs_and_calldata() {
    let f = fixture();
    let Some((mut chain, reg)) = registry_chain(SALT) else {
        return;
    };
    let root = fr_word(&f.root);
    let w = worker();
    let r = U256::from_str_radix(R_DEC, 10).unwrap();
    // A root that is not a field element cannot be committed (nor, then, proven).
    let above = (U256::from_be_bytes(root) + r).to_be_bytes();
    expect(&chain.send(w, reg, &commit_data(above)), "RootNotInField()");
    expect(
        &chain.send(w, reg, &prove_data(above, &f.words)),
        "NotCommitted()",
    );
    assert!(chain.send(w, reg, &commit_data(root)).success);
    chain.mine(DELAY + 1);
    for (what, words) in malformed_proofs(&f.words) {
        let o = chain.send(w, reg, &prove_data(root, &words));
        assert!(
            o.reverted_with(registry_error(what)),
            "{what}: expected {}, got {}",
            registry_error(what),
            o.error()
        );
    }
    // Wrong-length calldata: one byte short (the ABI decoder refuses it) and one byte long.
    let good = prove_data(root, &f.words);
    let short = chain.send(w, reg, &good[..good.len() - 1]);
    assert!(!short.success);
    let mut long = good.clone();
    long.push(0);
    expect(&chain.send(w, reg, &long), "BadCalldataLength(uint256)");
    // None of this used up the commitment.
    let o = chain.send(w, reg, &good);
    assert!(o.success, "{}", o.error());
}

#[test]
fn a_proof_under_another_blocks_beacon_is_rejected() {
    let f = fixture();
    // Same blocks, other hashes: the beacon the registry derives is not the proof's.
    let Some((mut chain, reg)) = registry_chain(SALT + 1) else {
        return;
    };
    let root = fr_word(&f.root);
    assert!(chain.send(worker(), reg, &commit_data(root)).success);
    chain.mine(DELAY + 1);
    expect(
        &chain.send(worker(), reg, &prove_data(root, &f.words)),
        "ProofRejected()",
    );
    // And a commitment one block later in the honest chain has another beacon block.
    let Some((mut chain, reg)) = registry_chain(SALT) else {
        return;
    };
    chain.mine(1);
    assert!(chain.send(worker(), reg, &commit_data(root)).success);
    chain.mine(DELAY + 1);
    expect(
        &chain.send(worker(), reg, &prove_data(root, &f.words)),
        "ProofRejected()",
    );
}

#[test]
fn the_registry_needs_a_beacon_delay() {
    let Some(code) = contract("StepRegistry") else {
        return;
    };
    let mut chain = Chain::new(DEPLOY_BLOCK, SALT);
    let o = chain
        .deploy(deployer(), &code.bytecode, &u64_word(0))
        .unwrap_err();
    expect(&o, "BadBeaconDelay()");
}

fn edited(name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let f = fixture();
    common::edited(&f.bundle, &f.dir, name, edit)
}

#[test]
fn calldata_prints_both_calls_and_refuses_what_the_chain_would_refuse() {
    let f = fixture();
    let (code, out, err) = validator(&["calldata", s(&f.bundle), "--vk", s(&f.vk), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sender"], worker().to_string().to_lowercase());
    assert_eq!(
        v["prove"],
        format!("0x{}", hex::encode(prove_data(fr_word(&f.root), &f.words)))
    );
    assert_eq!(
        v["commit"],
        format!("0x{}", hex::encode(commit_data(fr_word(&f.root))))
    );
    assert_eq!(
        v["beacon"],
        format!("0x{}", hex::encode(fr_word(&f.beacon)))
    );
    // The key beside the bundle is found without --vk.
    let (code, out2, err) = validator(&["calldata", s(&f.bundle)]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out2.trim(), v["prove"].as_str().unwrap());

    let class = Class::by_name("mlp2-s18-r32").unwrap();
    let vk = keys::read_vk(&f.vk).unwrap();
    // A key file of another class (same points, other class name), and another key of the class.
    let other_class = f.dir.join("other-class.vk");
    let r128 = Class::by_name("mlp2-s64-r128").unwrap();
    std::fs::write(&other_class, keys::encode(keys::VK_MAGIC, r128, vk.key())).unwrap();
    let mut other = vk.key().clone();
    other.alpha_g1 = (-other.alpha_g1.into_group()).into_affine();
    let other_key = f.dir.join("other-key.vk");
    std::fs::write(&other_key, keys::encode(keys::VK_MAGIC, class, &other)).unwrap();
    let fs = edited("fiat-shamir", |v| v["beacon_source"] = "fiat-shamir".into());
    let not_address = edited("not-address", |v| {
        v["worker"] = "1000000000000000000000000000000000000000000000000000000000000000".into();
        v["header"]["worker"] = v["worker"].clone();
    });
    let tampered = edited("tampered", |v| {
        let x = spotproof_core::commit::from_hex(v["beacon"].as_str().unwrap()).unwrap();
        v["beacon"] = spotproof_core::commit::to_hex(&(x + Fr::from(1u64))).into();
    });
    let truncated = f.dir.join("truncated.json");
    let text = std::fs::read(&f.bundle).unwrap();
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    // Bundles the registry would refuse are rejections (exit 1); files that cannot be used are
    // errors (exit 2).
    let cases: [(&Path, &Path, &str, i32); 7] = [
        (&f.bundle, &other_class, "mlp2-s64-r128", 2),
        (&f.bundle, &other_key, "key", 2),
        (&fs, &f.vk, "Fiat-Shamir", 1),
        (&not_address, &f.vk, "not an address", 1),
        (&tampered, &f.vk, "the registry would refuse it", 1),
        (&truncated, &f.vk, "truncated", 2),
        (&f.dir.join("missing.json"), &f.vk, "missing.json", 2),
    ];
    for (bundle, vk, why, expected) in cases {
        let (code, out, err) = validator(&["calldata", s(bundle), "--vk", s(vk)]);
        assert_eq!(code, expected, "{why}: {out}{err}");
        assert!(out.is_empty(), "{why}: printed {out}");
        assert_eq!(err.trim().lines().count(), 1, "{why}: {err}");
        assert!(err.contains(why), "{why}: {err}");
    }
}

/// The registry accepts exactly the call the worker's tools produce, end to end through files:
/// `spotproof-validator export-solidity` → solc → deploy; `calldata` → transaction.
#[test]
fn exported_contracts_accept_the_exported_calldata() {
    let f = fixture();
    let Some(solc) = solc_or_skip("exported_contracts") else {
        return;
    };
    let out = scratch("exported");
    let (code, _, err) = validator(&["export-solidity", "--vk", s(&f.vk), "--out", s(&out)]);
    assert_eq!(code, 0, "{err}");
    let read = |n: &str| std::fs::read_to_string(out.join(n)).unwrap();
    let (v, r) = (read(solidity::VERIFIER_FILE), read(solidity::REGISTRY_FILE));
    let compiled = compile(
        &solc,
        &[(solidity::VERIFIER_FILE, &v), (solidity::REGISTRY_FILE, &r)],
    );
    let mut chain = Chain::new(DEPLOY_BLOCK, SALT);
    let (reg, deploy_gas) = chain
        .deploy(
            deployer(),
            &compiled["StepRegistry"].bytecode,
            &u64_word(DELAY),
        )
        .unwrap();
    eprintln!("gas: StepRegistry deploy {deploy_gas}");
    chain.mine(1);
    assert!(
        chain
            .send(worker(), reg, &commit_data(fr_word(&f.root)))
            .success
    );
    chain.mine(DELAY + 1);
    let o = chain.send(worker(), reg, &cli_prove_calldata());
    assert!(o.success, "{}", o.error());
}
