// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IDirectory} from "../../contracts/interfaces/IDirectory.sol";
import {OwnerWallet} from "./ConsentRegistry.signedConsent.t.sol";
import {CarechainTest} from "./utils/Test.sol";

/// @notice Gasless patient registration (registerPatientBySig) from the side of a hostile relayer: the signature is
/// the pseudonym's, the caller is anyone. The EIP-712 digest is built here from the definitions, never read from the
/// contract, so a wrong type string or domain fails.
contract DirectoryRegisterBySigTest is CarechainTest {
    bytes32 internal constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 internal constant REGISTER_TYPEHASH = keccak256(
        "RegisterPatient(address patient,bytes32 encryptionKey,uint256 deadline)"
    );
    bytes32 internal constant PSEUDONYM_KEY = bytes32(
        uint256(keccak256("carechain.test.pseudonym.x25519")) & ~X25519_BIT_255
    );
    bytes32 internal constant OTHER_KEY = bytes32(uint256(keccak256("carechain.test.other.x25519")) & ~X25519_BIT_255);
    uint256 internal constant PSEUDONYM_PK = 0x95E0;
    uint256 internal constant MALLORY_PK = 0x3A11;

    address internal pseudonym;
    address internal mallory;
    uint256 internal deadline;

    function setUp() public {
        _deploy();
        pseudonym = vm.addr(PSEUDONYM_PK);
        mallory = vm.addr(MALLORY_PK);
        vm.label(pseudonym, "pseudonym");
        vm.label(mallory, "mallory");
        deadline = START + 1 hours;
    }

    function _digest(
        uint256 chainId,
        address verifying,
        address who,
        bytes32 key,
        uint256 until
    ) internal pure returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("Carechain Directory"), keccak256("1"), chainId, verifying)
        );
        return
            keccak256(abi.encodePacked("\x19\x01", domain, keccak256(abi.encode(REGISTER_TYPEHASH, who, key, until))));
    }

    function _sign(uint256 pk, address who, bytes32 key, uint256 until) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(pk, _digest(block.chainid, address(directory), who, key, until));
        return abi.encodePacked(r, s, v);
    }

    function test_TypeHash_MatchesDefinition() public view {
        assertEq(directory.REGISTER_PATIENT_TYPEHASH(), REGISTER_TYPEHASH, "type hash");
    }

    function test_RegisterBySig_RegistersTheSignerNotTheRelayer() public {
        bytes memory signature = _sign(PSEUDONYM_PK, pseudonym, PSEUDONYM_KEY, deadline);
        vm.expectEmit(true, true, true, true, address(directory));
        emit IDirectory.PatientRegistered(pseudonym, PSEUDONYM_KEY);
        vm.prank(hospital);
        directory.registerPatientBySig(pseudonym, PSEUDONYM_KEY, deadline, signature);

        assertTrue(directory.isPatient(pseudonym), "pseudonym registered");
        assertEq(directory.encryptionKeyOf(pseudonym), PSEUDONYM_KEY, "key");
        assertEq(directory.patient(pseudonym).registeredAt, START, "registeredAt");
        assertFalse(directory.isPatient(hospital), "relayer unchanged");
        assertTrue(directory.isActiveProvider(hospital), "relayer still a provider");
    }

    function test_RegisterBySig_RevertWhen_SignedByAnotherAccount() public {
        bytes memory signature = _sign(MALLORY_PK, pseudonym, PSEUDONYM_KEY, deadline);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryInvalidSignature.selector, pseudonym));
        vm.prank(mallory);
        directory.registerPatientBySig(pseudonym, PSEUDONYM_KEY, deadline, signature);
        assertFalse(directory.isPatient(pseudonym), "not registered");
    }

    function test_RegisterBySig_RevertWhen_Expired() public {
        bytes memory signature = _sign(PSEUDONYM_PK, pseudonym, PSEUDONYM_KEY, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectorySignatureExpired.selector, deadline, deadline + 1));
        directory.registerPatientBySig(pseudonym, PSEUDONYM_KEY, deadline, signature);
    }

    function test_RegisterBySig_AcceptedAtTheDeadline() public {
        bytes memory signature = _sign(PSEUDONYM_PK, pseudonym, PSEUDONYM_KEY, deadline);
        vm.warp(deadline);
        directory.registerPatientBySig(pseudonym, PSEUDONYM_KEY, deadline, signature);
        assertTrue(directory.isPatient(pseudonym), "registered at the deadline");
    }

    function test_RegisterBySig_RevertWhen_Replayed() public {
        bytes memory signature = _sign(PSEUDONYM_PK, pseudonym, PSEUDONYM_KEY, deadline);
        directory.registerPatientBySig(pseudonym, PSEUDONYM_KEY, deadline, signature);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryAlreadyRegistered.selector, pseudonym));
        vm.prank(mallory);
        directory.registerPatientBySig(pseudonym, PSEUDONYM_KEY, deadline, signature);
    }

    /// @dev A relayer that front-runs with another key, a longer deadline or another account cannot reuse the
    /// signature: each field is under it.
    function test_RegisterBySig_RevertWhen_RelayerChangesAField() public {
        bytes memory signature = _sign(PSEUDONYM_PK, pseudonym, PSEUDONYM_KEY, deadline);
        vm.startPrank(mallory);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryInvalidSignature.selector, pseudonym));
        directory.registerPatientBySig(pseudonym, OTHER_KEY, deadline, signature);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryInvalidSignature.selector, pseudonym));
        directory.registerPatientBySig(pseudonym, PSEUDONYM_KEY, deadline + 1, signature);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryInvalidSignature.selector, mallory));
        directory.registerPatientBySig(mallory, PSEUDONYM_KEY, deadline, signature);
        vm.stopPrank();
        assertFalse(directory.isPatient(mallory), "mallory not registered");

        // The honest relay still goes through afterwards, with the signed key.
        directory.registerPatientBySig(pseudonym, PSEUDONYM_KEY, deadline, signature);
        assertEq(directory.encryptionKeyOf(pseudonym), PSEUDONYM_KEY, "signed key");
    }

    /// @dev A signature made for another chain or another Directory deployment does not register here.
    function test_RegisterBySig_RevertWhen_SignedForAnotherDomain() public {
        bytes32 otherChain = _digest(block.chainid + 1, address(directory), pseudonym, PSEUDONYM_KEY, deadline);
        bytes32 otherDirectory = _digest(block.chainid, address(consent), pseudonym, PSEUDONYM_KEY, deadline);
        bytes32[2] memory digests = [otherChain, otherDirectory];
        for (uint256 i = 0; i < digests.length; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(PSEUDONYM_PK, digests[i]);
            vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryInvalidSignature.selector, pseudonym));
            directory.registerPatientBySig(pseudonym, PSEUDONYM_KEY, deadline, abi.encodePacked(r, s, v));
        }
    }

    /// @dev The pseudonym can't be registered over an existing patient or provider, even with its own signature.
    function test_RegisterBySig_RevertWhen_AlreadyRegistered() public {
        bytes memory signature = _sign(ALICE_PK, alice, OTHER_KEY, deadline);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryAlreadyRegistered.selector, alice));
        directory.registerPatientBySig(alice, OTHER_KEY, deadline, signature);
        assertEq(directory.encryptionKeyOf(alice), ALICE_KEY, "alice's key unchanged");

        bytes memory providerSignature = _sign(HOSPITAL_PK, hospital, OTHER_KEY, deadline);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryAlreadyRegistered.selector, hospital));
        directory.registerPatientBySig(hospital, OTHER_KEY, deadline, providerSignature);
    }

    function test_RegisterBySig_RevertWhen_BadKeyOrZeroAccount() public {
        bytes memory signature = _sign(PSEUDONYM_PK, pseudonym, bytes32(0), deadline);
        vm.expectRevert(IDirectory.DirectoryInvalidEncryptionKey.selector);
        directory.registerPatientBySig(pseudonym, bytes32(0), deadline, signature);

        vm.expectRevert(IDirectory.DirectoryZeroAddress.selector);
        directory.registerPatientBySig(address(0), PSEUDONYM_KEY, deadline, new bytes(65));
    }

    function test_RegisterBySig_RevertWhen_SignatureMalformed() public {
        bytes memory signature = _sign(PSEUDONYM_PK, pseudonym, PSEUDONYM_KEY, deadline);
        bytes memory truncated = new bytes(64);
        for (uint256 i = 0; i < 64; ++i) truncated[i] = signature[i];
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryInvalidSignature.selector, pseudonym));
        directory.registerPatientBySig(pseudonym, PSEUDONYM_KEY, deadline, truncated);

        bytes memory flipped = bytes.concat(signature);
        flipped[7] = bytes1(uint8(flipped[7]) ^ 0x01);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryInvalidSignature.selector, pseudonym));
        directory.registerPatientBySig(pseudonym, PSEUDONYM_KEY, deadline, flipped);
    }

    /// @dev An ERC-1271 wallet registers through its owner's signature.
    function test_RegisterBySig_AcceptsContractWallet() public {
        OwnerWallet wallet = new OwnerWallet(pseudonym);
        bytes memory signature = _sign(PSEUDONYM_PK, address(wallet), PSEUDONYM_KEY, deadline);
        directory.registerPatientBySig(address(wallet), PSEUDONYM_KEY, deadline, signature);
        assertTrue(directory.isPatient(address(wallet)), "wallet registered");

        OwnerWallet other = new OwnerWallet(mallory);
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryInvalidSignature.selector, address(other)));
        directory.registerPatientBySig(
            address(other),
            PSEUDONYM_KEY,
            deadline,
            _sign(PSEUDONYM_PK, address(other), PSEUDONYM_KEY, deadline)
        );
    }

    function testFuzz_RegisterBySig_OnlyTheSignerRegisters(uint256 signerPk, uint256 deadlineOffset) public {
        signerPk = bound(signerPk, 1, 2 ** 200);
        deadlineOffset = bound(deadlineOffset, 0, 365 days);
        address signer = vm.addr(signerPk);
        if (signer == alice || signer == bob || signer == hospital || signer == lab) return;
        uint256 until = block.timestamp + deadlineOffset;
        bytes memory signature = _sign(signerPk, pseudonym, PSEUDONYM_KEY, until);
        if (signer == pseudonym) {
            directory.registerPatientBySig(pseudonym, PSEUDONYM_KEY, until, signature);
            assertTrue(directory.isPatient(pseudonym), "signer registered");
            return;
        }
        vm.expectRevert(abi.encodeWithSelector(IDirectory.DirectoryInvalidSignature.selector, pseudonym));
        directory.registerPatientBySig(pseudonym, PSEUDONYM_KEY, until, signature);
        directory.registerPatientBySig(signer, PSEUDONYM_KEY, until, _sign(signerPk, signer, PSEUDONYM_KEY, until));
        assertTrue(directory.isPatient(signer), "signer registers itself");
    }
}
