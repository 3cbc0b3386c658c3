//! Runs on chain: the `RunRegistry` contract rendered for a class, the Poseidon2 contract its
//! fraud proofs hash with (generated from spotproof-core's round constants, as circomlibjs
//! generates its Poseidon contracts from its own), the ABI calldata of every registry call, and
//! the search for a fraud proof in a run file (`papers/onchain.md` §5, §6).
//!
//! Calls are encoded with the standard ABI: a function's selector (the first four bytes of
//! keccak-256 of its signature) and its arguments, static words in place and each dynamic array
//! as an offset to its length and elements after the static part.

use crate::audit::AuditError;
use crate::keys::Vk;
use crate::solidity::word;
use ark_ff::Zero;
use spotproof_core::commit::Fr;
use spotproof_core::layout::{TraceLeaves, trace_leaves};
use spotproof_core::run::{RUN_FORMAT_VERSION, RunFile, Task, Word, keccak, run_path};
use spotproof_core::trace::trace_siblings;
use spotproof_core::{domain, poseidon2};

/// File name of the run registry.
pub const RUN_REGISTRY_FILE: &str = "RunRegistry.sol";
/// File name of the Poseidon2 contract.
pub const POSEIDON2_FILE: &str = "Poseidon2T3.sol";
const RUN_REGISTRY_TEMPLATE: &str = include_str!("../contracts/RunRegistry.sol.in");

/// The run registry for `vk`'s class: the template with the class's sample count and the trace
/// leaves of its state tensors as constants.
pub fn run_registry_source(vk: &Vk) -> String {
    let class = &vk.class;
    let map = trace_leaves(class.layers);
    let pack = |leaves: &[usize]| {
        let hex: String = leaves.iter().rev().map(|l| format!("{l:02x}")).collect();
        format!("0x{hex}")
    };
    let depth = map.leaves.next_power_of_two().trailing_zeros();
    RUN_REGISTRY_TEMPLATE
        .replace("{{CLASS}}", class.name)
        .replace("{{SAMPLES}}", &class.samples.to_string())
        .replace("{{LAYERS}}", &class.layers.to_string())
        .replace("{{STATE_ROLES}}", &map.state_in.len().to_string())
        .replace("{{TRACE_LEAVES}}", &map.leaves.to_string())
        .replace("{{TRACE_DEPTH}}", &depth.to_string())
        .replace("{{STATE_IN}}", &pack(&map.state_in))
        .replace("{{STATE_OUT}}", &pack(&map.state_out))
        .replace("{{DOMAIN_HEADER}}", &domain::DOMAIN_HEADER.to_string())
        .replace(
            "{{DOMAIN_TRACE_LEAF}}",
            &domain::DOMAIN_TRACE_LEAF.to_string(),
        )
        .replace("{{FORMAT_VERSION}}", &RUN_FORMAT_VERSION.to_string())
}

