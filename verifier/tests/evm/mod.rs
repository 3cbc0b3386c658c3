//! For the contract tests: the pinned solc (npm `solc`, `solcjs`) compiling through its
//! standard-JSON interface, and a revm chain (Osaka rules, real BN254 precompiles) whose blocks
//! the test mines one by one, with block hashes it knows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use revm::context::TxEnv;
use revm::context::result::ExecutionResult;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, B256, Bytes, Log, TxKind, U256, keccak256};
use revm::{Context, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The EVM version both solc and revm use: Osaka, mainnet's rules since December 2025.
pub const EVM_VERSION: &str = "osaka";
/// A transaction's gas limit (EIP-7825 caps it at 2^24 under Osaka).
const TX_GAS: u64 = 16_000_000;

/// The solcjs executable to test with, or `None` (after a skip notice) when there is none and
/// `SPOTPROOF_REQUIRE_SOLC=1` is not set.
pub fn solc_or_skip(test: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SPOTPROOF_SOLC") {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "SPOTPROOF_SOLC={} is not a file", p.display());
        return Some(p);
    }
    let pinned = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/node/node_modules/.bin/solcjs");
    if pinned.is_file() {
        return Some(pinned);
    }
    if std::env::var("SPOTPROOF_REQUIRE_SOLC").as_deref() == Ok("1") {
        panic!(
            "{test}: solcjs not found (SPOTPROOF_SOLC, .ci/node/node_modules/.bin/solcjs) and \
             SPOTPROOF_REQUIRE_SOLC=1; run scripts/test.sh or `npm ci --prefix .ci/node`"
        );
    }
    eprintln!("{test}: skipped, solcjs not found (set SPOTPROOF_SOLC or run scripts/test.sh)");
    None
}

/// One compiled contract.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// Creation code.
    pub bytecode: Vec<u8>,
    /// Runtime code size (EIP-170 limits it to 24,576 bytes).
    pub runtime_size: usize,
    /// Function signature → selector (8 hex digits), as solc computed it.
    pub methods: BTreeMap<String, String>,
}

/// Compiles `sources` (file name → text) with the optimizer on (200 runs) for [`EVM_VERSION`];
/// returns every contract by name. Panics with solc's messages on any error.
pub fn compile(solc: &Path, sources: &[(&str, &str)]) -> BTreeMap<String, Compiled> {
    compile_runs(solc, sources, 200)
}

