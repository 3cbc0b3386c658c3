// SPDX-License-Identifier: MIT OR Apache-2.0
// Rendered by `spotproof-validator export-solidity` from the verifying key of class mlp2-s18-r32
// (SHA-256 of its compressed arkworks encoding: 8476f41838f13638484db3500124d1d151dce03ed6a618f9edfbe318893494f6).
// Do not edit: render it again from the key.
pragma solidity ^0.8.20;

/// @title Groth16 (BN254) verifier of spotproof's step circuit, class mlp2-s18-r32
/// @notice Accepts a proof iff e(A, B) = e(alpha, beta) * e(L, gamma) * e(C, delta), where
/// L = IC0 + root * IC1 + beacon * IC2 + worker * IC3, using the EIP-196 and EIP-197 precompiles.
/// A proof is eight words in the precompiles' order: A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0,
/// C.x, C.y (an Fq2 coordinate c0 + c1*u is written imaginary part first).
contract SpotproofVerifier {
    /// @notice The circuit class this key belongs to.
    string public constant CLASS = "mlp2-s18-r32";
    /// @notice SHA-256 of the verifying key's compressed arkworks encoding (`spotproof-validator`).
    bytes32 public constant VK_HASH = 0x8476f41838f13638484db3500124d1d151dce03ed6a618f9edfbe318893494f6;

    /// BN254's base field modulus: every coordinate of a proof is below it.
    uint256 internal constant Q =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// BN254's scalar field modulus: every public input is below it.
    uint256 internal constant R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// Outcomes of `_check`.
    uint256 internal constant VALID = 0;
    uint256 internal constant NOT_CANONICAL = 1;
    uint256 internal constant INPUT_NOT_IN_FIELD = 2;
    uint256 internal constant MALFORMED = 3;
    uint256 internal constant WRONG = 4;

    // The verifying key.
    uint256 internal constant ALPHA_X =
        14908142002224331591647132785905174442550025534684703114940368351767062646672;
    uint256 internal constant ALPHA_Y =
        20604112234878609990723364823819615514602083967103549132968851867920884468689;
    uint256 internal constant BETA_X1 =
        13456816162883234437794138909633852455122264673500402103054528833872972081069;
    uint256 internal constant BETA_X0 =
        3480280032531845476717033882523347965057935136872969133801069398173365873542;
    uint256 internal constant BETA_Y1 =
        1643848389137377698836946494013835865108883193196523866194733887910912751183;
    uint256 internal constant BETA_Y0 =
        3331724811985495087840760451713895530563261983010029380369754085607158291095;
    uint256 internal constant GAMMA_X1 =
        14201244920458869483134412850946321607322629314233824784497849062499413154950;
    uint256 internal constant GAMMA_X0 =
        19420239998748000190215829122956945814405563300954402896077924194393985528979;
    uint256 internal constant GAMMA_Y1 =
        8959065472725924379403912707901306180823459987060291487954061588757611977503;
    uint256 internal constant GAMMA_Y0 =
        8376107355740411821321999590424217537503775574260818659462981328970408911524;
    uint256 internal constant DELTA_X1 =
        1549400264402803060286653911117582729885432531006418566717229350990501130389;
    uint256 internal constant DELTA_X0 =
        19070400246481256092136250309108854086421277179420766097899448352960232586938;
    uint256 internal constant DELTA_Y1 =
        21833321078410796463688677831833525196836904874834698305866149874135447183220;
    uint256 internal constant DELTA_Y0 =
        6187737975463837801976675743482753092029177945539295783874136017292711829580;
    uint256 internal constant IC0_X =
        11855566533863142583771287356365284972845872856151016590553982232371316979108;
    uint256 internal constant IC0_Y =
        14902069536707094664269452373891231505571255680603121988856434396430224686488;
    uint256 internal constant IC1_X =
        16300426372986621825299960010974656069753761902344723439272759786023011485717;
    uint256 internal constant IC1_Y =
        12476073433248625597238684369646613250206914050214150866860962408816641733131;
    uint256 internal constant IC2_X =
        19595141613863671228465514347987876529567067720564909946376429429233697282352;
    uint256 internal constant IC2_Y =
        16130513260731295006521752802959576675873993815936011264482415443099790904494;
    uint256 internal constant IC3_X =
        20932756337948810596950020190650055950470058458737659765770929925905138976020;
    uint256 internal constant IC3_Y =
        21133007554634447352878038157487911988232517264387328021417963713556836575118;

    /// @notice Whether `proof` proves the step circuit for the public inputs
    /// `[trace root, beacon, worker]`. False for anything malformed: a coordinate not below Q, an
    /// input not below R, a point off its curve or outside its subgroup.
    function verifyProof(uint256[8] calldata proof, uint256[3] calldata input)
        external
        view
        returns (bool)
    {
        return _check(proof, input[0], input[1], input[2]) == VALID;
    }

    /// @dev One of VALID, NOT_CANONICAL, INPUT_NOT_IN_FIELD, MALFORMED (a precompile refused a
    /// point) or WRONG (the pairing equation does not hold).
    function _check(uint256[8] calldata proof, uint256 root, uint256 beacon, uint256 worker)
        internal
        view
        returns (uint256)
    {
        for (uint256 i; i < 8; ++i) {
            if (proof[i] >= Q) return NOT_CANONICAL;
        }
        if (root >= R || beacon >= R || worker >= R) return INPUT_NOT_IN_FIELD;
        bool ok;
        bool holds;
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
            mstore(add(p, 0x200), beacon)
            ok := and(ok, staticcall(gas(), 0x07, add(p, 0x1c0), 0x60, add(p, 0x1c0), 0x40))
            ok := and(ok, staticcall(gas(), 0x06, add(p, 0x180), 0x80, add(p, 0x180), 0x40))
            mstore(add(p, 0x1c0), IC3_X)
            mstore(add(p, 0x1e0), IC3_Y)
            mstore(add(p, 0x200), worker)
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