/// The Poseidon2 contract: spotproof's sponge (`poseidon2::hash`) over its calldata words, with
/// the permutation unrolled in Yul from [`poseidon2::constants`]. The same for every class.
pub fn poseidon2_source() -> String {
    let c = poseidon2::constants();
    let h = |x: &Fr| format!("0x{}", hex::encode(word(x)));
    let mut body = Vec::new();
    let external_matrix = |body: &mut Vec<String>| {
        body.push("sum := add(add(s0, s1), s2)".to_string());
        for i in 0..3 {
            body.push(format!("s{i} := addmod(s{i}, sum, p)"));
        }
    };
    let full_round = |body: &mut Vec<String>, rc: &[Fr; 3]| {
        for (i, k) in rc.iter().enumerate() {
            body.push(format!("x := add(s{i}, {})", h(k)));
            body.push("x2 := mulmod(x, x, p)".to_string());
            body.push("x2 := mulmod(x2, x2, p)".to_string());
            body.push(format!("s{i} := mulmod(x2, x, p)"));
        }
        external_matrix(body);
    };
    external_matrix(&mut body);
    let (first, last) = c.external.split_at(poseidon2::EXTERNAL_ROUNDS / 2);
    for rc in first {
        full_round(&mut body, rc);
    }
    for k in &c.internal {
        body.push(format!("x := add(s0, {})", h(k)));
        body.push("x2 := mulmod(x, x, p)".to_string());
        body.push("x2 := mulmod(x2, x2, p)".to_string());
        body.push("s0 := mulmod(x2, x, p)".to_string());
        body.push("sum := add(add(s0, s1), s2)".to_string());
        body.push("s0 := addmod(s0, sum, p)".to_string());
        body.push("s1 := addmod(s1, sum, p)".to_string());
        body.push("s2 := addmod(add(s2, s2), sum, p)".to_string());
    }
    for rc in last {
        full_round(&mut body, rc);
    }
    let body: String = body
        .iter()
        .map(|l| format!("                {l}\n"))
        .collect();
    format!(
        r#"// SPDX-License-Identifier: MIT OR Apache-2.0
// Written by `spotproof-validator export-solidity` from spotproof-core's Poseidon2 round
// constants (core/src/poseidon2/constants.rs); the same for every class. Do not edit: export it
// again.
pragma solidity ^0.8.20;

/// @title Poseidon2 over BN254, width 3, alpha 5, 8 external and 56 internal rounds
/// @notice spotproof's hash (papers/protocol.md, "Hash"). The calldata is n >= 0 words
/// x1..xn (no selector), each below the scalar field modulus; it returns hash(x1..xn): the state
/// starts at zero, the inputs are added two at a time into lanes 1 and 2, each pair is followed
/// by one permutation (an empty input permutes once), and the digest is lane 1. It reverts on a
/// word not below the modulus or a length that is not a multiple of 32.
/// @dev Deploy it compiled with many optimizer runs (1,000,000): fewer runs trade gas for size.
contract Poseidon2T3 {{
    fallback(bytes calldata) external returns (bytes memory) {{
        assembly {{
            function permute(a, b, c) -> s0, s1, s2 {{
                let p := 21888242871839275222246405745257275088548364400416034343698204186575808495617
                let x, x2, sum
                s0 := a
                s1 := b
                s2 := c
{body}            }}
            let p := 21888242871839275222246405745257275088548364400416034343698204186575808495617
            let n := calldatasize()
            if mod(n, 32) {{ revert(0, 0) }}
            let s0, s1, s2
            for {{ let i := 0 }} lt(i, n) {{ i := add(i, 64) }} {{
                // Past the end calldataload reads zero: an odd input adds nothing to lane 2.
                let a := calldataload(i)
                let b := calldataload(add(i, 32))
                if or(iszero(lt(a, p)), iszero(lt(b, p))) {{ revert(0, 0) }}
                s1 := addmod(s1, a, p)
                s2 := addmod(s2, b, p)
                s0, s1, s2 := permute(s0, s1, s2)
            }}
            if iszero(n) {{ s0, s1, s2 := permute(0, 0, 0) }}
            mstore(0, s1)
            return(0, 32)
        }}
    }}
}}
"#
    )
}

/// An ABI argument: one word, or a dynamic array of words.
#[derive(Clone, Debug)]
pub enum Arg {
    /// A static word (uint256, bytes32, address, uintN).
    Word(Word),
    /// A fixed-size array of words (`uint256[k]`), encoded in place.
    Fixed(Vec<Word>),
    /// A dynamic array of words (`uint256[]`, `bytes32[]`).
    Array(Vec<Word>),
}

/// The selector of `signature` (e.g. `"seal(bytes32)"`).
pub fn selector(signature: &str) -> [u8; 4] {
    let h = keccak(signature.as_bytes());
    [h.0[0], h.0[1], h.0[2], h.0[3]]
}

