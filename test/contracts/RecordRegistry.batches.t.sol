// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IRecordRegistry} from "../../contracts/interfaces/IRecordRegistry.sol";
import {Action} from "../../contracts/types/Action.sol";
import {Purpose} from "../../contracts/types/Purpose.sol";
import {CarechainTest} from "./utils/Test.sol";

/// @notice RecordRegistry.anchorBatch and verifyBatchRecord. Trees are built here the way OpenZeppelin's
/// StandardMerkleTree (npm package openzeppelin merkle-tree) builds them: leaves sorted by hash, a complete binary tree in an
/// array (leaves at the end, in reverse), internal nodes the commutative keccak256 of their children.
contract RecordRegistryBatchesTest is CarechainTest {
    struct Leaf {
        bytes32 recordId;
        uint64 categories;
        bytes32 keyringDigest;
    }

    /// @dev Root and leaf 3's proof of the five {_referenceLeaves}, as printed by the npm package openzeppelin merkle-tree 1.0.8:
    /// `StandardMerkleTree.of(values, ["bytes32", "uint64", "bytes32"])`, values[i] =
    /// [sha256("batch.record.<i>"), [2, 4, 12, 4, 2][i], sha256("batch.keyring.<i>")] (category masks: leaf 2
    /// spans categories 2 and 3).
    bytes32 internal constant REFERENCE_ROOT = 0x5c6b72d3c4a4622e655a9da7f7e5a6284b4cfc68a2439ce3e77556c3dcdc8f00;
    bytes32 internal constant REFERENCE_PROOF3_0 = 0x7a9d969b146c794a1337666a0c38be8c80afd7030016b1ee0f1f708b27dbf45f;
    bytes32 internal constant REFERENCE_PROOF3_1 = 0xf0e2bf9f6c6b0a5ee13e5ad41b2e08644c5532e0cd104792024e5786aa064dd0;
    bytes32 internal constant REFERENCE_PROOF3_2 = 0x5732263a955abaa2f6487fb906f021387fbd8cd8f78e2a1cb95c716b61a4735a;

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
        return keccak256(bytes.concat(keccak256(abi.encode(leaf.recordId, leaf.categories, leaf.keyringDigest))));
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
        for (uint256 i = 0; i < leaves.length; ++i) mask |= leaves[i].categories;
    }

    /// @dev The five reference leaves (see {REFERENCE_ROOT}).
    function _referenceLeaves() internal pure returns (Leaf[] memory leaves) {
        uint64[5] memory categories = [uint64(2), 4, 12, 4, 2];
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

    /// @dev `count` pseudo-random leaves from `seed`, each of one or two categories in 0..63.
    function _randomLeaves(uint256 seed, uint256 count) internal pure returns (Leaf[] memory leaves) {
        leaves = new Leaf[](count);
        for (uint256 i = 0; i < count; ++i) {
            leaves[i] = Leaf(
                keccak256(abi.encode(seed, i, "record")),
                _bit(uint8(uint256(keccak256(abi.encode(seed, i, "category"))) % 64)) |
                    (i % 3 == 0 ? _bit(uint8(uint256(keccak256(abi.encode(seed, i, "second"))) % 64)) : 0),
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
        _grant(
            alice,
            hospital,
            _terms(REFERENCE_MASK, REFERENCE_MASK, _purposeBit(Purpose.Treatment), uint64(START + 1 days))
        );
        bytes32 id = _anchorBatch(hospital, alice, root, REFERENCE_MASK, 5);
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.RecordAccessed(leaves[2].recordId, alice, hospital, Purpose.Treatment);
        vm.prank(hospital);
        records.logBatchAccess(id, leaves[2].recordId, leaves[2].categories, Purpose.Treatment);
    }

    function test_LogBatchAccess_RevertWhen_NoReadConsent() public {
        Leaf[] memory leaves = _referenceLeaves();
        bytes32 root = _tree(leaves)[0];
        _grant(
            alice,
            hospital,
            _terms(REFERENCE_MASK, REFERENCE_MASK, _purposeBit(Purpose.Treatment), uint64(START + 1 days))
        );
        bytes32 id = _anchorBatch(hospital, alice, root, REFERENCE_MASK, 5);
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordReadConsentRequired.selector, alice, lab, 1, Purpose.Treatment)
        );
        vm.prank(lab);
        records.logBatchAccess(id, leaves[0].recordId, leaves[0].categories, Purpose.Treatment);
        // A purpose the grant does not name is refused too.
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordReadConsentRequired.selector,
                alice,
                hospital,
                1,
                Purpose.Research
            )
        );
        vm.prank(hospital);
        records.logBatchAccess(id, leaves[0].recordId, leaves[0].categories, Purpose.Research);
    }

    /// @dev A multi-category leaf needs read consent for every one of its categories.
    function test_LogBatchAccess_RevertWhen_ReadConsentForOnlyOneOfTheLeafsCategories() public {
        Leaf[] memory leaves = _referenceLeaves();
        bytes32 root = _tree(leaves)[0];
        _grant(
            alice,
            hospital,
            _terms(_bit(2), REFERENCE_MASK, _purposeBit(Purpose.Treatment), uint64(START + 1 days))
        );
        bytes32 id = _anchorBatch(hospital, alice, root, REFERENCE_MASK, 5);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRecordRegistry.RecordReadConsentRequired.selector,
                alice,
                hospital,
                3,
                Purpose.Treatment
            )
        );
        vm.prank(hospital);
        records.logBatchAccess(id, leaves[2].recordId, leaves[2].categories, Purpose.Treatment);
        vm.prank(hospital);
        records.logBatchAccess(id, leaves[1].recordId, leaves[1].categories, Purpose.Treatment);
    }

    function test_LogBatchAccess_RevertWhen_CategoryNotInBatchOrUnknownBatch() public {
        Leaf[] memory leaves = _referenceLeaves();
        bytes32 root = _tree(leaves)[0];
        _grant(
            alice,
            hospital,
            _terms(REFERENCE_MASK | _bit(9), REFERENCE_MASK, _purposeBit(Purpose.Treatment), uint64(START + 1 days))
        );
        bytes32 id = _anchorBatch(hospital, alice, root, REFERENCE_MASK, 5);
        for (uint8 category = 0; category < 64; category += 9) {
            if (category >= 1 && category <= 3) continue;
            vm.expectRevert(
                abi.encodeWithSelector(IRecordRegistry.RecordCategoryNotInBatch.selector, id, _bit(category))
            );
            vm.prank(hospital);
            records.logBatchAccess(id, leaves[0].recordId, _bit(category), Purpose.Treatment);
        }
        // A declared category with an undeclared one, and the empty mask.
        vm.expectRevert(
            abi.encodeWithSelector(IRecordRegistry.RecordCategoryNotInBatch.selector, id, _bit(1) | _bit(9))
        );
        vm.prank(hospital);
        records.logBatchAccess(id, leaves[0].recordId, _bit(1) | _bit(9), Purpose.Treatment);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordCategoryNotInBatch.selector, id, uint64(0)));
        vm.prank(hospital);
        records.logBatchAccess(id, leaves[0].recordId, 0, Purpose.Treatment);
        // The root alone is not a batch id.
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchNotFound.selector, root));
        vm.prank(hospital);
        records.logBatchAccess(root, leaves[0].recordId, _bit(1), Purpose.Treatment);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------------------

    function _anchorBatch(
        address author,
        address patient,
        bytes32 root,
        uint64 categories,
        uint32 count
    ) internal returns (bytes32 batchId) {
        bytes memory manifestCid = manifest;
        vm.prank(author);
        batchId = records.anchorBatch(patient, root, categories, count, manifestCid);
    }

    function _verify(bytes32 batchId, Leaf memory leaf, bytes32[] memory proof) internal view returns (bool) {
        return records.verifyBatchRecord(batchId, leaf.recordId, leaf.categories, leaf.keyringDigest, proof);
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
        bytes32 expectedId = keccak256(abi.encode(alice, alice, root));
        assertEq(records.batchIdOf(alice, alice, root), expectedId, "batchIdOf");

        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.BatchAnchored(expectedId, alice, alice, root, REFERENCE_MASK, 5, manifest);
        bytes32 id = _anchorBatch(alice, alice, root, REFERENCE_MASK, 5);
        assertEq(id, expectedId, "batch id");

        IRecordRegistry.Batch memory entry = records.batch(id);
        assertEq(entry.patient, alice, "patient");
        assertEq(entry.author, alice, "author");
        assertEq(entry.count, 5, "count");
        assertEq(entry.categories, REFERENCE_MASK, "categories");
        assertEq(entry.anchoredAt, START, "anchoredAt");
        assertEq(entry.root, root, "root");

        for (uint256 i = 0; i < leaves.length; ++i) {
            assertTrue(_verify(id, leaves[i], _proof(tree, leaves[i])), "leaf verifies");
        }
        // A batch anchors no individual record.
        assertEq(records.recordCount(alice), 0, "no individual records");
    }

    function test_AnchorBatch_ByGranteeWithWriteConsent() public {
        _grant(alice, hospital, _terms(0, REFERENCE_MASK, _purposeBit(Purpose.Treatment), uint64(START + 1 days)));
        Leaf[] memory leaves = _referenceLeaves();
        bytes32[] memory tree = _tree(leaves);
        bytes32 expectedId = records.batchIdOf(alice, hospital, tree[0]);

        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.BatchAnchored(expectedId, alice, hospital, tree[0], REFERENCE_MASK, 5, manifest);
        bytes32 id = _anchorBatch(hospital, alice, tree[0], REFERENCE_MASK, 5);

        assertEq(records.batch(id).author, hospital, "author");
        assertEq(records.batch(id).patient, alice, "patient");
        assertTrue(_verify(id, leaves[2], _proof(tree, leaves[2])), "leaf verifies");
    }

    function test_AnchorBatch_SingleLeaf() public {
        Leaf[] memory leaves = _randomLeaves(7, 1);
        bytes32[] memory tree = _tree(leaves);
        assertEq(tree.length, 1, "one node");
        assertEq(tree[0], _leafHash(leaves[0]), "root is the leaf");

        bytes32 id = _anchorBatch(alice, alice, tree[0], ~uint64(0), 1);
        assertTrue(_verify(id, leaves[0], new bytes32[](0)), "empty proof");
        leaves[0].categories ^= 1;
        assertFalse(_verify(id, leaves[0], new bytes32[](0)), "other categories");
    }

    function test_AnchorBatch_DagPbManifest() public {
        bytes memory manifestCid = _cidDagPb(_digest("manifest.dag-pb"));
        bytes32 root = keccak256("root");
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.BatchAnchored(
            records.batchIdOf(alice, alice, root),
            alice,
            alice,
            root,
            1,
            3,
            manifestCid
        );
        vm.prank(alice);
        records.anchorBatch(alice, root, 1, 3, manifestCid);
    }

    function test_AnchorBatch_TwoBatchesAreIndependent() public {
        Leaf[] memory a = _randomLeaves(1, 6);
        Leaf[] memory b = _randomLeaves(2, 3);
        bytes32[] memory treeA = _tree(a);
        bytes32[] memory treeB = _tree(b);
        bytes32 idA = _anchorBatch(alice, alice, treeA[0], _mask(a), 6);
        vm.warp(START + 1 days);
        bytes32 idB = _anchorBatch(bob, bob, treeB[0], _mask(b), 3);

        assertEq(records.batch(idA).patient, alice, "A patient");
        assertEq(records.batch(idB).patient, bob, "B patient");
        assertEq(records.batch(idB).anchoredAt, START + 1 days, "B time");
        assertTrue(_verify(idB, b[1], _proof(treeB, b[1])), "B leaf in B");
        // A's leaf with A's proof, checked against B.
        assertFalse(_verify(idB, a[1], _proof(treeA, a[1])), "A leaf not in B");
    }

    // ---------------------------------------------------------------------------------------------------------
    // verifyBatchRecord: wrong leaves and proofs
    // ---------------------------------------------------------------------------------------------------------

    function test_VerifyBatchRecord_RejectsWrongLeafOrProof() public {
        Leaf[] memory leaves = _referenceLeaves();
        bytes32[] memory tree = _tree(leaves);
        bytes32 root = tree[0];
        bytes32 id = _anchorBatch(alice, alice, root, REFERENCE_MASK, 5);

        Leaf memory leaf = leaves[3];
        bytes32[] memory proof = _proof(tree, leaf);
        assertTrue(_verify(id, leaf, proof), "the right leaf and proof");

        assertFalse(
            _verify(id, Leaf(leaf.recordId ^ bytes32(uint256(1)), leaf.categories, leaf.keyringDigest), proof),
            "recordId"
        );
        assertFalse(
            _verify(id, Leaf(leaf.recordId, leaf.categories | _bit(3), leaf.keyringDigest), proof),
            "categories"
        );
        assertFalse(_verify(id, Leaf(leaf.recordId, leaf.categories, bytes32(0)), proof), "keyringDigest");
        // Another leaf's proof.
        assertFalse(_verify(id, leaf, _proof(tree, leaves[0])), "leaf 0's proof");
        // Truncated, extended, empty, altered proofs.
        bytes32[] memory truncated = new bytes32[](proof.length - 1);
        for (uint256 i = 0; i < truncated.length; ++i) truncated[i] = proof[i];
        assertFalse(_verify(id, leaf, truncated), "truncated");
        bytes32[] memory extended = new bytes32[](proof.length + 1);
        for (uint256 i = 0; i < proof.length; ++i) extended[i] = proof[i];
        extended[proof.length] = root;
        assertFalse(_verify(id, leaf, extended), "extended");
        assertFalse(_verify(id, leaf, new bytes32[](0)), "empty");
        for (uint256 i = 0; i < proof.length; ++i) {
            bytes32[] memory altered = new bytes32[](proof.length);
            for (uint256 j = 0; j < proof.length; ++j) altered[j] = proof[j];
            altered[i] ^= bytes32(uint256(1) << 255);
            assertFalse(_verify(id, leaf, altered), "altered sibling");
        }
        // The leaf hash itself, or an internal node, is not a leaf (double hashing).
        assertFalse(
            records.verifyBatchRecord(id, _leafHash(leaf), leaf.categories, leaf.keyringDigest, proof),
            "leaf hash as id"
        );
    }

    /// @dev anchorBatch checks write consent only for the declared mask, so verifyBatchRecord refuses a leaf with
    /// a category outside it: a writer with consent for category 1 only can't get a category-9 leaf (alone, or
    /// beside category 1) verified under a mask of {1}.
    function test_VerifyBatchRecord_LeafCategoryOutsideMask_DoesNotVerify() public {
        _grant(alice, hospital, _terms(0, _bit(1), _purposeBit(Purpose.Treatment), uint64(START + 1 days)));
        assertFalse(consent.canAccess(alice, hospital, 9, Action.Write), "no write consent for 9");

        Leaf[] memory leaves = new Leaf[](4);
        leaves[0] = Leaf(_digest("ok"), _bit(1), _digest("ok.keyring"));
        leaves[1] = Leaf(_digest("smuggled"), _bit(9), _digest("smuggled.keyring"));
        leaves[2] = Leaf(_digest("smuggled.beside"), _bit(1) | _bit(9), _digest("smuggled.beside.keyring"));
        leaves[3] = Leaf(_digest("no category"), 0, _digest("no category.keyring"));
        bytes32[] memory tree = _tree(leaves);
        bytes32 id = _anchorBatch(hospital, alice, tree[0], _bit(1), 4);

        assertEq(records.batch(id).categories, _bit(1), "declared mask");
        assertFalse(_verify(id, leaves[1], _proof(tree, leaves[1])), "category-9 leaf is refused");
        assertFalse(_verify(id, leaves[2], _proof(tree, leaves[2])), "category 1+9 leaf is refused");
        assertFalse(_verify(id, leaves[3], _proof(tree, leaves[3])), "a leaf of no category is refused");
        assertTrue(_verify(id, leaves[0], _proof(tree, leaves[0])), "declared-category leaf verifies");
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
        bytes32 id = _anchorBatch(hospital, alice, root, _bit(1) | _bit(3), 5);
        assertEq(records.batch(id).author, hospital, "anchored");
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

        bytes32 id = records.batchIdOf(alice, lab, root);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchNotFound.selector, id));
        records.batch(id);
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

    /// @dev The same author anchoring the same root for the same patient again is refused (a retry meets its own
    /// batch); the first anchor is kept.
    function test_AnchorBatch_RevertWhen_AlreadyAnchored() public {
        bytes32 root = _tree(_referenceLeaves())[0];
        bytes32 id = _anchorBatch(alice, alice, root, REFERENCE_MASK, 5);

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchAlreadyAnchored.selector, id));
        _anchorBatch(alice, alice, root, REFERENCE_MASK, 5);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchAlreadyAnchored.selector, id));
        _anchorBatch(alice, alice, root, _bit(5), 1);

        assertEq(records.batch(id).author, alice, "first anchor kept");
        assertEq(records.batch(id).count, 5, "count kept");
    }

    /// @dev Batches are keyed by (patient, author, root): a hostile patient anchoring the root on its own records
    /// first (front-running a pending anchorBatch seen in the mempool), or a hostile writer with write consent from
    /// the same patient anchoring it first, blocks nothing: the honest batch lands under its own id, and the
    /// squatters' batches are theirs alone.
    function test_AnchorBatch_FrontRunnersDoNotBlockTheRoot() public {
        Leaf[] memory leaves = _referenceLeaves();
        bytes32[] memory tree = _tree(leaves);
        _grant(alice, hospital, _terms(0, REFERENCE_MASK, ALL_PURPOSES, uint64(START + 1 days)));
        _grant(alice, lab, _terms(0, ALL_CATEGORIES, ALL_PURPOSES, uint64(START + 1 days)));

        bytes32 squatBob = _anchorBatch(bob, bob, tree[0], _bit(0), 1);
        bytes32 squatLab = _anchorBatch(lab, alice, tree[0], _bit(0), 1);
        bytes32 id = _anchorBatch(hospital, alice, tree[0], REFERENCE_MASK, 5);

        assertEq(id, records.batchIdOf(alice, hospital, tree[0]), "honest id");
        assertTrue(id != squatBob && id != squatLab, "distinct ids");
        IRecordRegistry.Batch memory entry = records.batch(id);
        assertEq(entry.patient, alice, "patient");
        assertEq(entry.author, hospital, "author");
        assertEq(entry.categories, REFERENCE_MASK, "categories");
        assertEq(entry.count, 5, "count");
        assertTrue(_verify(id, leaves[0], _proof(tree, leaves[0])), "honest leaf verifies in the honest batch");
        assertEq(records.batch(squatBob).patient, bob, "bob's squat is bob's");
        assertEq(records.batch(squatLab).author, lab, "lab's squat is lab's");
        assertFalse(_verify(squatBob, leaves[0], _proof(tree, leaves[0])), "not in bob's declared categories");
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
        bytes32 id = records.batchIdOf(alice, alice, root);

        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchNotFound.selector, id));
        records.batch(id);
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchNotFound.selector, id));
        records.verifyBatchRecord(
            id,
            leaves[0].recordId,
            leaves[0].categories,
            leaves[0].keyringDigest,
            _proof(tree, leaves[0])
        );
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchNotFound.selector, bytes32(0)));
        records.batch(bytes32(0));

        // Known once anchored; the root itself is not an id.
        _anchorBatch(alice, alice, root, REFERENCE_MASK, 5);
        assertEq(records.batch(id).count, 5, "found");
        vm.expectRevert(abi.encodeWithSelector(IRecordRegistry.RecordBatchNotFound.selector, root));
        records.batch(root);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Fuzz
    // ---------------------------------------------------------------------------------------------------------

    /// @dev For 1..64 random leaves, any leaf's StandardMerkleTree proof verifies, and the leaf with another
    /// keyring digest or categories does not.
    function testFuzz_AnchorBatch_ProofVerifies(uint256 seed, uint256 count, uint256 index) public {
        count = bound(count, 1, 64);
        index = bound(index, 0, count - 1);
        Leaf[] memory leaves = _randomLeaves(seed, count);
        bytes32[] memory tree = _tree(leaves);
        uint64 mask = _mask(leaves);

        bytes32 expectedId = records.batchIdOf(alice, alice, tree[0]);
        vm.expectEmit(true, true, true, true, address(records));
        emit IRecordRegistry.BatchAnchored(expectedId, alice, alice, tree[0], mask, uint32(count), manifest);
        bytes32 id = _anchorBatch(alice, alice, tree[0], mask, uint32(count));

        Leaf memory leaf = leaves[index];
        bytes32[] memory proof = _proof(tree, leaf);
        assertTrue(_verify(id, leaf, proof), "proof verifies");
        assertFalse(_verify(id, Leaf(leaf.recordId, leaf.categories, ~leaf.keyringDigest), proof), "keyring");
        // Another mask within the batch's (when there is one) does not verify either.
        uint64 other = leaf.categories ^ (mask & ~leaf.categories);
        if (other != leaf.categories)
            assertFalse(_verify(id, Leaf(leaf.recordId, other, leaf.keyringDigest), proof), "categories");
    }

    /// @dev A leaf verifies only when every one of its categories is among those the batch declared on chain (the
    /// ones its author's write consent was checked for): a hostile writer's undeclared entry is never a record of
    /// the batch (issue 11, item 1), whatever the masks.
    function testFuzz_BatchLeaf_VerifiesOnlyInDeclaredCategories(
        uint64 declared,
        uint64 leafMask,
        uint256 seed
    ) public {
        if (declared == 0) declared = 1;
        if (leafMask == 0) leafMask = 1;
        Leaf[] memory leaves = _randomLeaves(seed, 4);
        leaves[1].categories = leafMask;
        bytes32[] memory tree = _tree(leaves);
        bytes32 id = _anchorBatch(alice, alice, tree[0], declared, 4);
        bool declaredOnly = leafMask & ~declared == 0;
        assertEq(
            _verify(id, leaves[1], _proof(tree, leaves[1])),
            declaredOnly,
            "verifies iff within the declared mask"
        );
    }
}
