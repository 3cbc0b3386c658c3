// SPDX-License-Identifier: MIT OR Apache-2.0
// Rendered by `spotproof-validator export-solidity` from the verifying key of class mlp2-s18-r32
// (SHA-256 of its compressed arkworks encoding: dbdefef45de4940d712c7235f0c9c1e57e7b795886717d7819f854d40f724428).
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
    bytes32 public constant VK_HASH = 0xdbdefef45de4940d712c7235f0c9c1e57e7b795886717d7819f854d40f724428;

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
        15628930252953914210627677211181581286459608257266450470486422321105062934458;
    uint256 internal constant ALPHA_Y =
        2297962297236066174519568226372858348173723980188187226022907363773184086792;
    uint256 internal constant BETA_X1 =
        10012842406078373646127110128074821204664596095433224945687871356577300021404;
    uint256 internal constant BETA_X0 =
        14310963190289757634651797837111570517354062270039695370102647328130845942206;
    uint256 internal constant BETA_Y1 =
        14121459528561362911738929167915918425144384354055469358706320196639561703612;
    uint256 internal constant BETA_Y0 =
        13775882032806259995786622659395521939055216688402496852286186632339719177989;
    uint256 internal constant GAMMA_X1 =
        1422613979849569775681502524445444738043045107003638823942620400518628952390;
    uint256 internal constant GAMMA_X0 =
        21701612504655530959869775769741894584795298560232715857205557599747070751535;
    uint256 internal constant GAMMA_Y1 =
        4789936990875428760543715426882614979724473758026587172816152911101558972474;
    uint256 internal constant GAMMA_Y0 =
        21433748867246184908844239826805856583462167734854867710649381436273524984845;
    uint256 internal constant DELTA_X1 =
        15703676048129541013691882162926359675511324171348027925938868419252896989306;
    uint256 internal constant DELTA_X0 =
        747033178880420226166114276484864250529590798111610060510002381105033131198;
    uint256 internal constant DELTA_Y1 =
        20926651375190668882817347542553395407253553018567008797260315592872227889687;
    uint256 internal constant DELTA_Y0 =
        11178443063112788722180279215025633894028741524197612214929372557734315040225;
    uint256 internal constant IC0_X =
        4882296594637418527587695486495434379245396047898587624429959622270190874907;
    uint256 internal constant IC0_Y =
        13863263522313431158895454100090916036402276136148272754807138354920530532750;
    uint256 internal constant IC1_X =
        316819171292237444691513120901600169079772243563219719391885789880393657934;
    uint256 internal constant IC1_Y =
        16650739661575782819246398960115882380649067950380610226414878265845353621472;
    uint256 internal constant IC2_X =
        17112711543510588013224015686846414279247880483680872969598702430479061346298;
    uint256 internal constant IC2_Y =
        1605600767984844374538609648653963528798657169375154951863771734041837530599;

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