/// `selector(signature) ‖ abi.encode(args…)`.
pub fn encode_call(signature: &str, args: &[Arg]) -> Vec<u8> {
    let head_words: usize = args
        .iter()
        .map(|a| match a {
            Arg::Word(_) | Arg::Array(_) => 1,
            Arg::Fixed(w) => w.len(),
        })
        .sum();
    let (mut head, mut tail): (Vec<Word>, Vec<Word>) = (Vec::new(), Vec::new());
    for a in args {
        match a {
            Arg::Word(w) => head.push(*w),
            Arg::Fixed(ws) => head.extend(ws.iter().copied()),
            Arg::Array(ws) => {
                head.push(Word::of_u64(32 * (head_words + tail.len()) as u64));
                tail.push(Word::of_u64(ws.len() as u64));
                tail.extend(ws.iter().copied());
            }
        }
    }
    let mut out = selector(signature).to_vec();
    for w in head.iter().chain(&tail) {
        out.extend_from_slice(&w.0);
    }
    out
}

fn fr(x: &Fr) -> Word {
    Word::of_fr(x)
}

fn frs(xs: &[Fr]) -> Vec<Word> {
    xs.iter().map(fr).collect()
}

/// `register(archId, datasetRoot, dataSeed, initialRoots, steps, samples, challengeSteps,
/// bond)`, sent with the reward as value.
pub fn register_calldata(task: &Task, bond: u128) -> Vec<u8> {
    let mut b = [0u8; 32];
    b[16..].copy_from_slice(&bond.to_be_bytes());
    encode_call(
        "register(uint256,uint256,uint64,uint256[],uint64,uint64,uint64,uint128)",
        &[
            Arg::Word(fr(&task.arch_id)),
            Arg::Word(fr(&task.dataset_root)),
            Arg::Word(Word::of_u64(task.data_seed)),
            Arg::Array(frs(&task.initial_roots)),
            Arg::Word(Word::of_u64(task.steps)),
            Arg::Word(Word::of_u64(task.samples)),
            Arg::Word(Word::of_u64(task.challenge_steps)),
            Arg::Word(Word(b)),
        ],
    )
}

/// `commit(taskId, runRoot, runFileHash)`, sent with the bond as value.
pub fn commit_calldata(task_id: &Word, run_root: &Word, run_file_hash: &Word) -> Vec<u8> {
    encode_call(
        "commit(bytes32,bytes32,bytes32)",
        &[
            Arg::Word(*task_id),
            Arg::Word(*run_root),
            Arg::Word(*run_file_hash),
        ],
    )
}

/// A call that takes the task id only: `seal`, `withdraw`, `slash`, `cancel`.
pub fn task_calldata(function: &str, task_id: &Word) -> Vec<u8> {
    encode_call(&format!("{function}(bytes32)"), &[Arg::Word(*task_id)])
}

/// `prove(taskId, step, traceRoot, runPath, proof)` for step `step` of `run`.
pub fn prove_calldata(task_id: &Word, run: &RunFile, step: u64, proof: &[[u8; 32]; 8]) -> Vec<u8> {
    let roots = run.trace_roots();
    let s = step as usize;
    encode_call(
        "prove(bytes32,uint256,uint256,bytes32[],uint256[8])",
        &[
            Arg::Word(*task_id),
            Arg::Word(Word::of_u64(step)),
            Arg::Word(fr(&roots.get(s).copied().unwrap_or_default())),
            Arg::Array(run_path(&roots, s)),
            Arg::Fixed(proof.iter().map(|w| Word(*w)).collect()),
        ],
    )
}

/// A run's `commit` call: what it commits, and the calldata (send it with the task's bond).
#[derive(Clone, Debug)]
pub struct CommitCall {
    /// The task.
    pub task_id: Word,
    /// The run root.
    pub run_root: Word,
    /// keccak-256 of the run file's bytes.
    pub run_file_hash: Word,
    /// `commit(taskId, runRoot, runFileHash)`.
    pub calldata: Vec<u8>,
}

