// SPDX-License-Identifier: MIT OR Apache-2.0
// Rendered by `spotproof-validator export-solidity` from the verifying key of class mlp2-s18-r32
// (SHA-256 of its compressed arkworks encoding: f34181e666d69327549c501f3c479737d25f3c30b1fdbaab4d06e6ee4c7811c5).
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
    bytes32 public constant VK_HASH = 0xf34181e666d69327549c501f3c479737d25f3c30b1fdbaab4d06e6ee4c7811c5;

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
        6679558301149272565317676357247695028109396020376316775797012642805591869597;
    uint256 internal constant ALPHA_Y =
        12611930362085443302109134158905397261495114632842468014481406626163674695044;
    uint256 internal constant BETA_X1 =
        17277559000478263784701545545715290866908920984777334337055049168010915098980;
    uint256 internal constant BETA_X0 =
        20020153402875176011651820587853651500857865254223596314512136461705182443857;
    uint256 internal constant BETA_Y1 =
        2014087088002948331153250998262624590520574226469311164032725818677156628303;
    uint256 internal constant BETA_Y0 =
        5759073169700545116990127930507270142745838667962445841759305756969831271799;
    uint256 internal constant GAMMA_X1 =
        20786941465276660689240822877199365388729131129526485608605263579546364789989;
    uint256 internal constant GAMMA_X0 =
        18565487287420188277989314465682598277426087023469941953429693445698917904409;
    uint256 internal constant GAMMA_Y1 =
        9698636375306715676915914815312762110174808294571766266088529907826873654204;
    uint256 internal constant GAMMA_Y0 =
        7483656123648691271600692870927220301089967304438998570133863312856556330936;
    uint256 internal constant DELTA_X1 =
        7590135509796469139598592622109602092899796190482201070423368905660376116763;
    uint256 internal constant DELTA_X0 =
        6446092521595409894343402487032302603848067675793453506142871081651721299480;
    uint256 internal constant DELTA_Y1 =
        4142339226578124251854725421919811657786220361995891784703998890599688352040;
    uint256 internal constant DELTA_Y0 =
        12518447730472039927200981318247051193124681951079956898937156324685813036439;
    uint256 internal constant IC0_X =
        5400484445867611662912138082826849114079004443587463479825935545916671258703;
    uint256 internal constant IC0_Y =
        436127216234753262340200475195383338812907712623114560248899679644513887444;
    uint256 internal constant IC1_X =
        18818591951020361360014708785969733567337647740570621619406072192435101212658;
    uint256 internal constant IC1_Y =
        11610885469893025274351523966600484837295802837287419114327802479937822646670;
    uint256 internal constant IC2_X =
        5309999571919344127726531891146272755521121590495117793464215939413761970516;
    uint256 internal constant IC2_Y =
        9413527853296846046722386233566011276761662561019471489485538683136515048876;

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
