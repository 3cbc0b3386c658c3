// SPDX-License-Identifier: MIT OR Apache-2.0
// Written by `spotproof-validator export-solidity` beside the verifier it extends; the same for
// every class. Do not edit: export it again.
pragma solidity ^0.8.20;

import {SpotproofVerifier} from "./SpotproofVerifier.sol";

/// @title spotproof step registry
/// @notice A worker commits a trace root; the low 93 bits of the hash of the block BEACON_DELAY
/// blocks later become the beacon that picks the sampled operations; the worker proves the step
/// under that beacon with its own address as the circuit's worker id (public input
/// `address + 2^160 * beacon`); the registry records the verified step and emits `StepVerified`.
/// @dev One commitment per (worker, root), ever: a commitment whose beacon has passed out of the
/// BLOCKHASH window (256 blocks) unproven stays expired, so a worker cannot draw a second beacon
/// for the same root. Steps are not linked into chains here: the circuit's public inputs do not
/// carry the previous root, so validators check continuity off chain from the bundles
/// (papers/onchain.md).
contract StepRegistry is SpotproofVerifier {
    /// @notice Blocks between a commitment's block and its beacon block (at least 1).
    uint256 public immutable BEACON_DELAY;

    /// BLOCKHASH reads the 256 most recent blocks only.
    uint256 internal constant HISTORY = 256;
    /// Set in a commitment's record once its proof verified.
    uint256 internal constant VERIFIED = 1 << 255;
    /// Beacons are the low 93 bits of a block hash.
    uint256 internal constant BEACON_MASK = (1 << 93) - 1;
    /// Selector, trace root and eight proof words.
    uint256 internal constant PROVE_CALLDATA_BYTES = 4 + 32 * 9;

    /// commitments[worker][root]: 0 if none, else the beacon block number, with VERIFIED set once
    /// proven.
    mapping(address => mapping(uint256 => uint256)) internal commitments;

    /// Where a commitment stands.
    enum Status {
        None,
        AwaitingBeacon,
        Provable,
        Verified,
        Expired
    }

    /// @notice `worker` committed to `root`; its beacon is the hash of block `beaconBlock`.
    event Committed(address indexed worker, uint256 indexed root, uint256 beaconBlock);
    /// @notice `worker` proved the step with trace root `root` under `beacon`.
    event StepVerified(address indexed worker, uint256 indexed root, uint256 beacon);

    error BadBeaconDelay();
    error RootNotInField();
    error AlreadyCommitted(uint256 beaconBlock);
    error NotCommitted();
    error AlreadyVerified();
    error BeaconNotYetAvailable(uint256 beaconBlock);
    error BeaconExpired(uint256 beaconBlock);
    error BadCalldataLength(uint256 length);
    error ProofNotCanonical();
    error ProofMalformed();
    error ProofRejected();

    constructor(uint256 beaconDelay) {
        if (beaconDelay == 0 || beaconDelay > type(uint64).max) revert BadBeaconDelay();
        BEACON_DELAY = beaconDelay;
    }

    /// @notice Commit to the trace root of a step you computed; prove it after the beacon block
    /// and within 256 blocks of it.
    function commit(uint256 root) external {
        if (root >= R) revert RootNotInField();
        uint256 record = commitments[msg.sender][root];
        if (record != 0) revert AlreadyCommitted(record & ~VERIFIED);
        uint256 beaconBlock = block.number + BEACON_DELAY;
        commitments[msg.sender][root] = beaconBlock;
        emit Committed(msg.sender, root, beaconBlock);
    }

    /// @notice Prove your committed step: `proof` must verify for (root, the commitment's beacon,
    /// your address). `spotproof-validator calldata BUNDLE` encodes this call.
    function prove(uint256 root, uint256[8] calldata proof) external {
        if (msg.data.length != PROVE_CALLDATA_BYTES) revert BadCalldataLength(msg.data.length);
        uint256 record = commitments[msg.sender][root];
        if (record == 0) revert NotCommitted();
        if (record & VERIFIED != 0) revert AlreadyVerified();
        uint256 value = _beacon(record);
        // Below 2^253 < R; root < R since commit checked it.
        uint256 challenge = uint256(uint160(msg.sender)) | (value << 160);
        uint256 verdict = _check(proof, root, challenge);
        if (verdict != VALID) {
            if (verdict == NOT_CANONICAL) revert ProofNotCanonical();
            if (verdict == MALFORMED) revert ProofMalformed();
            revert ProofRejected();
        }
        commitments[msg.sender][root] = record | VERIFIED;
        emit StepVerified(msg.sender, root, value);
    }

    /// @notice The beacon `worker` must prove `root` under: the low 93 bits of its beacon block's
    /// hash. Reverts while that block is not yet mined or once it left the BLOCKHASH window.
    function beacon(address worker, uint256 root) external view returns (uint256) {
        uint256 record = commitments[worker][root];
        if (record == 0) revert NotCommitted();
        return _beacon(record & ~VERIFIED);
    }

    /// @notice Where `worker`'s commitment to `root` stands, and its beacon block.
    function status(address worker, uint256 root)
        external
        view
        returns (Status, uint256 beaconBlock)
    {
        uint256 record = commitments[worker][root];
        beaconBlock = record & ~VERIFIED;
        if (record == 0) return (Status.None, 0);
        if (record & VERIFIED != 0) return (Status.Verified, beaconBlock);
        if (block.number <= beaconBlock) return (Status.AwaitingBeacon, beaconBlock);
        if (block.number - beaconBlock > HISTORY) return (Status.Expired, beaconBlock);
        return (Status.Provable, beaconBlock);
    }

    /// @dev The beacon of a (not yet verified) record: the beacon block's hash, low 93 bits.
    function _beacon(uint256 beaconBlock) internal view returns (uint256) {
        if (block.number <= beaconBlock) revert BeaconNotYetAvailable(beaconBlock);
        if (block.number - beaconBlock > HISTORY) revert BeaconExpired(beaconBlock);
        bytes32 h = blockhash(beaconBlock);
        if (h == 0) revert BeaconExpired(beaconBlock);
        return uint256(h) & BEACON_MASK;
    }
}