/// The `commit` call of the complete run in the file `run_path`, a run of `task`.
///
/// # Errors
/// When the file cannot be read, is not a complete run (its run root the root of its steps), or
/// is a run of another task.
pub fn commit_of(task: &Task, run_path: &std::path::Path) -> Result<CommitCall, AuditError> {
    let run = crate::audit::read_run(run_path)?;
    let run_root = crate::audit::complete_root(run_path, &run)?;
    if run.task_id != task.task_id {
        return Err(AuditError::File {
            path: run_path.to_path_buf(),
            reason: format!("a run of task {}, not of {}", run.task_id, task.task_id),
        });
    }
    let bytes = std::fs::read(run_path).map_err(|e| AuditError::File {
        path: run_path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let run_file_hash = keccak(&bytes);
    Ok(CommitCall {
        task_id: task.task_id,
        run_root,
        run_file_hash,
        calldata: commit_calldata(&task.task_id, &run_root, &run_file_hash),
    })
}

/// What a fraud proof shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FraudKind {
    /// A header field that is not the task's (or the run's worker, or the step's position).
    Header(&'static str),
    /// A previous root that is not the previous step's trace root.
    Link,
    /// A state tensor going into a step that is not the one the previous step put out.
    State {
        /// Its index among the state roles (layer by layer master, weight, bias).
        role: usize,
    },
    /// A state tensor going into step 0 that is not the task's initial one.
    Initial {
        /// Its index among the state roles.
        role: usize,
    },
}

/// A fraud proof for a run: what it shows, at which step, and the registry call that shows it.
#[derive(Clone, Debug)]
pub struct Fraud {
    /// What it shows.
    pub kind: FraudKind,
    /// The step.
    pub step: u64,
    /// The registry's `dispute…` call.
    pub calldata: Vec<u8>,
}

impl std::fmt::Display for Fraud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            FraudKind::Header(what) => write!(
                f,
                "step {}: its header's {what} is not the task's",
                self.step
            ),
            FraudKind::Link => write!(
                f,
                "step {}: its previous root is not step {}'s trace root",
                self.step,
                self.step.saturating_sub(1)
            ),
            FraudKind::State { role } => write!(
                f,
                "step {}: state tensor {role} going in is not the one step {} put out",
                self.step,
                self.step.saturating_sub(1)
            ),
            FraudKind::Initial { role } => {
                write!(
                    f,
                    "step 0: state tensor {role} going in is not the task's initial one"
                )
            }
        }
    }
}

/// Why no fraud proof can be built for a run that is not clean.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisputeError {
    /// The run file is for another task, or has another number of steps.
    #[error("the run file is not a complete run of this task ({0})")]
    NotThisTask(&'static str),
    /// A step whose manifest does not hash to its trace root: nothing in it can be opened.
    #[error(
        "step {0}'s manifest does not hash to its trace root: its leaves cannot be opened on chain"
    )]
    Unopenable(u64),
    /// A step whose trace tree has another height than the class's, or too few leaves to hold
    /// its state tensors: the registry cannot open it.
    #[error(
        "step {0}'s trace tree is not of the class's height: its leaves cannot be opened on chain"
    )]
    Layout(u64),
}

/// The first fault of `run` that the registry's fraud proofs can show, in step order (header,
/// then the link and the state carried from the previous step, or the initial state), with its
/// call; `Ok(None)` if the run is clean of every such fault. `layers` is the class's.
///
/// # Errors
/// When the run is not a complete run of `task`, or a step cannot be opened (its manifest does
/// not hash to its trace root, or its layout is not the class's) before any fault is found.
pub fn find_fraud(
    task: &Task,
    run: &RunFile,
    layers: usize,
) -> Result<Option<Fraud>, DisputeError> {
    if run.task_id != task.task_id {
        return Err(DisputeError::NotThisTask("task id"));
    }
    if run.steps.len() as u64 != task.steps {
        return Err(DisputeError::NotThisTask("steps"));
    }
    let map = trace_leaves(layers);
    let roots = run.trace_roots();
    let worker = run.worker.fr();
    let mut prev: Vec<Fr> = Vec::new();
    for (k, s) in run.steps.iter().enumerate() {
        let step = k as u64;
        let leaves = opened(run, k, &map)?;
        let h = &s.manifest.header;
        let header = [
            (h.arch_id == task.arch_id, "architecture id"),
            (h.step == step, "step index"),
            (k != 0 || h.prev_root.is_zero(), "previous root"),
            (h.dataset_root == task.dataset_root, "dataset root"),
            (h.data_seed == task.data_seed, "data seed"),
            (h.worker == worker, "worker"),
        ];
        let kind = if let Some((_, what)) = header.iter().find(|(ok, _)| !ok) {
            Some(FraudKind::Header(what))
        } else if k == 0 {
            (0..map.state_in.len())
                .find(|&role| Some(&leaves[map.state_in[role]]) != task.initial_roots.get(role))
                .map(|role| FraudKind::Initial { role })
        } else if h.prev_root != roots[k - 1] {
            Some(FraudKind::Link)
        } else {
            (0..map.state_in.len())
                .find(|&role| prev[map.state_out[role]] != leaves[map.state_in[role]])
                .map(|role| FraudKind::State { role })
        };
        if let Some(kind) = kind {
            let calldata = dispute_calldata(task, run, &kind, step, layers)?;
            return Ok(Some(Fraud {
                kind,
                step,
                calldata,
            }));
        }
        prev = leaves;
    }
    Ok(None)
}

