// SPDX-License-Identifier: MIT OR Apache-2.0
// Rendered by `spotproof-validator export-solidity` from the verifying key of class mlp2-s18-r32
// (SHA-256 of its compressed arkworks encoding: 363f6328d16f3dfbf0656e74848dafb8fe61271172bc6b4ce3165b80018eae35).
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
    bytes32 public constant VK_HASH = 0x363f6328d16f3dfbf0656e74848dafb8fe61271172bc6b4ce3165b80018eae35;

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
        3907294193433066709921789562546655203927264955614686006255054891435550409502;
    uint256 internal constant ALPHA_Y =
        15020684958924562177994486712980177179638767036296598057374754540737860009055;
    uint256 internal constant BETA_X1 =
        11392349801099295585329108013083008429330405573368002649622655560480285288243;
    uint256 internal constant BETA_X0 =
        17706345925951430034201997007427671474653266661108094229912845676281500788878;
    uint256 internal constant BETA_Y1 =
        10103218237546413555425917469063711349001128254552969566116355375620814802696;
    uint256 internal constant BETA_Y0 =
        1099765012276274219080925411209422229098139134407459306138976028139292939107;
    uint256 internal constant GAMMA_X1 =
        21588719201848897612175821900623053919812180349231153396719239659667892273713;
    uint256 internal constant GAMMA_X0 =
        21109828051237580034488977296921338438015981246895794683260172338624674148479;
    uint256 internal constant GAMMA_Y1 =
        2655274764030578959313198872770534793480660283425815447904976437128525711554;
    uint256 internal constant GAMMA_Y0 =
        18049957303499729462574713672070308188329159538596890228190574652125742711710;
    uint256 internal constant DELTA_X1 =
        7595848215850553035720508133530324383021387063337317215104820929423234565032;
    uint256 internal constant DELTA_X0 =
        12268510387708906532820768780446546458849800390877458184440631486462074813555;
    uint256 internal constant DELTA_Y1 =
        12319234091750835843877855020711714171938672110776319442539708471793434963846;
    uint256 internal constant DELTA_Y0 =
        11340748677645672401051705660821060018152642095329450031009660677077327761431;
    uint256 internal constant IC0_X =
        6423572268046882850973834475476254010001450114849921088250578437703918010710;
    uint256 internal constant IC0_Y =
        1325235912059589921899150269657697866139489777966317502703749591328816968870;
    uint256 internal constant IC1_X =
        3699646527376440895422517452395792276248626580662805059649003617476083018538;
    uint256 internal constant IC1_Y =
        20155700087215837575178893011641133545450293435514201783429063563438345986822;
    uint256 internal constant IC2_X =
        12427817486575205788991224151672256210998973187514198586491318658663723814388;
    uint256 internal constant IC2_Y =
        17517622531418899000661397407582818595312938913781070991949120623804687697094;

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
