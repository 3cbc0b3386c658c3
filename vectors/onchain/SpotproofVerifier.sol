// SPDX-License-Identifier: MIT OR Apache-2.0
// Rendered by `spotproof-validator export-solidity` from the verifying key of class mlp2-s18-r32
// (SHA-256 of its compressed arkworks encoding: 0e2a6efaee3252f00ceb52e359e9a008f5d36bb4d8687aa0a6b171077f8f56e4).
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
    bytes32 public constant VK_HASH = 0x0e2a6efaee3252f00ceb52e359e9a008f5d36bb4d8687aa0a6b171077f8f56e4;

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
        380011153651530682179355971875847118449896296735227418809447898013822421511;
    uint256 internal constant ALPHA_Y =
        11227943824560336545847399031163544723996901974103547697933660749824642215037;
    uint256 internal constant BETA_X1 =
        1930238394954891447699875490746093882824300173175741980239342362022269896284;
    uint256 internal constant BETA_X0 =
        11272497846018426276201337795417022620571954649416278848814719305683015384510;
    uint256 internal constant BETA_Y1 =
        4317308930902898097748969490336875869938449499667214886382343262094181497819;
    uint256 internal constant BETA_Y0 =
        8475038283151939898837208984163109337476432344823016700872141310909761099799;
    uint256 internal constant GAMMA_X1 =
        15039849990854024946851832607148540372194883111302680821537509555716355935812;
    uint256 internal constant GAMMA_X0 =
        18960867545184524469941451151923406283034178906364244301850410532417081509625;
    uint256 internal constant GAMMA_Y1 =
        675594739844629268735932964785705720337931871831549284127437168757776152297;
    uint256 internal constant GAMMA_Y0 =
        4245748483058215996410814616445592436780162708240099943971886462748083484547;
    uint256 internal constant DELTA_X1 =
        20450547741103746283803645365604336147573021927579324158504951434461637085363;
    uint256 internal constant DELTA_X0 =
        13538292554241375446172133988868400698882560063889140014287532279894898224179;
    uint256 internal constant DELTA_Y1 =
        11916406753772931577666092473684878869522474035301483249977732100782279524414;
    uint256 internal constant DELTA_Y0 =
        16096295388479757705976583414068805385406519371315058234708016967845225945578;
    uint256 internal constant IC0_X =
        17495784017837836146630439143637654962607317536059652175067512828760784928586;
    uint256 internal constant IC0_Y =
        6189687287007414339179938169990699432518606965701715525882156020435775462378;
    uint256 internal constant IC1_X =
        12586516674716758449788083000408096734297732146246936858145294981346239931630;
    uint256 internal constant IC1_Y =
        14211706720826012378769895225413103711671555352382464058290260235561092975163;
    uint256 internal constant IC2_X =
        9069676062024232736087827015833367747665631375728523024593545006274074852675;
    uint256 internal constant IC2_Y =
        4839046286788571785205420497539762443338787055169434497499624148014484482824;

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