/// Step `k`'s trace leaves, if its manifest hashes to its trace root and its trace tree has the
/// class's height and the state leaves (the registry opens the class's leaf positions whatever a
/// worker put there, so another layout of the same height is disputed like any other).
fn opened(run: &RunFile, k: usize, map: &TraceLeaves) -> Result<Vec<Fr>, DisputeError> {
    let step = k as u64;
    let s = run.steps.get(k).ok_or(DisputeError::NotThisTask("steps"))?;
    if s.manifest.root().ok() != Some(s.trace_root) {
        return Err(DisputeError::Unopenable(step));
    }
    let leaves = s.manifest.leaves();
    let last = map.state_in.iter().chain(&map.state_out).max().copied();
    if leaves.len().next_power_of_two() != map.leaves.next_power_of_two()
        || last.is_some_and(|l| l >= leaves.len())
    {
        return Err(DisputeError::Layout(step));
    }
    Ok(leaves)
}

/// The registry call that shows `kind` at step `step` of `run` (whether or not it holds: the
/// registry reverts `NoFraud` on a claim that does not). `layers` is the class's.
///
/// # Errors
/// When a step it opens cannot be opened, or `step` does not fit the kind (a link or state
/// claim at step 0, an initial-state claim elsewhere, a role out of range).
pub fn dispute_calldata(
    task: &Task,
    run: &RunFile,
    kind: &FraudKind,
    step: u64,
    layers: usize,
) -> Result<Vec<u8>, DisputeError> {
    let map = trace_leaves(layers);
    let roots = run.trace_roots();
    let k = step as usize;
    let leaves = opened(run, k, &map)?;
    let misfit = Err(DisputeError::NotThisTask(
        "a claim that does not fit the step",
    ));
    let two_paths = |k: usize| {
        let mut paths = run_path(&roots, k - 1);
        paths.extend(run_path(&roots, k));
        paths
    };
    Ok(match *kind {
        FraudKind::Header(_) => encode_call(
            "disputeHeader(bytes32,uint256,uint256,bytes32[],uint256[6],uint256[])",
            &[
                Arg::Word(task.task_id),
                Arg::Word(Word::of_u64(step)),
                Arg::Word(fr(&roots[k])),
                Arg::Array(run_path(&roots, k)),
                Arg::Fixed(header_words(&run.steps[k])),
                Arg::Array(siblings(&leaves, 0)),
            ],
        ),
        FraudKind::Link if k > 0 => encode_call(
            "disputeLink(bytes32,uint256,uint256[2],bytes32[],uint256[6],uint256[])",
            &[
                Arg::Word(task.task_id),
                Arg::Word(Word::of_u64(step)),
                Arg::Fixed(vec![fr(&roots[k - 1]), fr(&roots[k])]),
                Arg::Array(two_paths(k)),
                Arg::Fixed(header_words(&run.steps[k])),
                Arg::Array(siblings(&leaves, 0)),
            ],
        ),
        FraudKind::State { role } if k > 0 && role < map.state_in.len() => {
            let prev = opened(run, k - 1, &map)?;
            let (out, inn) = (map.state_out[role], map.state_in[role]);
            let mut trace_paths = siblings(&prev, out);
            trace_paths.extend(siblings(&leaves, inn));
            encode_call(
                "disputeState(bytes32,uint256,uint256,uint256[2],bytes32[],uint256[2],uint256[])",
                &[
                    Arg::Word(task.task_id),
                    Arg::Word(Word::of_u64(role as u64)),
                    Arg::Word(Word::of_u64(step)),
                    Arg::Fixed(vec![fr(&roots[k - 1]), fr(&roots[k])]),
                    Arg::Array(two_paths(k)),
                    Arg::Fixed(vec![fr(&prev[out]), fr(&leaves[inn])]),
                    Arg::Array(trace_paths),
                ],
            )
        }
        FraudKind::Initial { role } if k == 0 && role < map.state_in.len() => {
            let leaf = map.state_in[role];
            encode_call(
                "disputeInitial(bytes32,uint256,uint256,bytes32[],uint256,uint256[],uint256[])",
                &[
                    Arg::Word(task.task_id),
                    Arg::Word(Word::of_u64(role as u64)),
                    Arg::Word(fr(&roots[0])),
                    Arg::Array(run_path(&roots, 0)),
                    Arg::Word(fr(&leaves[leaf])),
                    Arg::Array(siblings(&leaves, leaf)),
                    Arg::Array(frs(&task.initial_roots)),
                ],
            )
        }
        _ => return misfit,
    })
}

