// SPDX-License-Identifier: MIT OR Apache-2.0
// Rendered by `spotproof-validator export-solidity` from the verifying key of class mlp2-s18-r32
// (SHA-256 of its compressed arkworks encoding: 08ffd51207400c1155c5de93d5d2511691177ae65196782bc9843046c7d2c3be).
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
    bytes32 public constant VK_HASH = 0x08ffd51207400c1155c5de93d5d2511691177ae65196782bc9843046c7d2c3be;

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
        5540149054185297681950995787168665821457461596329963201872389506218418362529;
    uint256 internal constant ALPHA_Y =
        19625307769866025213534529696140834768866474869646561107546910449082194564953;
    uint256 internal constant BETA_X1 =
        1651603802713864315368763806176556695907986947417865948444366632387492438529;
    uint256 internal constant BETA_X0 =
        16344902277841367895261566554437685515959803966092024962391535407634062131033;
    uint256 internal constant BETA_Y1 =
        1836392961910764186812303536451403323318065582010426092427268673798423467347;
    uint256 internal constant BETA_Y0 =
        20005881192802234452981442649613587797205221007712436919079172983551328287988;
    uint256 internal constant GAMMA_X1 =
        7560834207738787938437307458477857959660094050594535430607689749568686299423;
    uint256 internal constant GAMMA_X0 =
        7479332782334366552715644726901525553619928145808261643737398598394237997045;
    uint256 internal constant GAMMA_Y1 =
        17641126794310623245546936336968637996679523394331712265849410761915392357160;
    uint256 internal constant GAMMA_Y0 =
        11730984160486154264527319320793187876326490957125599824366066388490461662030;
    uint256 internal constant DELTA_X1 =
        5790148240315352388461359590217513339197594642529189388286807009498935517436;
    uint256 internal constant DELTA_X0 =
        12746135754138714806332263809161534767704228870174531648705740039590859592969;
    uint256 internal constant DELTA_Y1 =
        2829911331880625712038389067259176097753595383181583641011506541010682882141;
    uint256 internal constant DELTA_Y0 =
        4443091566912181612939435496293412316411414173974848714639489605087965358235;
    uint256 internal constant IC0_X =
        15968520784504514148602380676724554652993161819655112648195621194750637691901;
    uint256 internal constant IC0_Y =
        19828765685109646318270769148888141852878881905823486775283719515330158926886;
    uint256 internal constant IC1_X =
        6644912376011100625005374563127240481048074781278698897896862420301638397988;
    uint256 internal constant IC1_Y =
        12863420882369649126960917212397971086578255316051192188315252616881352428802;
    uint256 internal constant IC2_X =
        18961028169923337236672777529817241991734784467217327436023098347323076467947;
    uint256 internal constant IC2_Y =
        20817359513711014007558636966376348869636023448236857321369791604689377386649;

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
