// SPDX-License-Identifier: MIT OR Apache-2.0
// Rendered by `spotproof-validator export-solidity` for class mlp2-s18-r32, beside the verifier it
// extends and the Poseidon2 contract its fraud proofs call. Do not edit: export it again.
pragma solidity ^0.8.20;

import {SpotproofVerifier} from "./SpotproofVerifier.sol";

/// @title spotproof run registry, class mlp2-s18-r32
/// @notice Settles training runs (papers/onchain.md §5). A poster registers a task with its
/// reward; the first worker to commit a run with the task's bond locks it; the hash of block
/// `commit + BEACON_DELAY`, sealed by anyone within the 256-block BLOCKHASH window, picks the
/// challenged steps and their beacons exactly as `spotproof-validator challenge --block-hash`;
/// the worker proves each challenged step by the deadline; then a dispute window lets anyone
/// prove, from the trace trees, what the step circuit does not check (links between steps,
/// conformance to the task). No fraud proof in the window: the worker withdraws bond and reward.
/// A slashed bond stays in this contract for ever (burned); the reward waits for the next run.
contract RunRegistry is SpotproofVerifier {
    // ---- The class's constants (rendered) ----
    /// @notice Samples per proven step: a task must ask for exactly this many.
    uint256 public constant SAMPLES = 18;
    /// @notice Layers of the class's models.
    uint256 public constant LAYERS = 2;
    /// State tensors per step (master, weight, bias per layer).
    uint256 internal constant STATE_ROLES = 6;
    /// Height of a step's trace tree (39 leaves: header, tensors, ops).
    uint256 internal constant TRACE_DEPTH = 6;
    /// Byte `r` (from the low end) is the trace leaf of state role `r`'s tensor going in.
    uint256 internal constant STATE_IN = 0x090807060504;
    /// Byte `r` is the trace leaf of state role `r`'s tensor coming out.
    uint256 internal constant STATE_OUT = 0x131211100f0e;

    // ---- The protocol's constants (papers/protocol.md §4.3, §11) ----
    uint256 internal constant DOMAIN_HEADER = 5;
    uint256 internal constant DOMAIN_TRACE_LEAF = 6;
    bytes32 internal constant TASK_DOMAIN = keccak256("spotproof.task.v1");
    uint256 internal constant FORMAT_VERSION = 2;
    /// BLOCKHASH reads the 256 most recent blocks only.
    uint256 internal constant HISTORY = 256;
    /// Step beacons are the low 93 bits of a keccak word.
    uint256 internal constant BEACON_MASK = (1 << 93) - 1;
    /// @notice The most steps a task may challenge (the proven set is a 64-bit map).
    uint256 public constant MAX_CHALLENGED = 64;
    /// Marks a pre-initialised slot, so that later writes are not fresh-slot writes.
    uint256 internal constant SET = 1;

    /// @notice The Poseidon2 contract (`Poseidon2T3.sol`) the fraud proofs hash with.
    address public immutable POSEIDON2;
    /// @notice Blocks between a commitment and its beacon block.
    uint256 public immutable BEACON_DELAY;
    /// @notice Blocks after the beacon block within which every challenged step must be proven.
    uint256 public immutable PROVE_WINDOW;
    /// @notice Blocks after the last proof within which a fraud proof may be sent.
    uint256 public immutable DISPUTE_WINDOW;

    /// Where a task stands.
    enum Phase {
        None,
        Open,
        Committed,
        Sealed,
        Proven,
        Paid,
        Cancelled
    }

    /// Why a run lost its bond.
    enum Fault {
        Unsealed,
        MissingProofs,
        BadHeader,
        BrokenLink,
        BrokenState,
        WrongInitialState
    }

    /// A task and its run, laid out so that a proof reads four slots (0 to 3) and every run
    /// call writes to slots the registration already set.
    struct Task {
        // slot 0
        address worker;
        uint48 commitBlock;
        Phase phase;
        // slot 1
        bytes32 runRoot;
        // slot 2
        bytes32 beacon;
        // slot 3
        uint64 proven;
        uint48 disputeEnd;
        uint48 steps;
        uint48 challengeSteps;
        // slot 4
        address poster;
        // slot 5
        uint128 bond;
        uint128 reward;
        // slots 6 to 9: what fraud proofs compare a header with
        uint256 archId;
        uint256 datasetRoot;
        uint256 dataSeed;
        bytes32 initialRoots;
    }

    mapping(bytes32 => Task) internal tasks;

    event TaskRegistered(
        bytes32 indexed taskId,
        address indexed poster,
        uint256 steps,
        uint256 challengeSteps,
        uint256 bond,
        uint256 reward
    );
    event TaskCancelled(bytes32 indexed taskId);
    /// @notice `runFileHash` is keccak-256 of the run file: whoever holds a file can check it is
    /// the one committed.
    event RunCommitted(
        bytes32 indexed taskId,
        address indexed worker,
        bytes32 runRoot,
        bytes32 runFileHash,
        uint256 beaconBlock
    );
    event BeaconSealed(bytes32 indexed taskId, uint256 beaconBlock, bytes32 beacon);
    event StepProven(bytes32 indexed taskId, uint256 step, uint256 stepBeacon);
    event RunProven(bytes32 indexed taskId, uint256 disputeEnd);
    event Slashed(bytes32 indexed taskId, address indexed worker, Fault fault, uint256 step, uint256 bond);
    event Paid(bytes32 indexed taskId, address indexed worker, uint256 amount);

    error BadWindows();
    error NotAField();
    error WrongSamples(uint256 samples);
    error BadStepCounts();
    error BadInitialRoots();
    error NoBond();
    error TaskExists();
    error UnknownTask();
    error NotPoster();
    error TaskLocked();
    error WrongBond(uint256 sent, uint256 bond);
    error NotCommitted();
    error AlreadySealed();
    error NotSealed();
    error BeaconNotYetAvailable(uint256 beaconBlock);
    error BeaconExpired(uint256 beaconBlock);
    error StepNotChallenged(uint256 step);
    error StepAlreadyProven(uint256 step);
    error LateProof(uint256 deadline);
    error BadRunPath();
    error BadTracePath();
    error ProofNotCanonical();
    error ProofMalformed();
    error ProofRejected();
    error NotProven();
    error DisputeWindowOpen(uint256 disputeEnd);
    error NotWorker();
    error NotSlashable();
    error NotDisputable();
    error SelfReport();
    error NoFraud();
    error PaymentFailed();

    constructor(address poseidon2, uint256 beaconDelay, uint256 proveWindow, uint256 disputeWindow) {
        if (
            poseidon2.code.length == 0 || beaconDelay == 0 || beaconDelay > type(uint32).max
                || proveWindow == 0 || proveWindow > type(uint32).max || disputeWindow == 0
                || disputeWindow > type(uint32).max
        ) revert BadWindows();
        POSEIDON2 = poseidon2;
        BEACON_DELAY = beaconDelay;
        PROVE_WINDOW = proveWindow;
        DISPUTE_WINDOW = disputeWindow;
    }

    // ---- Tasks ----

    /// @notice The task id of these fields under this class's key (`TaskFields::id` in
    /// spotproof-core): keccak-256 of the domain, the format version, the fields, keccak-256 of
    /// the initial roots and VK_HASH.
    function taskId(
        uint256 archId,
        uint256 datasetRoot,
        uint64 dataSeed,
        uint256[] calldata initialRoots,
        uint64 steps,
        uint64 samples,
        uint64 challengeSteps
    ) public pure returns (bytes32) {
        return keccak256(
            abi.encode(
                TASK_DOMAIN,
                FORMAT_VERSION,
                archId,
                datasetRoot,
                dataSeed,
                keccak256(abi.encodePacked(initialRoots)),
                steps,
                samples,
                challengeSteps,
                VK_HASH
            )
        );
    }

    /// @notice Register a task and hold `msg.value` as its reward. The id is computed here from
    /// the fields and this class's key, so the chain's values are the task's.
    function register(
        uint256 archId,
        uint256 datasetRoot,
        uint64 dataSeed,
        uint256[] calldata initialRoots,
        uint64 steps,
        uint64 samples,
        uint64 challengeSteps,
        uint128 bond
    ) external payable returns (bytes32 id) {
        if (archId >= R || datasetRoot >= R) revert NotAField();
        if (samples != SAMPLES) revert WrongSamples(samples);
        if (
            challengeSteps == 0 || challengeSteps > steps || challengeSteps > MAX_CHALLENGED
                || steps > type(uint48).max
        ) revert BadStepCounts();
        if (initialRoots.length != STATE_ROLES) revert BadInitialRoots();
        for (uint256 r; r < STATE_ROLES; ++r) {
            if (initialRoots[r] >= R) revert NotAField();
        }
        if (bond == 0) revert NoBond();
        id = taskId(archId, datasetRoot, dataSeed, initialRoots, steps, samples, challengeSteps);
        Task storage t = tasks[id];
        if (t.phase != Phase.None && t.phase != Phase.Cancelled) revert TaskExists();
        t.poster = msg.sender;
        t.steps = uint48(steps);
        t.challengeSteps = uint48(challengeSteps);
        t.bond = bond;
        t.reward = uint128(msg.value);
        // Pre-initialised, so that the run's calls write to set slots.
        t.worker = address(0);
        t.commitBlock = 0;
        t.phase = Phase.Open;
        t.runRoot = bytes32(SET);
        t.beacon = bytes32(SET);
        t.proven = 0;
        t.disputeEnd = 0;
        t.archId = archId;
        t.datasetRoot = datasetRoot;
        t.dataSeed = dataSeed;
        t.initialRoots = keccak256(abi.encodePacked(initialRoots));
        emit TaskRegistered(id, msg.sender, steps, challengeSteps, bond, msg.value);
    }

    /// @notice The poster takes its reward back while no run holds the task.
    function cancel(bytes32 id) external {
        Task storage t = tasks[id];
        if (t.phase != Phase.Open) revert TaskLocked();
        if (msg.sender != t.poster) revert NotPoster();
        uint256 reward = t.reward;
        t.reward = 0;
        t.phase = Phase.Cancelled;
        emit TaskCancelled(id);
        _pay(msg.sender, reward);
    }

    // ---- A run ----

    /// @notice Commit a run of the task, sending exactly its bond: the first commitment locks
    /// the task until it is paid, slashed or disproven.
    function commit(bytes32 id, bytes32 runRoot, bytes32 runFileHash) external payable {
        Task storage t = tasks[id];
        Phase phase = t.phase;
        if (phase != Phase.Open) {
            if (phase == Phase.None || phase == Phase.Cancelled) revert UnknownTask();
            revert TaskLocked();
        }
        uint256 bond = t.bond;
        if (msg.value != bond) revert WrongBond(msg.value, bond);
        t.worker = msg.sender;
        t.commitBlock = uint48(block.number);
        t.phase = Phase.Committed;
        t.runRoot = runRoot;
        t.proven = 0;
        emit RunCommitted(id, msg.sender, runRoot, runFileHash, block.number + BEACON_DELAY);
    }

    /// @notice Fix the run's beacon: the hash of block `commit + BEACON_DELAY`, from the block
    /// after it until 256 blocks later. Anyone may call it; the value does not depend on who or
    /// when. A run not sealed in that window is slashable and never drawn again.
    function seal(bytes32 id) external {
        Task storage t = tasks[id];
        Phase phase = t.phase;
        if (phase != Phase.Committed) {
            if (phase == Phase.Sealed || phase == Phase.Proven) revert AlreadySealed();
            revert NotCommitted();
        }
        uint256 beaconBlock = uint256(t.commitBlock) + BEACON_DELAY;
        if (block.number <= beaconBlock) revert BeaconNotYetAvailable(beaconBlock);
        if (block.number - beaconBlock > HISTORY) revert BeaconExpired(beaconBlock);
        bytes32 h = blockhash(beaconBlock);
        if (h == 0) revert BeaconExpired(beaconBlock);
        t.beacon = h;
        t.phase = Phase.Sealed;
        emit BeaconSealed(id, beaconBlock, h);
    }

    /// @notice Prove challenged step `step`: its trace root, the run tree's siblings from its
    /// leaf up, and a Groth16 proof for (trace root, worker + 2^160 · step beacon). Anyone may
    /// send it; the worker is the run's.
    function prove(
        bytes32 id,
        uint256 step,
        uint256 traceRoot,
        bytes32[] calldata runPath,
        uint256[8] calldata proof
    ) external {
        Task storage t = tasks[id];
        (uint256 proven, uint256 c) = _claim(t, step);
        bytes32 runRoot = t.runRoot;
        if (traceRoot >= R || !_inRun(runRoot, t.steps, step, traceRoot, runPath)) revert BadRunPath();
        uint256 stepBeacon = _stepBeacon(runRoot, t.beacon, step);
        // Below 2^253 < R.
        uint256 verdict = _check(proof, traceRoot, uint256(uint160(t.worker)) | (stepBeacon << 160));
        if (verdict != VALID) {
            if (verdict == NOT_CANONICAL) revert ProofNotCanonical();
            if (verdict == MALFORMED) revert ProofMalformed();
            revert ProofRejected();
        }
        emit StepProven(id, step, stepBeacon);
        t.proven = uint64(proven);
        if (proven == (1 << c) - 1) {
            uint256 end = block.number + DISPUTE_WINDOW;
            t.disputeEnd = uint48(end);
            t.phase = Phase.Proven;
            emit RunProven(id, end);
        }
    }

    /// @notice After the dispute window of a proven run, the worker takes its bond and the reward.
    function withdraw(bytes32 id) external {
        Task storage t = tasks[id];
        if (t.phase != Phase.Proven) revert NotProven();
        if (block.number <= t.disputeEnd) revert DisputeWindowOpen(t.disputeEnd);
        address worker = t.worker;
        if (msg.sender != worker) revert NotWorker();
        uint256 amount = uint256(t.bond) + t.reward;
        t.phase = Phase.Paid;
        emit Paid(id, worker, amount);
        _pay(worker, amount);
    }

    /// @notice Slash a run whose beacon was not sealed within the window, or whose challenged
    /// steps were not all proven by the deadline. Anyone may call it.
    function slash(bytes32 id) external {
        Task storage t = tasks[id];
        Phase phase = t.phase;
        uint256 beaconBlock = uint256(t.commitBlock) + BEACON_DELAY;
        Fault fault;
        if (phase == Phase.Committed && block.number > beaconBlock + HISTORY) {
            fault = Fault.Unsealed;
        } else if (phase == Phase.Sealed && block.number > beaconBlock + PROVE_WINDOW) {
            fault = Fault.MissingProofs;
        } else {
            revert NotSlashable();
        }
        _slash(id, t, fault, 0);
    }

    // ---- Fraud proofs (papers/onchain.md §6) ----

    /// @notice Step `step`'s header is not the task's: another architecture, dataset root, data
    /// seed or worker, a step index that is not its position, or (step 0) a previous root that is
    /// not zero. `header` is `[archId, step, prevRoot, datasetRoot, dataSeed, worker]`, opened at
    /// leaf 0 of the step's trace tree with `tracePath`.
    function disputeHeader(
        bytes32 id,
        uint256 step,
        uint256 traceRoot,
        bytes32[] calldata runPath,
        uint256[6] calldata header,
        uint256[] calldata tracePath
    ) external {
        Task storage t = tasks[id];
        _disputable(t);
        _openHeader(t, step, traceRoot, runPath, header, tracePath);
        bool conforms = header[0] == t.archId && header[1] == step && header[3] == t.datasetRoot
            && header[4] == t.dataSeed && header[5] == uint256(uint160(t.worker))
            && (step != 0 || header[2] == 0);
        if (conforms) revert NoFraud();
        _slash(id, t, Fault.BadHeader, step);
    }

    /// @notice Step `step`'s header does not name step `step − 1`'s trace root as its previous
    /// root. Both trace roots are proven in the run root (`runPaths` holds the previous step's
    /// siblings, then this step's).
    function disputeLink(
        bytes32 id,
        uint256 step,
        uint256[2] calldata traceRoots,
        bytes32[] calldata runPaths,
        uint256[6] calldata header,
        uint256[] calldata tracePath
    ) external {
        Task storage t = tasks[id];
        _disputable(t);
        uint256 half = _halves(runPaths.length, step);
        _checkRun(t, step - 1, traceRoots[0], runPaths[:half]);
        _openHeader(t, step, traceRoots[1], runPaths[half:], header, tracePath);
        if (header[2] == traceRoots[0]) revert NoFraud();
        _slash(id, t, Fault.BrokenLink, step);
    }

    /// @notice State role `role`'s tensor going into step `step` is not the one that came out of
    /// step `step − 1`. `leaves` are `[step − 1's state-out root, step's state-in root]`,
    /// opened in trace trees whose roots `traceRoots` are proven in the run root; `runPaths` and
    /// `tracePaths` hold the previous step's siblings, then this step's.
    function disputeState(
        bytes32 id,
        uint256 role,
        uint256 step,
        uint256[2] calldata traceRoots,
        bytes32[] calldata runPaths,
        uint256[2] calldata leaves,
        uint256[] calldata tracePaths
    ) external {
        Task storage t = tasks[id];
        _disputable(t);
        if (role >= STATE_ROLES) revert BadTracePath();
        uint256 half = _halves(runPaths.length, step);
        if (tracePaths.length != 2 * TRACE_DEPTH) revert BadTracePath();
        _checkRun(t, step - 1, traceRoots[0], runPaths[:half]);
        _checkRun(t, step, traceRoots[1], runPaths[half:]);
        _openLeaf(traceRoots[0], _byte(STATE_OUT, role), leaves[0], tracePaths[:TRACE_DEPTH]);
        _openLeaf(traceRoots[1], _byte(STATE_IN, role), leaves[1], tracePaths[TRACE_DEPTH:]);
        if (leaves[0] == leaves[1]) revert NoFraud();
        _slash(id, t, Fault.BrokenState, step);
    }

    /// @notice State role `role`'s tensor going into step 0 is not the task's initial one.
    /// `initialRoots` are the task's (checked against the registered hash).
    function disputeInitial(
        bytes32 id,
        uint256 role,
        uint256 traceRoot,
        bytes32[] calldata runPath,
        uint256 leaf,
        uint256[] calldata tracePath,
        uint256[] calldata initialRoots
    ) external {
        Task storage t = tasks[id];
        _disputable(t);
        if (role >= STATE_ROLES || keccak256(abi.encodePacked(initialRoots)) != t.initialRoots) {
            revert BadInitialRoots();
        }
        _checkRun(t, 0, traceRoot, runPath);
        _openLeaf(traceRoot, _byte(STATE_IN, role), leaf, tracePath);
        if (leaf == initialRoots[role]) revert NoFraud();
        _slash(id, t, Fault.WrongInitialState, 0);
    }

    // ---- Reading ----

    /// @notice The task's terms and where its run stands.
    function task(bytes32 id)
        external
        view
        returns (
            Phase phase,
            address poster,
            uint256 steps,
            uint256 challengeSteps,
            uint256 bond,
            uint256 reward,
            address worker,
            bytes32 runRoot
        )
    {
        Task storage t = tasks[id];
        phase = t.phase;
        bool running = phase == Phase.Committed || phase == Phase.Sealed || phase == Phase.Proven
            || phase == Phase.Paid;
        return (
            phase,
            t.poster,
            t.steps,
            t.challengeSteps,
            t.bond,
            t.reward,
            running ? t.worker : address(0),
            running ? t.runRoot : bytes32(0)
        );
    }

    /// @notice The sealed run's block numbers: commitment, beacon block, proof deadline, end of
    /// the dispute window (0 until every proof is in), the beacon (0 until sealed) and the map of
    /// proven draws.
    function schedule(bytes32 id)
        external
        view
        returns (
            uint256 commitBlock,
            uint256 beaconBlock,
            uint256 deadline,
            uint256 disputeEnd,
            bytes32 beacon,
            uint256 proven
        )
    {
        Task storage t = tasks[id];
        commitBlock = t.commitBlock;
        beaconBlock = commitBlock + BEACON_DELAY;
        deadline = beaconBlock + PROVE_WINDOW;
        Phase phase = t.phase;
        bool drawn = phase == Phase.Sealed || phase == Phase.Proven || phase == Phase.Paid;
        disputeEnd = phase == Phase.Proven || phase == Phase.Paid ? t.disputeEnd : 0;
        beacon = drawn ? t.beacon : bytes32(0);
        proven = drawn ? t.proven : 0;
    }

    /// @notice The challenged steps of a sealed run, in draw order, with their beacons.
    function challenged(bytes32 id) external view returns (uint256[] memory steps, uint256[] memory beacons) {
        Task storage t = tasks[id];
        Phase phase = t.phase;
        if (phase != Phase.Sealed && phase != Phase.Proven && phase != Phase.Paid) revert NotSealed();
        (, steps) = _draws(t.runRoot, t.beacon, t.steps, t.challengeSteps, type(uint256).max);
        beacons = new uint256[](steps.length);
        for (uint256 k; k < steps.length; ++k) {
            beacons[k] = _stepBeacon(t.runRoot, t.beacon, steps[k]);
        }
    }

    // ---- Internals ----

    /// @dev Floyd's draws (`challenged_steps` in spotproof-core), in order, until one picks
    /// `step` (all `c` if none does): with `j = n − c + k` and
    /// `x = keccak(1, runRoot, beacon, k) mod (j + 1)`, draw `k` picks `x` unless an earlier draw
    /// took it, then `j`. Returns the index of the draw that picked `step` (`c` if none did) and
    /// the picks up to it.
    function _draws(bytes32 runRoot, bytes32 beacon, uint256 n, uint256 c, uint256 step)
        internal
        pure
        returns (uint256 k, uint256[] memory picks)
    {
        picks = new uint256[](c);
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, 1)
            mstore(add(m, 0x20), runRoot)
            mstore(add(m, 0x40), beacon)
            let base := add(picks, 0x20)
            // Bit (x mod 256) is set for every pick x so far: most draws skip the scan.
            let seen := 0
            for {} lt(k, c) { k := add(k, 1) } {
                mstore(add(m, 0x60), k)
                let j := add(sub(n, c), k)
                let x := mod(keccak256(m, 0x80), add(j, 1))
                if and(seen, shl(and(x, 0xff), 1)) {
                    for { let i := 0 } lt(i, k) { i := add(i, 1) } {
                        if eq(mload(add(base, shl(5, i))), x) {
                            x := j
                            break
                        }
                    }
                }
                seen := or(seen, shl(and(x, 0xff), 1))
                mstore(add(base, shl(5, k)), x)
                if eq(x, step) { break }
            }
        }
    }

    /// @dev Whether `traceRoot` is leaf `step` of the run tree of `n` steps with root `root`
    /// (`run_path_ok` in spotproof-core): leaves `keccak(0, traceRoot)`, nodes
    /// `keccak(1, left, right)`, root `keccak(2, n, top)`.
    function _inRun(bytes32 root, uint256 n, uint256 step, uint256 traceRoot, bytes32[] calldata path)
        internal
        pure
        returns (bool ok)
    {
        uint256 depth;
        unchecked {
            while ((1 << depth) < n) ++depth;
        }
        if (step >= n || path.length != depth) return false;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, 0)
            mstore(add(m, 0x20), traceRoot)
            let h := keccak256(m, 0x40)
            mstore(m, 1)
            for { let k := 0 } lt(k, depth) { k := add(k, 1) } {
                let sibling := calldataload(add(path.offset, shl(5, k)))
                switch and(shr(k, step), 1)
                case 0 {
                    mstore(add(m, 0x20), h)
                    mstore(add(m, 0x40), sibling)
                }
                default {
                    mstore(add(m, 0x20), sibling)
                    mstore(add(m, 0x40), h)
                }
                h := keccak256(m, 0x60)
            }
            mstore(m, 2)
            mstore(add(m, 0x20), n)
            mstore(add(m, 0x40), h)
            ok := eq(keccak256(m, 0x60), root)
        }
    }

    /// @dev For a proof of `step`: the run is sealed, `step` was drawn and is not yet proven, and
    /// the deadline has not passed. Returns the proven map with the draw's bit set, and the
    /// number of draws.
    function _claim(Task storage t, uint256 step) internal view returns (uint256 proven, uint256 c) {
        Phase phase = t.phase;
        if (phase != Phase.Sealed && phase != Phase.Proven) revert NotSealed();
        c = t.challengeSteps;
        (uint256 k,) = _draws(t.runRoot, t.beacon, t.steps, c, step);
        if (k == c) revert StepNotChallenged(step);
        proven = t.proven;
        if ((proven >> k) & 1 != 0) revert StepAlreadyProven(step);
        proven |= 1 << k;
        uint256 deadline = uint256(t.commitBlock) + BEACON_DELAY + PROVE_WINDOW;
        if (block.number > deadline) revert LateProof(deadline);
    }

    /// @dev The beacon of challenged step `step`: `keccak(2, runRoot, beacon, step) mod 2^93`
    /// (`step_beacon` in spotproof-core).
    function _stepBeacon(bytes32 runRoot, bytes32 beacon, uint256 step) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(uint256(2), runRoot, beacon, step))) & BEACON_MASK;
    }

    /// @dev Where the two run paths of a two-step dispute split; checks `step ≥ 1`.
    function _halves(uint256 length, uint256 step) internal pure returns (uint256) {
        if (step == 0 || length % 2 != 0) revert BadRunPath();
        return length / 2;
    }

    /// @dev A run whose fraud may still be proven: committed, sealed, or proven and within its
    /// dispute window. Its worker may not report itself.
    function _disputable(Task storage t) internal view {
        Phase phase = t.phase;
        bool open = phase == Phase.Committed || phase == Phase.Sealed
            || (phase == Phase.Proven && block.number <= t.disputeEnd);
        if (!open) revert NotDisputable();
        if (msg.sender == t.worker) revert SelfReport();
    }

    /// @dev Opens `header` at leaf 0 of step `step`'s trace tree.
    function _openHeader(
        Task storage t,
        uint256 step,
        uint256 traceRoot,
        bytes32[] calldata runPath,
        uint256[6] calldata header,
        uint256[] calldata tracePath
    ) internal view {
        uint256[] memory input = new uint256[](7);
        input[0] = DOMAIN_HEADER;
        for (uint256 i; i < 6; ++i) {
            if (header[i] >= R) revert NotAField();
            input[i + 1] = header[i];
        }
        _checkRun(t, step, traceRoot, runPath);
        _openLeaf(traceRoot, 0, _hash(input), tracePath);
    }

    /// @dev Checks that `traceRoot` is step `step` of the run.
    function _checkRun(Task storage t, uint256 step, uint256 traceRoot, bytes32[] calldata runPath)
        internal
        view
    {
        if (traceRoot >= R || !_inRun(t.runRoot, t.steps, step, traceRoot, runPath)) revert BadRunPath();
    }

    /// @dev Checks that `leaf` is leaf `index` of the trace tree with root `traceRoot`.
    function _openLeaf(uint256 traceRoot, uint256 index, uint256 leaf, uint256[] calldata tracePath)
        internal
        view
    {
        if (leaf >= R || tracePath.length != TRACE_DEPTH) revert BadTracePath();
        uint256 h = _hash2(DOMAIN_TRACE_LEAF, leaf);
        for (uint256 k; k < TRACE_DEPTH; ++k) {
            uint256 s = tracePath[k];
            if (s >= R) revert BadTracePath();
            h = (index >> k) & 1 == 0 ? _hash2(h, s) : _hash2(s, h);
        }
        if (h != traceRoot) revert BadTracePath();
    }

    /// @dev Byte `i` of `packed`, from the low end.
    function _byte(uint256 packed, uint256 i) internal pure returns (uint256) {
        return (packed >> (8 * i)) & 0xff;
    }

    /// @dev hash(a, b): one Poseidon2 permutation, through POSEIDON2.
    function _hash2(uint256 a, uint256 b) internal view returns (uint256 h) {
        address p2 = POSEIDON2;
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, a)
            mstore(add(m, 0x20), b)
            ok := staticcall(gas(), p2, m, 0x40, m, 0x20)
            h := mload(m)
        }
        if (!ok) revert NotAField();
    }

    /// @dev hash(xs) through POSEIDON2.
    function _hash(uint256[] memory xs) internal view returns (uint256 h) {
        address p2 = POSEIDON2;
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            ok := staticcall(gas(), p2, add(xs, 0x20), mul(mload(xs), 0x20), m, 0x20)
            h := mload(m)
        }
        if (!ok) revert NotAField();
    }

    /// @dev Ends a run with `fault`: the bond stays here (burned), the reward waits for the next
    /// run, the task reopens.
    function _slash(bytes32 id, Task storage t, Fault fault, uint256 step) internal {
        address worker = t.worker;
        t.worker = address(0);
        t.commitBlock = 0;
        t.phase = Phase.Open;
        emit Slashed(id, worker, fault, step, t.bond);
    }

    function _pay(address to, uint256 amount) internal {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert PaymentFailed();
    }
}