fn header_words(s: &spotproof_core::run::RunStep) -> Vec<Word> {
    let h = &s.manifest.header;
    vec![
        fr(&h.arch_id),
        Word::of_u64(h.step),
        fr(&h.prev_root),
        fr(&h.dataset_root),
        Word::of_u64(h.data_seed),
        fr(&h.worker),
    ]
}

fn siblings(leaves: &[Fr], index: usize) -> Vec<Word> {
    frs(&trace_siblings(leaves, index).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dynamic_arrays_follow_the_static_part() {
        // f(uint256,uint256[],uint256[2]) with (7, [1, 2], [3, 4]): the array's offset counts the
        // four head words.
        let data = encode_call(
            "f(uint256,uint256[],uint256[2])",
            &[
                Arg::Word(Word::of_u64(7)),
                Arg::Array(vec![Word::of_u64(1), Word::of_u64(2)]),
                Arg::Fixed(vec![Word::of_u64(3), Word::of_u64(4)]),
            ],
        );
        let words: Vec<u64> = data[4..]
            .chunks(32)
            .map(|w| u64::from_be_bytes(w[24..].try_into().unwrap_or([0; 8])))
            .collect();
        assert_eq!(words, [7, 128, 3, 4, 2, 1, 2]);
        assert_eq!(selector("seal(bytes32)"), selector("seal(bytes32)"));
        assert_ne!(selector("seal(bytes32)"), selector("slash(bytes32)"));
    }

    #[test]
    fn every_class_depth_fits_the_packed_leaf_constants() {
        // STATE_IN / STATE_OUT hold one byte per state role in one word.
        for c in spotproof_circuits::CLASSES {
            let map = trace_leaves(c.layers);
            assert_eq!(map.state_in.len(), 3 * c.layers, "{}", c.name);
            assert_eq!(map.state_out.len(), 3 * c.layers, "{}", c.name);
            assert!(map.state_in.len() <= 32, "{}", c.name);
            assert!(
                map.state_in
                    .iter()
                    .chain(&map.state_out)
                    .all(|&l| l < 256 && l < map.leaves),
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn the_poseidon2_contract_carries_every_round_constant() {
        let src = poseidon2_source();
        let c = poseidon2::constants();
        for k in c.internal.iter().chain(c.external.iter().flatten()) {
            assert!(src.contains(&hex::encode(word(k))));
        }
        // 8 full rounds of 3 S-boxes and 56 partial rounds of one.
        assert_eq!(src.matches("x2 := mulmod(x2, x2, p)").count(), 8 * 3 + 56);
    }
}
