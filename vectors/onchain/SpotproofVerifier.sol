// SPDX-License-Identifier: MIT OR Apache-2.0
// Rendered by `spotproof-validator export-solidity` from the verifying key of class mlp2-s18-r32
// (SHA-256 of its compressed arkworks encoding: ab6cce174b0e64cf831e77dfd1be66674469d606f2e96629e8774d7c4e07560e).
// Do not edit: render it again from the key.
pragma solidity ^0.8.20;

/// @title Groth16 (BN254) verifier of spotproof's step circuit, class mlp2-s18-r32
/// @notice Accepts a proof iff e(A, B) = e(alpha, beta) * e(L, gamma) * e(C, delta), where
/// L = IC0 + root * IC1 + challenge * IC2, using the EIP-196 and EIP-197 precompiles. The
/// challenge packs the worker's address and the beacon: worker + 2^160 * beacon, beacon < 2^93.
/// A proof is eight words in the precompiles' order: A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0,
/// C.x, C.y (an Fq2 coordinate c0 + c1*u is written imaginary part first).
contract SpotproofVerifier {
    /// @notice The circuit class this key belongs to.
    string public constant CLASS = "mlp2-s18-r32";
    /// @notice SHA-256 of the verifying key's compressed arkworks encoding (`spotproof-validator`).
    bytes32 public constant VK_HASH = 0xab6cce174b0e64cf831e77dfd1be66674469d606f2e96629e8774d7c4e07560e;

    /// BN254's base field modulus: every coordinate of a proof is below it.
    uint256 internal constant Q =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// BN254's scalar field modulus: every public input is below it.
    uint256 internal constant R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// Outcomes of `_check`.
    uint256 internal constant VALID = 0;
    uint256 internal constant NOT_CANONICAL = 1;
    uint256 internal constant MALFORMED = 2;
    uint256 internal constant WRONG = 3;

    // The verifying key.
    uint256 internal constant ALPHA_X =
        830964169946096636331802834391825186293774491871206880055618165103194277453;
    uint256 internal constant ALPHA_Y =
        14750212706553342466201067617640476286452547461285318066090178088799184837617;
    uint256 internal constant BETA_X1 =
        13375483062895770734383370688278634976225192074444140769298457883443432683684;
    uint256 internal constant BETA_X0 =
        15008436348171894198382098873595314058914582314237624830748910721384577526652;
    uint256 internal constant BETA_Y1 =
        7058528422799668592786896626495420406586638527241538324107779144891463359741;
    uint256 internal constant BETA_Y0 =
        9728851266713935960912586920062230258414908038600973120599410548126271226522;
    uint256 internal constant GAMMA_X1 =
        6692046043919752341373838304180858356005997513345651215441491485240497365973;
    uint256 internal constant GAMMA_X0 =
        10322113740296188314793969074516682538455238443019537607863672977416107936065;
    uint256 internal constant GAMMA_Y1 =
        18678603539766925661974873779983005791681524189015142803620720039896334156689;
    uint256 internal constant GAMMA_Y0 =
        21129714334640491963314483651595261571515092432623629953583449258925060731667;
    uint256 internal constant DELTA_X1 =
        18571002433180793249629196785536989219316759298811613297048699023957237231794;
    uint256 internal constant DELTA_X0 =
        13785436684202331908621627454767669103948932266418410076404537025298844666598;
    uint256 internal constant DELTA_Y1 =
        3691842863886589351832243481559642257821999889053529990101638817651673218448;
    uint256 internal constant DELTA_Y0 =
        17833443247978080499675805016783216579767597885347190536630664176627222576878;
    uint256 internal constant IC0_X =
        13188451597987223923878315656829400786750203967235316826080760574611325564171;
    uint256 internal constant IC0_Y =
        1369905213319784779897251946221005921211530182446039933843148815226771070439;
    uint256 internal constant IC1_X =
        2662878770469422287503089798035464516418406854125426996725853586487869659890;
    uint256 internal constant IC1_Y =
        10494037079073398181557648910813200384702328087375875019307254422710426604736;
    uint256 internal constant IC2_X =
        13648109614179085058216755315313994356920726040864441623852896249708304258441;
    uint256 internal constant IC2_Y =
        8398022262927347186702424891166666514484068310277279635515839061869415399234;

    /// @notice Whether `proof` proves the step circuit for the public inputs
    /// `[trace root, worker + 2^160 * beacon]`. False for anything malformed: a coordinate not
    /// below Q, an input not below R, a point off its curve or outside its subgroup.
    function verifyProof(uint256[8] calldata proof, uint256[2] calldata input)
        external
        view
        returns (bool)
    {
        if (input[0] >= R || input[1] >= R) return false;
        return _check(proof, input[0], input[1]) == VALID;
    }

    /// @dev One of VALID, NOT_CANONICAL, MALFORMED (a precompile refused a point) or WRONG (the
    /// pairing equation does not hold). The caller makes sure both inputs are below R.
    function _check(uint256[8] calldata proof, uint256 root, uint256 challenge)
        internal
        view
        returns (uint256)
    {
        bool ok;
        bool holds;
        assembly ("memory-safe") {
            // Every coordinate below Q.
            ok := 1
            for { let i := 0 } lt(i, 0x100) { i := add(i, 0x20) } {
                ok := and(ok, lt(calldataload(add(proof, i)), Q))
            }
        }
        if (!ok) return NOT_CANONICAL;
        assembly ("memory-safe") {
            // The pairing input, 24 words past the free memory pointer:
            // -A, B, alpha, beta, L, gamma, C, delta.
            let p := mload(0x40)
            // L accumulates at p + 0x180; scalar multiplications go through p + 0x1c0.
            mstore(add(p, 0x180), IC0_X)
            mstore(add(p, 0x1a0), IC0_Y)
            mstore(add(p, 0x1c0), IC1_X)
            mstore(add(p, 0x1e0), IC1_Y)
            mstore(add(p, 0x200), root)
            ok := staticcall(gas(), 0x07, add(p, 0x1c0), 0x60, add(p, 0x1c0), 0x40)
            ok := and(ok, staticcall(gas(), 0x06, add(p, 0x180), 0x80, add(p, 0x180), 0x40))
            mstore(add(p, 0x1c0), IC2_X)
            mstore(add(p, 0x1e0), IC2_Y)
            mstore(add(p, 0x200), challenge)
            ok := and(ok, staticcall(gas(), 0x07, add(p, 0x1c0), 0x60, add(p, 0x1c0), 0x40))
            ok := and(ok, staticcall(gas(), 0x06, add(p, 0x180), 0x80, add(p, 0x180), 0x40))
            // -A = (A.x, Q - A.y), and the point at infinity stays (0, 0).
            mstore(p, calldataload(proof))
            mstore(add(p, 0x20), mod(sub(Q, calldataload(add(proof, 0x20))), Q))
            calldatacopy(add(p, 0x40), add(proof, 0x40), 0x80)
            mstore(add(p, 0xc0), ALPHA_X)
            mstore(add(p, 0xe0), ALPHA_Y)
            mstore(add(p, 0x100), BETA_X1)
            mstore(add(p, 0x120), BETA_X0)
            mstore(add(p, 0x140), BETA_Y1)
            mstore(add(p, 0x160), BETA_Y0)
            mstore(add(p, 0x1c0), GAMMA_X1)
            mstore(add(p, 0x1e0), GAMMA_X0)
            mstore(add(p, 0x200), GAMMA_Y1)
            mstore(add(p, 0x220), GAMMA_Y0)
            calldatacopy(add(p, 0x240), add(proof, 0xc0), 0x40)
            mstore(add(p, 0x280), DELTA_X1)
            mstore(add(p, 0x2a0), DELTA_X0)
            mstore(add(p, 0x2c0), DELTA_Y1)
            mstore(add(p, 0x2e0), DELTA_Y0)
            ok := and(ok, staticcall(gas(), 0x08, p, 0x300, p, 0x20))
            holds := eq(mload(p), 1)
        }
        if (!ok) return MALFORMED;
        return holds ? VALID : WRONG;
    }
}
