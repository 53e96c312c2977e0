// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IDirectory} from "../../contracts/interfaces/IDirectory.sol";
import {CarechainTest} from "./utils/Test.sol";

/// @notice The Directory's post-quantum key commitment: a registered patient or provider (suspended too) commits to
/// the SHA-256 digest of its X-Wing key document, replaces or removes it; nobody else can; it touches no X25519 key.
contract DirectoryPqKeyTest is CarechainTest {
    bytes32 internal constant DOC = keccak256("carechain.test.pq.document");

    function setUp() public {
        _deploy();
    }

    function test_patientCommitsReplacesAndRemoves() public {
        vm.expectEmit(true, true, true, true, address(directory));
        emit IDirectory.PqKeySet(alice, DOC);
        vm.prank(alice);
        directory.setPqKey(DOC);
        assertEq(directory.pqKeyOf(alice), DOC);
        assertEq(directory.encryptionKeyOf(alice), ALICE_KEY, "the X25519 key is untouched");

        bytes32 next = keccak256("next");
        vm.prank(alice);
        directory.setPqKey(next);
        assertEq(directory.pqKeyOf(alice), next);

        vm.expectEmit(true, true, true, true, address(directory));
        emit IDirectory.PqKeySet(alice, bytes32(0));
        vm.prank(alice);
        directory.setPqKey(bytes32(0));
        assertEq(directory.pqKeyOf(alice), bytes32(0));
    }

    function test_providerCommitsEvenWhenSuspended() public {
        vm.prank(REGISTRAR);
        directory.suspendProvider(hospital);
        vm.prank(hospital);
        directory.setPqKey(DOC);
        assertEq(directory.pqKeyOf(hospital), DOC);
        assertEq(directory.pqKeyOf(alice), bytes32(0), "one account's commitment is its own");
    }

    /// forge-config: default.fuzz.runs = 256
    function testFuzz_unregisteredAccountIsRefused(address account, bytes32 digest) public {
        vm.assume(!_isFixture(account) && account != address(0));
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryAccountNotRegistered.selector, account));
        vm.prank(account);
        directory.setPqKey(digest);
        assertEq(directory.pqKeyOf(account), bytes32(0));
    }

    function testFuzz_registeredAccountSetsAnyDigest(bytes32 digest) public {
        vm.prank(bob);
        directory.setPqKey(digest);
        assertEq(directory.pqKeyOf(bob), digest);
    }
}