/// [`compile`] with the optimizer tuned for `runs` calls.
pub fn compile_runs(
    solc: &Path,
    sources: &[(&str, &str)],
    runs: u64,
) -> BTreeMap<String, Compiled> {
    let sources: serde_json::Map<String, Value> = sources
        .iter()
        .map(|(name, text)| (name.to_string(), json!({ "content": text })))
        .collect();
    let input = json!({
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "optimizer": { "enabled": true, "runs": runs },
            "evmVersion": EVM_VERSION,
            "outputSelection": { "*": { "*": [
                "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"
            ] } }
        }
    });
    // Files, not pipes: solcjs exits before a pipe drains past 64 KiB, and its synchronous read
    // of a pipe fails (EAGAIN) when the input is not there yet.
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let base = std::env::temp_dir().join(format!("spotproof-solc-{}-{n}", std::process::id()));
    let (in_path, out_path) = (
        base.with_extension("in.json"),
        base.with_extension("out.json"),
    );
    std::fs::write(&in_path, input.to_string()).unwrap();
    let out = Command::new(solc)
        .arg("--standard-json")
        .stdin(std::fs::File::open(&in_path).unwrap())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", solc.display()));
    let text = std::fs::read_to_string(&out_path).unwrap();
    let _ = std::fs::remove_file(&in_path);
    let _ = std::fs::remove_file(&out_path);
    let start = text.find('{').unwrap_or_else(|| {
        panic!(
            "solc printed no JSON: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let v: Value = serde_json::from_str(&text[start..]).unwrap();
    let errors: Vec<String> = v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| e["severity"] == "error")
                .map(|e| e["formattedMessage"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default();
    assert!(errors.is_empty(), "solc failed:\n{}", errors.join("\n"));
    let mut contracts = BTreeMap::new();
    for file in v["contracts"].as_object().unwrap().values() {
        for (name, c) in file.as_object().unwrap() {
            let hex_of = |p: &str| hex::decode(c.pointer(p).unwrap().as_str().unwrap()).unwrap();
            let methods = c["evm"]["methodIdentifiers"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            contracts.insert(
                name.clone(),
                Compiled {
                    bytecode: hex_of("/evm/bytecode/object"),
                    runtime_size: hex_of("/evm/deployedBytecode/object").len(),
                    methods,
                },
            );
        }
    }
    contracts
}

/// What a transaction did.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// It did not revert or halt.
    pub success: bool,
    /// Gas the sender pays (intrinsic 21,000 and calldata included, refunds deducted).
    pub gas_used: u64,
    /// Return data, or revert data.
    pub output: Vec<u8>,
    /// Logs emitted.
    pub logs: Vec<Log>,
}

impl Outcome {
    /// Whether it reverted with the custom error `signature` (e.g. `"NotCommitted()"`).
    pub fn reverted_with(&self, signature: &str) -> bool {
        !self.success && self.output.get(..4) == Some(&keccak256(signature.as_bytes())[..4])
    }
    /// The data words of the first log of event `signature` (e.g. `"Paid(bytes32,address,uint256)"`).
    pub fn event_words(&self, signature: &str) -> Vec<U256> {
        let topic = keccak256(signature.as_bytes());
        let log = self
            .logs
            .iter()
            .find(|l| l.topics().first() == Some(&topic))
            .unwrap_or_else(|| panic!("no {signature} event: {:?}", self.logs));
        log.data.data.chunks(32).map(U256::from_be_slice).collect()
    }

    /// The revert's custom error selector (hex), for messages.
    pub fn error(&self) -> String {
        format!(
            "success {} output 0x{}",
            self.success,
            hex::encode(&self.output)
        )
    }
}

/// A chain: state, the number of the block being built, and the hashes of the blocks before it.
pub struct Chain {
    db: CacheDB<EmptyDB>,
    /// The number of the block the next transaction lands in.
    pub number: u64,
    salt: u64,
}

impl Chain {
    /// A chain whose next block is `number`; `salt` varies the block hashes between chains.
    pub fn new(number: u64, salt: u64) -> Self {
        Self {
            db: CacheDB::new(EmptyDB::new()),
            number,
            salt,
        }
    }

    /// The hash of block `n` (for `n` below the current block).
    pub fn block_hash(&self, n: u64) -> B256 {
        let mut pre = b"spotproof test chain".to_vec();
        pre.extend_from_slice(&self.salt.to_be_bytes());
        pre.extend_from_slice(&n.to_be_bytes());
        keccak256(pre)
    }

    /// Seals the current block and the next `k - 1` (empty) ones.
    pub fn mine(&mut self, k: u64) {
        self.number += k;
    }

    fn publish_hashes(&mut self) {
        for n in self.number.saturating_sub(300)..self.number {
            let h = self.block_hash(n);
            self.db.cache.block_hashes.insert(U256::from(n), h);
        }
    }

    fn nonce(&self, who: Address) -> u64 {
        self.db.cache.accounts.get(&who).map_or(0, |a| a.info.nonce)
    }

    /// Gives `who` a balance of `wei`.
    pub fn fund(&mut self, who: Address, wei: u128) {
        let mut info = self
            .db
            .cache
            .accounts
            .get(&who)
            .map(|a| a.info.clone())
            .unwrap_or_default();
        info.balance = U256::from(wei);
        self.db.insert_account_info(who, info);
    }

    /// The balance of `who`.
    pub fn balance(&self, who: Address) -> U256 {
        self.db
            .cache
            .accounts
            .get(&who)
            .map_or(U256::ZERO, |a| a.info.balance)
    }

    fn run(&mut self, from: Address, kind: TxKind, data: Vec<u8>, commit: bool) -> Outcome {
        self.run_value(from, kind, data, commit, 0)
    }

    fn run_value(
        &mut self,
        from: Address,
        kind: TxKind,
        data: Vec<u8>,
        commit: bool,
        value: u128,
    ) -> Outcome {
        self.publish_hashes();
        let number = self.number;
        let tx = TxEnv::builder()
            .caller(from)
            .kind(kind)
            .data(Bytes::from(data))
            .gas_limit(TX_GAS)
            .gas_price(0)
            .value(U256::from(value))
            .nonce(self.nonce(from))
            .build()
            .unwrap();
        let ctx = Context::mainnet()
            .with_db(&mut self.db)
            .modify_cfg_chained(|c| c.set_spec_and_mainnet_gas_params(SpecId::OSAKA))
            .modify_block_chained(|b| {
                b.number = U256::from(number);
                b.timestamp = U256::from(1_700_000_000 + 12 * number);
                b.gas_limit = 60_000_000;
                b.basefee = 0;
                b.prevrandao = Some(B256::ZERO);
            });
        let mut evm = ctx.build_mainnet();
        let result = if commit {
            evm.transact_commit(tx).unwrap()
        } else {
            evm.transact(tx).unwrap().result
        };
        let gas_used = result.gas().tx_gas_used();
        match result {
            ExecutionResult::Success { output, logs, .. } => Outcome {
                success: true,
                gas_used,
                output: output.into_data().to_vec(),
                logs,
            },
            ExecutionResult::Revert { output, logs, .. } => Outcome {
                success: false,
                gas_used,
                output: output.to_vec(),
                logs,
            },
            ExecutionResult::Halt { logs, .. } => Outcome {
                success: false,
                gas_used,
                output: Vec::new(),
                logs,
            },
        }
    }

    /// Deploys `code ‖ args` from `from` in the current block; returns the address and gas, or
    /// the failed transaction.
    pub fn deploy(
        &mut self,
        from: Address,
        code: &[u8],
        args: &[u8],
    ) -> Result<(Address, u64), Outcome> {
        let nonce = self.nonce(from);
        let mut data = code.to_vec();
        data.extend_from_slice(args);
        let o = self.run(from, TxKind::Create, data, true);
        if o.success {
            Ok((from.create(nonce), o.gas_used))
        } else {
            Err(o)
        }
    }

    /// Sends a transaction in the current block and keeps its effects.
    pub fn send(&mut self, from: Address, to: Address, data: &[u8]) -> Outcome {
        self.run(from, TxKind::Call(to), data.to_vec(), true)
    }

    /// Sends a transaction carrying `value` wei and keeps its effects.
    pub fn send_value(&mut self, from: Address, to: Address, data: &[u8], value: u128) -> Outcome {
        self.run_value(from, TxKind::Call(to), data.to_vec(), true, value)
    }

    /// Runs a call in the current block without keeping its effects (`eth_call`).
    pub fn call(&mut self, from: Address, to: Address, data: &[u8]) -> Outcome {
        self.run(from, TxKind::Call(to), data.to_vec(), false)
    }
}

/// `selector(signature) ‖ words`.
pub fn encode(signature: &str, words: &[[u8; 32]]) -> Vec<u8> {
    let mut out = keccak256(signature.as_bytes())[..4].to_vec();
    for w in words {
        out.extend_from_slice(w);
    }
    out
}

/// An address as an ABI word.
pub fn address_word(a: Address) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a.as_slice());
    w
}

/// A u64 as an ABI word.
pub fn u64_word(x: u64) -> [u8; 32] {
    U256::from(x).to_be_bytes()
}
