// SPDX-License-Identifier: MIT OR Apache-2.0
// Rendered by `spotproof-validator export-solidity` from the verifying key of class mlp2-s18-r32
// (SHA-256 of its compressed arkworks encoding: 158390f91b9744f0d75358b87ba86b1024f24a451a9cc0e871ff9fea934c3808).
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
    bytes32 public constant VK_HASH = 0x158390f91b9744f0d75358b87ba86b1024f24a451a9cc0e871ff9fea934c3808;

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
        20863031745545168607067519411537323126686435481093765967188684665703063277274;
    uint256 internal constant ALPHA_Y =
        21483366998376450927080186702945748451242215381816722473594768703448674936315;
    uint256 internal constant BETA_X1 =
        11247869895055553366411825954870730011198336265844071409623325581368108257982;
    uint256 internal constant BETA_X0 =
        7004139288001252079542951463239011653311713736884616876957683823155725595444;
    uint256 internal constant BETA_Y1 =
        14847558445628067968935826153186827242656334157707639115191949833192595469104;
    uint256 internal constant BETA_Y0 =
        9081667854779393410016101660602861344025938300353017654163520827988981322141;
    uint256 internal constant GAMMA_X1 =
        1095583587511480544013935194319092751926213970093223279505181056234354245169;
    uint256 internal constant GAMMA_X0 =
        13079823018686461453952794044037716010232323422989066752253803515885981920113;
    uint256 internal constant GAMMA_Y1 =
        19602868549454520872971787270000676656041385016170426379893968090880435816426;
    uint256 internal constant GAMMA_Y0 =
        20820798072584657953779224594941576702247503858519009021958563598424618333113;
    uint256 internal constant DELTA_X1 =
        11058699521991113320332554847012982228071168179546121619901695511602169180724;
    uint256 internal constant DELTA_X0 =
        9459933506367457311405726780968447458011428046372966372986278845512757089189;
    uint256 internal constant DELTA_Y1 =
        15588092360339053968024511249422794495069617332632444977981908476791240326000;
    uint256 internal constant DELTA_Y0 =
        14245887131797776570967401596559872137940062477393610471985869982133826795034;
    uint256 internal constant IC0_X =
        14654853039153847748996374433694711343444639680540937439835299946997465079969;
    uint256 internal constant IC0_Y =
        1984934825307287094098150517675044939856742518993974734932056582733186616918;
    uint256 internal constant IC1_X =
        1189224812107298628450913012536801996744410983619702206858987948522879047718;
    uint256 internal constant IC1_Y =
        10782363134957357936887016773447064682092751603473962733616239762878236108533;
    uint256 internal constant IC2_X =
        12514320715569523698344449354327862228129378530251152861812408366933889834339;
    uint256 internal constant IC2_Y =
        3933274425271326353948513137635478869371546310116296426358977398662540872157;

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
