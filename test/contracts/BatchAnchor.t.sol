// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {Action, Purpose} from "../../contracts/types/Access.sol";
import {CarechainTest} from "./utils/Test.sol";

/// @notice RecordRegistry.anchorBatch and verifyBatchRecord. Trees are built here the way OpenZeppelin's
/// StandardMerkleTree (npm package openzeppelin merkle-tree) builds them: leaves sorted by hash, a complete binary tree in an
/// array (leaves at the end, in reverse), internal nodes the commutative keccak256 of their children.
contract BatchAnchorTest is CarechainTest {
    struct Leaf {
        bytes32 recordId;
        uint8 category;
        bytes32 keyringDigest;
    }

    /// @dev Root and leaf 3's proof of the five {_referenceLeaves}, as printed by the npm package openzeppelin merkle-tree 1.0.8:
    /// `StandardMerkleTree.of(values, ["bytes32", "uint8", "bytes32"])`, values[i] =
    /// [sha256("batch.record.<i>"), [1, 2, 3, 2, 1][i], sha256("batch.keyring.<i>")].
    bytes32 internal constant REFERENCE_ROOT = 0x1c1e5bec6d662507703255dec26edd3da0898691d37e447cdf9932f8cc19b1fd;
    bytes32 internal constant REFERENCE_PROOF3_0 = 0x440fbd40755724dc33bec8b92fea6a2ffd5a0a0f7baf9382a87cfabe20b58e30;
    bytes32 internal constant REFERENCE_PROOF3_1 = 0xe0bbb4302fad07989b3cc88c4f2dd88faf35a3902b73d9346534a0177dcf503e;
    bytes32 internal constant REFERENCE_PROOF3_2 = 0x241efec4984c93306a693ed1fdc365a6cb41d407e03eb80faf87a58a0238bb24;

    /// @dev The categories of the reference leaves: 1, 2 and 3.
    uint64 internal constant REFERENCE_MASK = (1 << 1) | (1 << 2) | (1 << 3);

    bytes internal manifest;

    function setUp() public {
        _deploy();
        manifest = _cid(_digest("batch.manifest"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // StandardMerkleTree, in Solidity
    // ---------------------------------------------------------------------------------------------------------

    function _leafHash(Leaf memory leaf) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(leaf.recordId, leaf.category, leaf.keyringDigest))));
    }

    /// @dev Commutative keccak256 of a pair, as MerkleProof's `_hashPair` (Hashes.commutativeKeccak256).
    function _hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    /// @dev The tree array of `leaves` (2n - 1 nodes, root at 0).
    function _tree(Leaf[] memory leaves) internal pure returns (bytes32[] memory tree) {
        uint256 n = leaves.length;
        bytes32[] memory hashes = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) hashes[i] = _leafHash(leaves[i]);
        // Sort ascending (insertion sort; n <= 64 here).
        for (uint256 i = 1; i < n; ++i) {
            bytes32 h = hashes[i];
            uint256 j = i;
            while (j > 0 && hashes[j - 1] > h) {
                hashes[j] = hashes[j - 1];
                --j;
            }
            hashes[j] = h;
        }
        tree = new bytes32[](2 * n - 1);
        for (uint256 i = 0; i < n; ++i) tree[tree.length - 1 - i] = hashes[i];
        for (uint256 i = tree.length - n; i > 0; --i) {
            tree[i - 1] = _hashPair(tree[2 * i - 1], tree[2 * i]);
        }
    }

    /// @dev The proof of `leaf` in `tree`: siblings from the leaf up to (not including) the root.
    function _proof(bytes32[] memory tree, Leaf memory leaf) internal pure returns (bytes32[] memory proof) {
        bytes32 h = _leafHash(leaf);
        uint256 index = type(uint256).max;
        uint256 n = (tree.length + 1) / 2;
        for (uint256 i = n - 1; i < tree.length; ++i) {
            if (tree[i] == h) {
                index = i;
                break;
            }
        }
        require(index != type(uint256).max, "leaf not in tree");
        uint256 depth = 0;
        for (uint256 i = index; i > 0; i = (i - 1) / 2) ++depth;
        proof = new bytes32[](depth);
        for (uint256 k = 0; k < depth; ++k) {
            proof[k] = tree[index % 2 == 1 ? index + 1 : index - 1];
            index = (index - 1) / 2;
        }
    }

    function _mask(Leaf[] memory leaves) internal pure returns (uint64 mask) {
        for (uint256 i = 0; i < leaves.length; ++i) mask |= uint64(1) << leaves[i].category;
    }

    /// @dev The five reference leaves (see {REFERENCE_ROOT}).
    function _referenceLeaves() internal pure returns (Leaf[] memory leaves) {
        uint8[5] memory categories = [1, 2, 3, 2, 1];
        leaves = new Leaf[](5);
        for (uint256 i = 0; i < 5; ++i) {
            bytes1 digit = bytes1(uint8(48 + i));
            leaves[i] = Leaf(
                sha256(abi.encodePacked("batch.record.", digit)),
                categories[i],
                sha256(abi.encodePacked("batch.keyring.", digit))
            );
        }
    }

    /// @dev `count` pseudo-random leaves from `seed`, categories in 0..63.
    function _randomLeaves(uint256 seed, uint256 count) internal pure returns (Leaf[] memory leaves) {
        leaves = new Leaf[](count);
        for (uint256 i = 0; i < count; ++i) {
            leaves[i] = Leaf(
                keccak256(abi.encode(seed, i, "record")),
                uint8(uint256(keccak256(abi.encode(seed, i, "category"))) % 64),
                keccak256(abi.encode(seed, i, "keyring"))
            );
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // logBatchAccess
    // ---------------------------------------------------------------------------------------------------------

    function test_LogBatchAccess_LogsARead() public {
        Leaf[] memory leaves = _referenceLeaves();
        bytes32 root = _tree(leaves)[0];
        _grant(alice, hospital, _terms(REFERENCE_MASK, REFERENCE_MASK, _purposeBit(Purpose.Treatment), uint64(START + 1 days)));
        _anchorBatch(hospital, alice, root, REFERENCE_MASK, 5);
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.RecordAccessed(leaves[1].recordId, alice, hospital, Purpose.Treatment);
        vm.prank(hospital);
        records.logBatchAccess(root, leaves[1].recordId, leaves[1].category, Purpose.Treatment);
    }

    function test_LogBatchAccess_RevertWhen_NoReadConsent() public {
        Leaf[] memory leaves = _referenceLeaves();
        bytes32 root = _tree(leaves)[0];
        _grant(alice, hospital, _terms(REFERENCE_MASK, REFERENCE_MASK, _purposeBit(Purpose.Treatment), uint64(START + 1 days)));
        _anchorBatch(hospital, alice, root, REFERENCE_MASK, 5);
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordReadConsentRequired.selector, alice, lab, leaves[0].category, Purpose.Treatment)
        );
        vm.prank(lab);
        records.logBatchAccess(root, leaves[0].recordId, leaves[0].category, Purpose.Treatment);
        // A purpose the grant does not name is refused too.
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordReadConsentRequired.selector, alice, hospital, leaves[0].category, Purpose.Research)
        );
        vm.prank(hospital);
        records.logBatchAccess(root, leaves[0].recordId, leaves[0].category, Purpose.Research);
    }

    function test_LogBatchAccess_RevertWhen_CategoryNotInBatchOrUnknownRoot() public {
        Leaf[] memory leaves = _referenceLeaves();
        bytes32 root = _tree(leaves)[0];
        _grant(alice, hospital, _terms(REFERENCE_MASK | _bit(9), REFERENCE_MASK, _purposeBit(Purpose.Treatment), uint64(START + 1 days)));
        _anchorBatch(hospital, alice, root, REFERENCE_MASK, 5);
        for (uint8 category = 0; category < 70; category += 9) {
            if (category >= 1 && category <= 3) continue;
            vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordCategoryNotInBatch.selector, root, category));
            vm.prank(hospital);
            records.logBatchAccess(root, leaves[0].recordId, category, Purpose.Treatment);
        }
        bytes32 unknown = keccak256("unknown root");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchNotFound.selector, unknown));
        vm.prank(hospital);
        records.logBatchAccess(unknown, leaves[0].recordId, 1, Purpose.Treatment);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------------------

    function _anchorBatch(address author, address patient, bytes32 root, uint64 categories, uint32 count) internal {
        bytes memory manifestCid = manifest;
        vm.prank(author);
        records.anchorBatch(patient, root, categories, count, manifestCid);
    }

    function _verify(bytes32 root, Leaf memory leaf, bytes32[] memory proof) internal view returns (bool) {
        return records.verifyBatchRecord(root, leaf.recordId, leaf.category, leaf.keyringDigest, proof);
    }

    function _expectWriteConsentRequired(address patient, address author, uint8 category) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordWriteConsentRequired.selector, patient, author, category)
        );
    }

    // ---------------------------------------------------------------------------------------------------------
    // The tree builder against @openzeppelin/merkle-tree
    // ---------------------------------------------------------------------------------------------------------

    function test_Tree_MatchesOpenZeppelinMerkleTree() public pure {
        Leaf[] memory leaves = _referenceLeaves();
        bytes32[] memory tree = _tree(leaves);
        assertEq(tree[0], REFERENCE_ROOT, "root");

        bytes32[] memory expected = new bytes32[](3);
        (expected[0], expected[1], expected[2]) = (REFERENCE_PROOF3_0, REFERENCE_PROOF3_1, REFERENCE_PROOF3_2);
        assertEq(_proof(tree, leaves[3]), expected, "proof of leaf 3");
        assertEq(_mask(leaves), REFERENCE_MASK, "mask");
    }

    // ---------------------------------------------------------------------------------------------------------
    // anchorBatch: success
    // ---------------------------------------------------------------------------------------------------------

    function test_AnchorBatch_ByPatient_EveryLeafVerifies() public {
        Leaf[] memory leaves = _referenceLeaves();
        bytes32[] memory tree = _tree(leaves);
        bytes32 root = tree[0];

        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.BatchAnchored(root, alice, alice, REFERENCE_MASK, 5, manifest);
        _anchorBatch(alice, alice, root, REFERENCE_MASK, 5);

        IRecordRegistry.Batch memory entry = records.batch(root);
        assertEq(entry.patient, alice, "patient");
        assertEq(entry.author, alice, "author");
        assertEq(entry.count, 5, "count");
        assertEq(entry.categories, REFERENCE_MASK, "categories");
        assertEq(entry.anchoredAt, START, "anchoredAt");

        for (uint256 i = 0; i < leaves.length; ++i) {
            assertTrue(_verify(root, leaves[i], _proof(tree, leaves[i])), "leaf verifies");
        }
        // A batch anchors no individual record.
        assertEq(records.recordCount(alice), 0, "no individual records");
    }

    function test_AnchorBatch_ByGranteeWithWriteConsent() public {
        _grant(alice, hospital, _terms(0, REFERENCE_MASK, _purposeBit(Purpose.Treatment), uint64(START + 1 days)));
        Leaf[] memory leaves = _referenceLeaves();
        bytes32[] memory tree = _tree(leaves);

        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.BatchAnchored(tree[0], alice, hospital, REFERENCE_MASK, 5, manifest);
        _anchorBatch(hospital, alice, tree[0], REFERENCE_MASK, 5);

        assertEq(records.batch(tree[0]).author, hospital, "author");
        assertEq(records.batch(tree[0]).patient, alice, "patient");
        assertTrue(_verify(tree[0], leaves[2], _proof(tree, leaves[2])), "leaf verifies");
    }

    function test_AnchorBatch_SingleLeaf() public {
        Leaf[] memory leaves = _randomLeaves(7, 1);
        bytes32[] memory tree = _tree(leaves);
        assertEq(tree.length, 1, "one node");
        assertEq(tree[0], _leafHash(leaves[0]), "root is the leaf");

        _anchorBatch(alice, alice, tree[0], _mask(leaves), 1);
        assertTrue(_verify(tree[0], leaves[0], new bytes32[](0)), "empty proof");
        leaves[0].category ^= 1;
        assertFalse(_verify(tree[0], leaves[0], new bytes32[](0)), "other category");
    }

    function test_AnchorBatch_DagPbManifest() public {
        bytes memory manifestCid = _cidDagPb(_digest("manifest.dag-pb"));
        bytes32 root = keccak256("root");
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.BatchAnchored(root, alice, alice, 1, 3, manifestCid);
        vm.prank(alice);
        records.anchorBatch(alice, root, 1, 3, manifestCid);
    }

    function test_AnchorBatch_TwoBatchesAreIndependent() public {
        Leaf[] memory a = _randomLeaves(1, 6);
        Leaf[] memory b = _randomLeaves(2, 3);
        bytes32[] memory treeA = _tree(a);
        bytes32[] memory treeB = _tree(b);
        _anchorBatch(alice, alice, treeA[0], _mask(a), 6);
        vm.warp(START + 1 days);
        _anchorBatch(bob, bob, treeB[0], _mask(b), 3);

        assertEq(records.batch(treeA[0]).patient, alice, "A patient");
        assertEq(records.batch(treeB[0]).patient, bob, "B patient");
        assertEq(records.batch(treeB[0]).anchoredAt, START + 1 days, "B time");
        assertTrue(_verify(treeB[0], b[1], _proof(treeB, b[1])), "B leaf in B");
        // A's leaf with A's proof, checked against B's root.
        assertFalse(_verify(treeB[0], a[1], _proof(treeA, a[1])), "A leaf not in B");
    }

    // ---------------------------------------------------------------------------------------------------------
    // verifyBatchRecord: wrong leaves and proofs
    // ---------------------------------------------------------------------------------------------------------

    function test_VerifyBatchRecord_RejectsWrongLeafOrProof() public {
        Leaf[] memory leaves = _referenceLeaves();
        bytes32[] memory tree = _tree(leaves);
        bytes32 root = tree[0];
        _anchorBatch(alice, alice, root, REFERENCE_MASK, 5);

        Leaf memory leaf = leaves[3];
        bytes32[] memory proof = _proof(tree, leaf);
        assertTrue(_verify(root, leaf, proof), "the right leaf and proof");

        assertFalse(_verify(root, Leaf(leaf.recordId ^ bytes32(uint256(1)), leaf.category, leaf.keyringDigest), proof), "recordId");
        assertFalse(_verify(root, Leaf(leaf.recordId, leaf.category + 1, leaf.keyringDigest), proof), "category");
        assertFalse(_verify(root, Leaf(leaf.recordId, leaf.category, bytes32(0)), proof), "keyringDigest");
        // Another leaf's proof.
        assertFalse(_verify(root, leaf, _proof(tree, leaves[0])), "leaf 0's proof");
        // Truncated, extended, empty, altered proofs.
        bytes32[] memory truncated = new bytes32[](proof.length - 1);
        for (uint256 i = 0; i < truncated.length; ++i) truncated[i] = proof[i];
        assertFalse(_verify(root, leaf, truncated), "truncated");
        bytes32[] memory extended = new bytes32[](proof.length + 1);
        for (uint256 i = 0; i < proof.length; ++i) extended[i] = proof[i];
        extended[proof.length] = root;
        assertFalse(_verify(root, leaf, extended), "extended");
        assertFalse(_verify(root, leaf, new bytes32[](0)), "empty");
        for (uint256 i = 0; i < proof.length; ++i) {
            bytes32[] memory altered = new bytes32[](proof.length);
            for (uint256 j = 0; j < proof.length; ++j) altered[j] = proof[j];
            altered[i] ^= bytes32(uint256(1) << 255);
            assertFalse(_verify(root, leaf, altered), "altered sibling");
        }
        // The leaf hash itself, or an internal node, is not a leaf (double hashing).
        assertFalse(
            records.verifyBatchRecord(root, _leafHash(leaf), leaf.category, leaf.keyringDigest, proof), "leaf hash as id"
        );
    }

    /// @dev Surprising: verifyBatchRecord does not check the leaf's category against the batch's category mask, and
    /// anchorBatch checks write consent only for the declared mask. A writer with consent for category 1 only can
    /// anchor leaves of category 9 under a mask of {1}, and they verify.
    function test_VerifyBatchRecord_LeafCategoryOutsideMask_DoesNotVerify() public {
        _grant(alice, hospital, _terms(0, _bit(1), _purposeBit(Purpose.Treatment), uint64(START + 1 days)));
        assertFalse(consent.canAccess(alice, hospital, 9, Action.Write), "no write consent for 9");

        Leaf[] memory leaves = new Leaf[](2);
        leaves[0] = Leaf(_digest("ok"), 1, _digest("ok.keyring"));
        leaves[1] = Leaf(_digest("smuggled"), 9, _digest("smuggled.keyring"));
        bytes32[] memory tree = _tree(leaves);
        _anchorBatch(hospital, alice, tree[0], _bit(1), 2);

        assertEq(records.batch(tree[0]).categories, _bit(1), "declared mask");
        assertFalse(_verify(tree[0], leaves[1], _proof(tree, leaves[1])), "category-9 leaf is refused");
        assertTrue(_verify(tree[0], leaves[0], _proof(tree, leaves[0])), "declared-category leaf verifies");
    }

    // ---------------------------------------------------------------------------------------------------------
    // anchorBatch: refusals
    // ---------------------------------------------------------------------------------------------------------

    function test_AnchorBatch_RevertWhen_NoWriteConsentForACategory() public {
        bytes32 root = _tree(_referenceLeaves())[0];
        // Write consent for 1 and 3, not 2.
        _grant(alice, hospital, _terms(_bit(2), _bit(1) | _bit(3), ALL_PURPOSES, uint64(START + 1 days)));
        _expectWriteConsentRequired(alice, hospital, 2);
        _anchorBatch(hospital, alice, root, REFERENCE_MASK, 5);

        // The lowest missing category is reported.
        _expectWriteConsentRequired(alice, hospital, 0);
        _anchorBatch(hospital, alice, root, REFERENCE_MASK | 1, 5);
        _expectWriteConsentRequired(alice, hospital, 63);
        _anchorBatch(hospital, alice, root, _bit(1) | _bit(63), 5);

        // With write consent for every category in the mask, it goes through.
        _anchorBatch(hospital, alice, root, _bit(1) | _bit(3), 5);
        assertEq(records.batch(root).author, hospital, "anchored");
    }

    function test_AnchorBatch_RevertWhen_NoLiveWriteConsent() public {
        bytes32 root = _tree(_referenceLeaves())[0];

        // No grant at all.
        _expectWriteConsentRequired(alice, STRANGER, 1);
        _anchorBatch(STRANGER, alice, root, REFERENCE_MASK, 5);
        _expectWriteConsentRequired(alice, bob, 1);
        _anchorBatch(bob, alice, root, REFERENCE_MASK, 5);

        // Read-only grant.
        _grant(alice, hospital, _terms(ALL_CATEGORIES, 0, ALL_PURPOSES, uint64(START + 1 days)));
        _expectWriteConsentRequired(alice, hospital, 1);
        _anchorBatch(hospital, alice, root, REFERENCE_MASK, 5);

        // Expired write grant.
        _grant(alice, lab, _terms(0, ALL_CATEGORIES, ALL_PURPOSES, uint64(START + 1 days)));
        vm.warp(START + 1 days);
        _expectWriteConsentRequired(alice, lab, 1);
        _anchorBatch(lab, alice, root, REFERENCE_MASK, 5);

        // Suspended writer.
        _grant(alice, lab, _terms(0, ALL_CATEGORIES, ALL_PURPOSES, uint64(START + 30 days)));
        vm.prank(REGISTRAR);
        directory.suspendProvider(lab);
        _expectWriteConsentRequired(alice, lab, 1);
        _anchorBatch(lab, alice, root, REFERENCE_MASK, 5);

        // Consent from alice does not cover bob.
        vm.prank(REGISTRAR);
        directory.reinstateProvider(lab);
        _expectWriteConsentRequired(bob, lab, 1);
        _anchorBatch(lab, bob, root, REFERENCE_MASK, 5);

        // An unregistered "patient" writing on itself.
        _expectWriteConsentRequired(STRANGER, STRANGER, 1);
        _anchorBatch(STRANGER, STRANGER, root, REFERENCE_MASK, 5);

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchNotFound.selector, root));
        records.batch(root);
    }

    function test_AnchorBatch_RevertWhen_Empty() public {
        bytes32 root = keccak256("root");
        vm.expectRevert(IRecordRegistry.RecordEmptyBatch.selector);
        _anchorBatch(alice, alice, root, REFERENCE_MASK, 0);
        vm.expectRevert(IRecordRegistry.RecordEmptyBatch.selector);
        _anchorBatch(alice, alice, root, 0, 5);
        vm.expectRevert(IRecordRegistry.RecordEmptyBatch.selector);
        _anchorBatch(alice, alice, root, 0, 0);
        // Checked before consent.
        vm.expectRevert(IRecordRegistry.RecordEmptyBatch.selector);
        _anchorBatch(STRANGER, alice, root, 0, 5);
    }

    function test_AnchorBatch_RevertWhen_AlreadyAnchored() public {
        bytes32 root = _tree(_referenceLeaves())[0];
        _anchorBatch(alice, alice, root, REFERENCE_MASK, 5);

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchAlreadyAnchored.selector, root));
        _anchorBatch(alice, alice, root, REFERENCE_MASK, 5);

        // By another author with write consent, with other metadata.
        _grant(alice, hospital, _terms(0, ALL_CATEGORIES, ALL_PURPOSES, uint64(START + 1 days)));
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchAlreadyAnchored.selector, root));
        _anchorBatch(hospital, alice, root, _bit(5), 1);

        assertEq(records.batch(root).author, alice, "first anchor kept");
        assertEq(records.batch(root).count, 5, "count kept");
    }

    /// @dev Surprising: batch roots are global, not per patient. Any registered patient can anchor any root on its
    /// own records first (e.g. front-running a pending anchorBatch it saw in the mempool); the real author's
    /// anchor then fails with RecordBatchAlreadyAnchored, and the batch is recorded as bob's.
    function test_AnchorBatch_RootSquattedByAnotherPatient() public {
        Leaf[] memory leaves = _referenceLeaves();
        bytes32[] memory tree = _tree(leaves);
        _grant(alice, hospital, _terms(0, REFERENCE_MASK, ALL_PURPOSES, uint64(START + 1 days)));

        _anchorBatch(bob, bob, tree[0], _bit(0), 1);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchAlreadyAnchored.selector, tree[0]));
        _anchorBatch(hospital, alice, tree[0], REFERENCE_MASK, 5);

        assertEq(records.batch(tree[0]).patient, bob, "recorded as bob's");
        // Known limitation (docs/security.md): a root can be squatted, but the squatter's batch only vouches for the
        // categories it declared, and the SDK refuses a manifest whose patient is not the batch's patient.
        assertFalse(_verify(tree[0], leaves[0], _proof(tree, leaves[0])), "alice's leaf is not in bob's declared categories");
    }

    function test_AnchorBatch_RevertWhen_InvalidManifestCid() public {
        bytes32 root = keccak256("root");
        bytes32 d = _digest("manifest");
        bytes[5] memory invalid = [
            bytes(""),
            abi.encodePacked(bytes4(0x01551220), bytes31(d)),
            abi.encodePacked(bytes4(0x02551220), d),
            abi.encodePacked(bytes4(0x01291220), d), // json codec
            abi.encodePacked(bytes4(0x01551b20), d) // keccak-256 multihash code
        ];
        for (uint256 i = 0; i < invalid.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordInvalidCid.selector, invalid[i]));
            vm.prank(alice);
            records.anchorBatch(alice, root, REFERENCE_MASK, 5, invalid[i]);
        }
        // The CID is checked before consent.
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordInvalidCid.selector, invalid[1]));
        vm.prank(STRANGER);
        records.anchorBatch(alice, root, REFERENCE_MASK, 5, invalid[1]);
    }

    function test_Batch_RevertWhen_Unknown() public {
        Leaf[] memory leaves = _referenceLeaves();
        bytes32[] memory tree = _tree(leaves);
        bytes32 root = tree[0];

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchNotFound.selector, root));
        records.batch(root);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchNotFound.selector, root));
        records.verifyBatchRecord(root, leaves[0].recordId, leaves[0].category, leaves[0].keyringDigest, _proof(tree, leaves[0]));
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchNotFound.selector, bytes32(0)));
        records.batch(bytes32(0));

        // Known once anchored.
        _anchorBatch(alice, alice, root, REFERENCE_MASK, 5);
        assertEq(records.batch(root).count, 5, "found");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fuzz
    // ---------------------------------------------------------------------------------------------------------

    /// @dev For 1..64 random leaves, any leaf's StandardMerkleTree proof verifies, and the leaf with another
    /// keyring digest or category does not.
    function testFuzz_AnchorBatch_ProofVerifies(uint256 seed, uint256 count, uint256 index) public {
        count = bound(count, 1, 64);
        index = bound(index, 0, count - 1);
        Leaf[] memory leaves = _randomLeaves(seed, count);
        bytes32[] memory tree = _tree(leaves);
        uint64 mask = _mask(leaves);

        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.BatchAnchored(tree[0], alice, alice, mask, uint32(count), manifest);
        _anchorBatch(alice, alice, tree[0], mask, uint32(count));

        Leaf memory leaf = leaves[index];
        bytes32[] memory proof = _proof(tree, leaf);
        assertTrue(_verify(tree[0], leaf, proof), "proof verifies");
        assertFalse(_verify(tree[0], Leaf(leaf.recordId, leaf.category, ~leaf.keyringDigest), proof), "keyring");
        assertFalse(_verify(tree[0], Leaf(leaf.recordId, leaf.category ^ 64, leaf.keyringDigest), proof), "category");
    }
}
