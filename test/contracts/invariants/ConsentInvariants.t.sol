// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ConsentRegistry} from "../../../contracts/ConsentRegistry.sol";
import {Directory} from "../../../contracts/Directory.sol";
import {IDirectory} from "../../../contracts/interfaces/IDirectory.sol";
import {RecordRegistry} from "../../../contracts/RecordRegistry.sol";
import {IConsentRegistry, IPS_CATEGORIES} from "../../../contracts/interfaces/IConsentRegistry.sol";
import {Action} from "../../../contracts/types/Action.sol";
import {ConsentTerms} from "../../../contracts/types/ConsentTerms.sol";
import {EMERGENCY_PURPOSES, Purpose} from "../../../contracts/types/Purpose.sol";
import {CarechainTest} from "../utils/Test.sol";

/// @title ConsentHandler
/// @notice The fuzz target of the consent/record invariant tests ({ConsentInvariantsTest} below; it lives in this
/// file so that running this file alone still compiles it: EDR only fuzzes contracts it has an artifact for).
/// Every external non-view function is one user action with fuzzed arguments: a patient grants (random masks, purposes, expiry)
/// or revokes, time passes, the registrar suspends or reinstates a provider, a random caller anchors a record
/// (new or amendment) or a batch, an emergency provider opens or someone closes break-glass, a patient sets
/// emergency categories.
///
/// Each action first predicts from the ghost state whether the contracts must accept it (the rules of
/// IConsentRegistry / IRecordRegistry / IDirectory, re-stated here independently), then makes the call in a
/// try/catch and, when the call succeeded, applies its effect to the ghost state. Nothing here reverts on a
/// broken rule (the invariant runner ignores handler reverts): broken rules are counted, and the invariants
/// assert the counters are zero.
///
/// Actors: patients alice and bob (registered) and `STRANGER` (not registered, used as a would-be patient and a
/// would-be grantee); providers hospital (Hospital), lab (Lab) and ems (Emergency). Grantees: hospital, lab, ems,
/// bob and STRANGER (bob is another patient for alice, himself for bob).
contract ConsentHandler is CarechainTest {
    /// @dev Mask of every valid purpose (Treatment .. BreakTheGlass).
    uint32 internal constant VALID_PURPOSES = 0x3f;
    uint64 internal constant BREAK_GLASS_MAX = 24 hours;

    /// @dev The ghost copy of one grant (expiresAt == 0: none stored).
    struct GhostGrant {
        uint64 readMask;
        uint64 writeMask;
        uint32 purposes;
        uint64 expiresAt;
    }

    /// @dev A record the ghost saw anchored.
    struct GhostRecord {
        bytes32 id;
        address patient;
        uint8 category;
        bool amended;
        address originalAuthor;
    }

    address internal ems;

    address[3] internal _patients;
    address[5] internal _grantees;
    address[6] internal _authors;
    address[3] internal _providers;
    /// @dev Categories the invariants check (64 and 200 are out of range: never accessible).
    uint8[8] internal _tracked = [0, 1, 3, 4, 5, 17, 63, 64];

    // ── Ghost state ────────────────────────────────────────────────────────────────────────────────────────
    /// @notice The block time of the model; every action warps the chain to it first.
    uint256 public time;
    mapping(address patient => mapping(address grantee => GhostGrant)) internal _grants;
    mapping(address patient => mapping(address provider => uint64)) internal _breakGlass;
    mapping(address patient => uint64) internal _emergency;
    mapping(address patient => bool) internal _emergencySet;
    mapping(address provider => bool) internal _suspended;
    /// @notice Set by a successful revoke, cleared by the next successful grant to the same grantee.
    mapping(address patient => mapping(address grantee => bool)) public revokedSinceGrant;
    /// @notice Successful anchors (new records and amendments) per patient.
    mapping(address patient => uint256) public ghostRecordCount;
    GhostRecord[] internal _records;
    /// @dev The original author of the record {_anchor} is anchoring (kept off the stack).
    address internal _pendingOriginalAuthor;
    uint256 internal _nonce;

    // ── Counters the invariants assert on ─────────────────────────────────────────────────────────────────
    /// @notice Records or batches the contracts accepted from an author without live write consent (at that time).
    uint256 public writeViolations;
    /// @notice Amendments the contracts accepted from an author that is neither the record's original author nor its
    /// patient (the handler names no delegates).
    uint256 public amenderViolations;
    /// @notice Calls whose outcome (accepted or refused) differed from the model's prediction.
    uint256 public outcomeMismatches;
    /// @notice The first action whose outcome differed from the prediction (for the failure message).
    string public firstMismatch;

    // ── Statistics (how much of the state space a run reached) ─────────────────────────────────────────────
    uint256 public grantsOk;
    uint256 public revokesOk;
    uint256 public anchorsOk;
    uint256 public amendmentsOk;
    uint256 public batchesOk;
    uint256 public breakGlassOpened;
    /// @notice Openings refused by the cooldown or a rate limit (not modelled here).
    uint256 public breakGlassLimited;
    uint256 public refusals;

    constructor(
        Directory directory_,
        ConsentRegistry consent_,
        RecordRegistry records_,
        address alice_,
        address bob_,
        address hospital_,
        address lab_,
        address ems_
    ) {
        (directory, consent, records) = (directory_, consent_, records_);
        (alice, bob, hospital, lab, ems) = (alice_, bob_, hospital_, lab_, ems_);
        _patients = [alice, bob, STRANGER];
        _grantees = [hospital, lab, ems, bob, STRANGER];
        _authors = [alice, bob, hospital, lab, ems, STRANGER];
        _providers = [hospital, lab, ems];
        time = block.timestamp;
    }

    modifier atModelTime() {
        vm.warp(time);
        _;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Actions
    // ---------------------------------------------------------------------------------------------------------

    /// @notice A patient (or the unregistered STRANGER) grants a grantee random terms.
    function grant(
        uint256 patientSeed,
        uint256 granteeSeed,
        uint64 readMask,
        uint64 writeMask,
        uint32 purposes,
        uint256 expirySeed
    ) external atModelTime {
        address p = _patients[patientSeed % 3];
        address g = _grantees[granteeSeed % 5];
        purposes = uint32(bound(purposes, 0, 0x7f));
        // Mostly in the future (up to 3 days), sometimes now or just past: refused.
        uint64 expiresAt = uint64(bound(expirySeed, time - 1 hours, time + 3 days));
        bool expected =
            _isPatient(p) &&
                g != p &&
                _hasKey(g) &&
                (readMask | writeMask) != 0 &&
                purposes != 0 &&
                purposes & ~VALID_PURPOSES == 0 &&
                expiresAt > time;

        vm.prank(p);
        try consent.grant(g, _terms(readMask, writeMask, purposes, expiresAt)) {
            _outcome(true, expected, "grant");
            _grants[p][g] = GhostGrant(readMask, writeMask, purposes, expiresAt);
            revokedSinceGrant[p][g] = false;
            ++grantsOk;
        } catch {
            _outcome(false, expected, "grant");
        }
    }

    /// @notice A patient revokes a grantee's consent.
    function revoke(uint256 patientSeed, uint256 granteeSeed) external atModelTime {
        address p = _patients[patientSeed % 3];
        address g = _grantees[granteeSeed % 5];
        // A stored grant is revocable even once expired.
        bool expected = _grants[p][g].expiresAt != 0;

        vm.prank(p);
        try consent.revoke(g) {
            _outcome(true, expected, "revoke");
            delete _grants[p][g];
            revokedSinceGrant[p][g] = true;
            ++revokesOk;
        } catch {
            _outcome(false, expected, "revoke");
        }
    }

    /// @notice Time passes (0 .. 2 days).
    function warp(uint256 secondsSeed) external {
        time += bound(secondsSeed, 0, 2 days);
        vm.warp(time);
    }

    /// @notice The registrar suspends or reinstates an account (only providers can be; no-op changes are refused).
    function setSuspended(uint256 accountSeed, bool suspend) external atModelTime {
        address a = _grantees[accountSeed % 5];
        bool expected = _isProvider(a) && _suspended[a] != suspend;

        vm.prank(REGISTRAR);
        if (suspend) {
            try directory.suspendProvider(a) {
                _outcome(true, expected, "suspend");
                _suspended[a] = true;
            } catch {
                _outcome(false, expected, "suspend");
            }
        } else {
            try directory.reinstateProvider(a) {
                _outcome(true, expected, "reinstate");
                _suspended[a] = false;
            } catch {
                _outcome(false, expected, "reinstate");
            }
        }
    }

    /// @notice A random caller anchors a new record version for a patient (categories 0..66: 64 and above are an
    /// empty category mask, refused).
    function anchor(uint256 patientSeed, uint256 authorSeed, uint256 categorySeed) external atModelTime {
        address p = _patients[patientSeed % 3];
        address author = _authors[authorSeed % 6];
        uint8 category = uint8(bound(categorySeed, 0, 66));
        _anchor(p, author, category, bytes32(0), true, author);
    }

    /// @notice A random caller amends an anchored record: mostly with the record's own patient and category
    /// (refused when already amended, or when the caller is neither its original author nor its patient),
    /// sometimes with another category (refused as a mismatch).
    function amend(uint256 recordSeed, uint256 authorSeed, bool otherCategory) external atModelTime {
        if (_records.length == 0) return;
        uint256 index = recordSeed % _records.length;
        GhostRecord memory prior = _records[index];
        address author = _authors[authorSeed % 6];
        uint8 category = otherCategory ? uint8((uint256(prior.category) + 1) % 64) : prior.category;
        bool mayAmend = author == prior.originalAuthor || author == prior.patient;
        bool shapeOk = !otherCategory && !prior.amended && mayAmend;
        bool ok = _anchor(prior.patient, author, category, prior.id, shapeOk, prior.originalAuthor);
        if (ok) {
            if (!mayAmend) ++amenderViolations;
            _records[index].amended = true;
            ++amendmentsOk;
        }
    }

    /// @notice A random caller anchors a batch covering one or two categories (count 0 is refused).
    function anchorBatch(
        uint256 patientSeed,
        uint256 authorSeed,
        uint8 first,
        uint8 second,
        bool two,
        uint32 count
    ) external atModelTime {
        address p = _patients[patientSeed % 3];
        address author = _authors[authorSeed % 6];
        uint64 categories = _bit(first % 64) | (two ? _bit(second % 64) : 0);
        count = uint32(bound(count, 0, 8));
        bool allowed = true;
        for (uint8 c = 0; c < 64; ++c) {
            if (categories & _bit(c) != 0 && !modelCanAccess(p, author, c, Action.Write, ALL_PURPOSES)) allowed = false;
        }
        bytes32 root = keccak256(abi.encode("batch", ++_nonce));
        bytes memory manifest = _cid(keccak256(abi.encode("manifest", _nonce)));

        vm.prank(author);
        try records.anchorBatch(p, root, categories, count, manifest) {
            _outcome(true, allowed && count > 0, "anchorBatch");
            if (!allowed) ++writeViolations;
            ++batchesOk;
        } catch {
            _outcome(false, allowed && count > 0, "anchorBatch");
        }
    }

    /// @notice A provider (only ems is an Emergency provider) opens break-glass on a patient.
    function openBreakGlass(uint256 patientSeed, uint256 providerSeed, uint64 duration) external atModelTime {
        address p = _patients[patientSeed % 3];
        address provider = _providers[providerSeed % 3];
        duration = uint64(bound(duration, 0, BREAK_GLASS_MAX + 1 hours));
        bool expected =
            provider == ems &&
                !_suspended[provider] &&
                _isPatient(p) &&
                duration != 0 &&
                duration <= BREAK_GLASS_MAX &&
                _breakGlass[p][provider] <= time;

        vm.prank(provider);
        try consent.openBreakGlass(p, keccak256("invariant"), duration) {
            _outcome(true, expected, "openBreakGlass");
            _breakGlass[p][provider] = uint64(time) + duration;
            ++breakGlassOpened;
        } catch (bytes memory reason) {
            // The cooldown after an episode and the rate limits are not in this model (a close then a reopen within
            // 15 minutes, a sixth opening on a patient in a day): ConsentRegistry.breakGlassLimits.t.sol models them.
            // A refusal for one of them is right when the model accepts everything else.
            if (expected && _isBreakGlassLimit(reason)) ++breakGlassLimited;
            else _outcome(false, expected, "openBreakGlass");
        }
    }

    /// @notice The provider, the patient or a third party closes break-glass.
    function closeBreakGlass(uint256 patientSeed, uint256 providerSeed, uint256 actorSeed) external atModelTime {
        address p = _patients[patientSeed % 3];
        address provider = _providers[providerSeed % 3];
        address actor =
            actorSeed % 3 == 0
                ? provider
                : actorSeed % 3 == 1
                    ? p
                    : _authors[actorSeed % 6];
        bool expected = (actor == provider || actor == p) && _breakGlass[p][provider] > time;

        vm.prank(actor);
        try consent.closeBreakGlass(p, provider) {
            _outcome(true, expected, "closeBreakGlass");
            delete _breakGlass[p][provider];
        } catch {
            _outcome(false, expected, "closeBreakGlass");
        }
    }

    /// @notice A patient sets the categories break-glass may read (anyone may set their own: a STRANGER's policy is
    /// harmless, nobody can open break-glass on an unregistered patient).
    function setEmergencyCategories(uint256 patientSeed, uint64 categories) external atModelTime {
        address p = _patients[patientSeed % 3];
        vm.prank(p);
        try consent.setEmergencyCategories(p, categories) {
            _outcome(true, true, "setEmergencyCategories");
            (_emergency[p], _emergencySet[p]) = (categories, true);
        } catch {
            _outcome(false, true, "setEmergencyCategories");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The model (views: never fuzz targets)
    // ---------------------------------------------------------------------------------------------------------

    /// @notice What `canAccessForPurpose` must answer, by the ghost state, at {time}: the patient herself while
    /// registered; otherwise a live grant covering the category, action and one of `purposes`, or (read only, for an
    /// emergency purpose) open break-glass on an emergency category; never for a suspended grantee.
    function modelCanAccess(address p, address g, uint8 c, Action a, uint32 purposes) public view returns (bool) {
        if (c > 63) return false;
        if (g == p) return _isPatient(p);
        GhostGrant memory t = _grants[p][g];
        uint64 mask = a == Action.Read ? t.readMask : t.writeMask;
        bool viaConsent = time < t.expiresAt && t.purposes & purposes != 0 && mask & _bit(c) != 0;
        bool viaBreakGlass =
            a == Action.Read &&
                purposes & EMERGENCY_PURPOSES != 0 &&
                _breakGlass[p][g] > time &&
                emergencyCategories(p) & _bit(c) != 0;
        return (viaConsent || viaBreakGlass) && !_suspended[g];
    }

    /// @notice The ghost emergency categories (the IPS set until the patient sets her own).
    function emergencyCategories(address p) public view returns (uint64) {
        return _emergencySet[p] ? _emergency[p] : IPS_CATEGORIES;
    }

    /// @notice The ghost grant.
    function ghostGrant(address p, address g) external view returns (GhostGrant memory) {
        return _grants[p][g];
    }

    /// @notice Whether break-glass of `provider` on `p` is open by the ghost state.
    function breakGlassOpen(address p, address provider) external view returns (bool) {
        return _breakGlass[p][provider] > time;
    }

    function patients() external view returns (address[3] memory) {
        return _patients;
    }

    function grantees() external view returns (address[5] memory) {
        return _grantees;
    }

    function tracked() external view returns (uint8[8] memory) {
        return _tracked;
    }

    function anchoredRecords() external view returns (uint256) {
        return _records.length;
    }

    /// @notice Compares `canAccess` (and `canAccessForPurpose` for every purpose) with the model for every patient,
    /// grantee, tracked category and action, at the current block time (the caller warps to {time} first).
    /// @return divergences How many answers differed. @return first The first (patient, grantee, category, action).
    function canAccessDivergences() external view returns (uint256 divergences, bytes memory first) {
        for (uint256 i = 0; i < 3; ++i) {
            for (uint256 j = 0; j < 5; ++j) {
                for (uint256 k = 0; k < _tracked.length; ++k) {
                    (address p, address g, uint8 c) = (_patients[i], _grantees[j], _tracked[k]);
                    for (uint8 a = 0; a < 2; ++a) {
                        bool actual = consent.canAccess(p, g, c, Action(a));
                        if (actual != modelCanAccess(p, g, c, Action(a), ALL_PURPOSES)) {
                            if (divergences++ == 0) first = abi.encode(p, g, c, a, actual);
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Anchors a fresh record (a new content CID each time); `shapeOk` says whether the amendment link itself
    /// is acceptable; `originalAuthor` is the author of the record line's first version. Returns whether the
    /// contract accepted it.
    function _anchor(
        address p,
        address author,
        uint8 category,
        bytes32 previous,
        bool shapeOk,
        address originalAuthor
    ) internal returns (bool) {
        bool allowed = category <= 63 && modelCanAccess(p, author, category, Action.Write, ALL_PURPOSES);
        _pendingOriginalAuthor = originalAuthor;
        bytes32 digest = keccak256(abi.encode("content", ++_nonce));
        bytes memory contentCid = _nonce % 4 == 0 ? _cidDagPb(digest) : _cid(digest);
        bytes memory keyringCid = _cid(keccak256(abi.encode("keyring", _nonce)));
        string memory what = previous == bytes32(0) ? "anchor" : "amend";

        vm.prank(author);
        try records.anchor(p, category <= 63 ? _bit(category) : 0, contentCid, keyringCid, previous) returns (
            bytes32 id
        ) {
            _outcome(true, allowed && shapeOk, what);
            if (!allowed) ++writeViolations;
            if (id != keccak256(abi.encode(p, author, digest))) {
                _outcome(false, true, "anchor: record id is not (patient, author, content digest)");
            }
            ++ghostRecordCount[p];
            _records.push(GhostRecord(id, p, category, false, _pendingOriginalAuthor));
            ++anchorsOk;
            return true;
        } catch {
            _outcome(false, allowed && shapeOk, what);
            return false;
        }
    }

    /// @dev Counts an outcome that differs from the prediction.
    function _outcome(bool accepted, bool expected, string memory what) internal {
        if (!accepted) ++refusals;
        if (accepted != expected) {
            if (outcomeMismatches++ == 0) {
                firstMismatch = string.concat(
                    what,
                    accepted ? ": accepted, model refuses" : ": refused, model accepts"
                );
            }
        }
    }

    /// @dev Whether `reason` is the revert data of a break-glass cooldown or rate limit.
    function _isBreakGlassLimit(bytes memory reason) internal pure returns (bool) {
        if (reason.length < 4) return false;
        bytes4 selector = bytes4(reason);
        return
            selector == IConsentRegistry.ConsentBreakGlassCooldown.selector ||
            selector == IConsentRegistry.ConsentBreakGlassProviderRateLimited.selector ||
            selector == IConsentRegistry.ConsentBreakGlassPatientRateLimited.selector;
    }

    function _isPatient(address a) internal view returns (bool) {
        return a == alice || a == bob;
    }

    function _isProvider(address a) internal view returns (bool) {
        return a == hospital || a == lab || a == ems;
    }

    /// @dev Registered accounts (patients and providers) have an encryption key; grants need one.
    function _hasKey(address a) internal view returns (bool) {
        return _isPatient(a) || _isProvider(a);
    }
}

/// @title ConsentInvariantsTest
/// @notice Invariant (stateful fuzz) tests of consent and anchoring. EDR's invariant runner (Foundry's
/// conventions) calls random actions of {ConsentHandler} — the only target, named by {targetContracts} — in random
/// sequences, and checks every `invariant_*` function after each call:
///  1. `canAccess(patient, grantee, category, action)` equals the ghost model for every tracked patient, grantee,
///     category and action;
///  2. no record or batch is ever anchored by an author without live write consent at that time;
///  3. `recordCount(patient)` equals the ghost count of successful anchors;
///  4. a revoked grantee has no consent-based access (no stored grant, no write, no read for a non-emergency
///     purpose) until granted again;
///  5. only a record's original author or its patient amends it;
/// and every action was accepted or refused exactly as the model predicted.
/// Runs and depth are kept small (inline `hardhat-config`) so the suite stays fast; raise them to search harder.
contract ConsentInvariantsTest is CarechainTest {
    uint256 internal constant EMS_PK = 0xE3E3;

    ConsentHandler internal handler;

    function setUp() public {
        _deploy();
        address ems = vm.addr(EMS_PK);
        vm.prank(REGISTRAR);
        directory.registerProvider(ems, IDirectory.ProviderKind.Emergency, _x25519("ems.x25519"));
        handler = new ConsentHandler(directory, consent, records, alice, bob, hospital, lab, ems);
        vm.label(address(handler), "ConsentHandler");
    }

    /// @notice Foundry/EDR convention: only the handler is fuzzed (not the contracts it drives).
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Invariants
    // ---------------------------------------------------------------------------------------------------------

    /// @notice (1) canAccess equals the ghost model.
    /// hardhat-config: invariant.runs = 24
    /// hardhat-config: invariant.depth = 40
    function invariant_CanAccessMatchesModel() public {
        _checkCanAccess();
    }

    /// @notice (2) Nothing anchored without live write consent.
    /// hardhat-config: invariant.runs = 24
    /// hardhat-config: invariant.depth = 40
    function invariant_NoAnchorWithoutWriteConsent() public view {
        assertEq(handler.writeViolations(), 0, "records/batches anchored without live write consent");
    }

    /// @notice (5) Only a record's original author or its patient amends it.
    /// hardhat-config: invariant.runs = 24
    /// hardhat-config: invariant.depth = 40
    function invariant_OnlyOriginalAuthorOrPatientAmends() public view {
        assertEq(handler.amenderViolations(), 0, "amendments by someone other than the original author or patient");
    }

    /// @notice (3) recordCount equals the ghost count of successful anchors.
    /// hardhat-config: invariant.runs = 24
    /// hardhat-config: invariant.depth = 40
    function invariant_RecordCountMatchesGhost() public view {
        _checkRecordCounts();
    }

    /// @notice (4) A revoked grantee has no consent-based access until granted again.
    /// hardhat-config: invariant.runs = 24
    /// hardhat-config: invariant.depth = 40
    function invariant_RevokedGranteeHasNoAccess() public {
        _checkRevoked();
    }

    /// @notice Every action was accepted or refused exactly as the model predicted.
    /// hardhat-config: invariant.runs = 24
    /// hardhat-config: invariant.depth = 40
    function invariant_OutcomesMatchModel() public view {
        assertEq(handler.outcomeMismatches(), 0, handler.firstMismatch());
    }

    // ---------------------------------------------------------------------------------------------------------
    // The same, as seeded stateful fuzz tests (deterministic replays; independent of the invariant runner)
    // ---------------------------------------------------------------------------------------------------------

    /// @notice A seed drives 24 random handler actions; every invariant is checked after each one.
    /// hardhat-config: fuzz.runs = 32
    function testFuzz_RandomActionSequence_KeepsInvariants(uint256 seed) public {
        for (uint256 i = 0; i < 24; ++i) {
            _step(uint256(keccak256(abi.encode(seed, i))));
            _checkAll();
        }
    }

    /// @notice A long fixed-seed sequence reaches every kind of state change (the handler is not vacuous) and keeps
    /// every invariant.
    function test_LongSequence_ReachesEveryActionAndKeepsInvariants() public {
        for (uint256 i = 0; i < 400; ++i) {
            _step(uint256(keccak256(abi.encode("carechain.invariants", i))));
            if (i % 20 == 19) _checkAll();
        }
        _checkAll();
        assertTrue(handler.grantsOk() > 10, "grants");
        assertTrue(handler.revokesOk() > 0, "revokes");
        assertTrue(handler.anchorsOk() > 5, "anchors");
        assertTrue(handler.amendmentsOk() > 0, "amendments");
        assertTrue(handler.batchesOk() > 0, "batches");
        assertTrue(handler.breakGlassOpened() > 0, "break-glass");
        assertTrue(handler.refusals() > 0, "refusals");
    }

    /// @notice A scripted scenario through the handler, checking its model against known outcomes.
    function test_Handler_ScriptedScenario() public {
        // alice (patient 0) grants hospital (grantee 0) read+write on category 3, Treatment, for a day.
        handler.grant(0, 0, uint64(1) << 3, uint64(1) << 3, 1, START + 1 days);
        assertEq(handler.grantsOk(), 1, "grant accepted");
        // hospital (author 2) anchors a category-3 record for alice, then amends it; lab (author 3) can't.
        handler.anchor(0, 2, 3);
        handler.amend(0, 2, false);
        handler.anchor(0, 3, 3);
        assertEq(handler.anchorsOk(), 2, "hospital's record and amendment");
        assertEq(handler.amendmentsOk(), 1, "amendment");
        // lab (grantee 1, author 3) gets write consent on category 3 too, but may not amend hospital's record.
        handler.grant(0, 1, 0, uint64(1) << 3, 1, START + 1 days);
        handler.amend(1, 3, false);
        assertEq(handler.amendmentsOk(), 1, "lab's amendment of hospital's record refused");
        assertEq(handler.outcomeMismatches(), 0, "model predicted the refusal");
        // Revoked: no more writes or reads until granted again.
        handler.revoke(0, 0);
        assertTrue(handler.revokedSinceGrant(alice, hospital), "revoked");
        handler.anchor(0, 2, 3);
        assertEq(handler.anchorsOk(), 2, "refused after revoke");
        handler.grant(0, 0, 0, uint64(1) << 3, 1, START + 1 days);
        assertFalse(handler.revokedSinceGrant(alice, hospital), "granted again");
        // Suspended: refused; reinstated: accepted.
        handler.setSuspended(0, true);
        handler.anchor(0, 2, 3);
        handler.setSuspended(0, false);
        handler.anchor(0, 2, 3);
        assertEq(handler.anchorsOk(), 3, "only after reinstatement");
        // Break-glass: ems (provider 2) opens on alice; IPS category 1 readable for emergencies only.
        handler.openBreakGlass(0, 2, 1 hours);
        assertEq(handler.breakGlassOpened(), 1, "opened");
        assertTrue(consent.canAccessForPurpose(alice, vm.addr(EMS_PK), 1, Action.Read, Purpose.EmergencyTreatment));
        // Expiry: two days later nothing is live.
        handler.warp(2 days);
        handler.anchor(0, 2, 3);
        assertEq(handler.anchorsOk(), 3, "expired");
        _checkAll();
        assertEq(handler.refusals(), 5, "refusals: lab, lab amending, revoked, suspended, expired");
    }

    /// @dev The sequence that made invariant_OutcomesMatchModel fail at random: ems closes its break-glass on alice
    /// and opens again at once, which the cooldown refuses. The handler counts it as a limit, not a mismatch; one
    /// that the model refuses for its own reasons (a provider that is not ems) still is a plain refusal.
    function test_Handler_CooldownRefusalIsNotAMismatch() public {
        handler.openBreakGlass(0, 2, 1 hours);
        handler.closeBreakGlass(0, 2, 0);
        handler.openBreakGlass(0, 2, 1 hours);
        assertEq(handler.breakGlassOpened(), 1, "opened once");
        assertEq(handler.breakGlassLimited(), 1, "reopen refused by the cooldown");
        handler.openBreakGlass(0, 0, 1 hours);
        assertEq(handler.breakGlassLimited(), 1, "hospital is refused as no emergency provider");
        assertEq(handler.outcomeMismatches(), 0, handler.firstMismatch());
    }

    /// @dev One random action; `r` picks the action and its arguments.
    function _step(uint256 r) internal {
        uint256 action = r % 10;
        uint256 a = uint256(keccak256(abi.encode(r, 1)));
        uint256 b = uint256(keccak256(abi.encode(r, 2)));
        uint256 c = uint256(keccak256(abi.encode(r, 3)));
        if (action == 0 || action == 1) {
            handler.grant(a, b, uint64(c), uint64(c >> 64), uint32(c >> 128), c >> 160);
        } else if (action == 2) {
            handler.revoke(a, b);
        } else if (action == 3) {
            handler.warp(a % 4 == 0 ? a : a % 6 hours);
        } else if (action == 4) {
            handler.setSuspended(a, b % 2 == 0);
        } else if (action == 5) {
            handler.anchor(a, b, c);
        } else if (action == 6) {
            handler.amend(a, b, c % 4 == 0);
        } else if (action == 7) {
            handler.anchorBatch(a, b, uint8(c), uint8(c >> 8), c % 2 == 0, uint32(c >> 16));
        } else if (action == 8) {
            if (c % 2 == 0) handler.openBreakGlass(a, b, uint64(c >> 8));
            else handler.closeBreakGlass(a, b, c >> 8);
        } else {
            handler.setEmergencyCategories(a, uint64(b));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Checks (shared with the seeded stateful fuzz test)
    // ---------------------------------------------------------------------------------------------------------

    function _checkCanAccess() internal {
        vm.warp(handler.time());
        (uint256 divergences, bytes memory first) = handler.canAccessDivergences();
        if (divergences != 0) {
            (address p, address g, uint8 c, uint8 a, bool actual) = abi.decode(
                first,
                (address, address, uint8, uint8, bool)
            );
            assertEq(
                actual,
                !actual,
                string.concat(
                    "canAccess differs from the model: patient ",
                    _hex(p),
                    " grantee ",
                    _hex(g),
                    " category ",
                    _dec(c),
                    " action ",
                    _dec(a)
                )
            );
        }
    }

    function _checkRecordCounts() internal view {
        address[3] memory ps = handler.patients();
        uint256 total;
        for (uint256 i = 0; i < ps.length; ++i) {
            assertEq(records.recordCount(ps[i]), handler.ghostRecordCount(ps[i]), "recordCount");
            total += records.recordCount(ps[i]);
        }
        assertEq(total, handler.anchoredRecords(), "total records");
    }

    function _checkRevoked() internal {
        vm.warp(handler.time());
        address[3] memory ps = handler.patients();
        address[5] memory gs = handler.grantees();
        uint8[8] memory cs = handler.tracked();
        for (uint256 i = 0; i < ps.length; ++i) {
            for (uint256 j = 0; j < gs.length; ++j) {
                if (!handler.revokedSinceGrant(ps[i], gs[j])) continue;
                ConsentTerms memory terms = consent.consentOf(ps[i], gs[j]);
                assertEq(terms.expiresAt, 0, "a revoked grant is still stored");
                assertEq(terms.readMask | terms.writeMask, 0, "a revoked grant still has masks");
                bool breakGlass = handler.breakGlassOpen(ps[i], gs[j]);
                for (uint256 k = 0; k < cs.length; ++k) {
                    assertFalse(consent.canAccess(ps[i], gs[j], cs[k], Action.Write), "revoked grantee can write");
                    assertFalse(
                        consent.canAccessForPurpose(ps[i], gs[j], cs[k], Action.Read, Purpose.Treatment),
                        "revoked grantee can read for Treatment"
                    );
                    assertFalse(
                        consent.canAccessForPurpose(ps[i], gs[j], cs[k], Action.Read, Purpose.Research),
                        "revoked grantee can read for Research"
                    );
                    // Only break-glass (emergency purposes) can still give a read.
                    if (!breakGlass)
                        assertFalse(consent.canAccess(ps[i], gs[j], cs[k], Action.Read), "revoked grantee can read");
                }
            }
        }
    }

    function _checkAll() internal {
        _checkCanAccess();
        assertEq(handler.writeViolations(), 0, "records/batches anchored without live write consent");
        _checkRecordCounts();
        _checkRevoked();
        assertEq(handler.outcomeMismatches(), 0, handler.firstMismatch());
    }

    function _hex(address a) internal pure returns (string memory out) {
        bytes memory digits = "0123456789abcdef";
        bytes memory s = new bytes(42);
        (s[0], s[1]) = ("0", "x");
        for (uint256 i = 0; i < 20; ++i) {
            uint8 b = uint8(uint160(a) >> (8 * (19 - i)));
            (s[2 + 2 * i], s[3 + 2 * i]) = (digits[b >> 4], digits[b & 0x0f]);
        }
        out = string(s);
    }

    function _dec(uint256 v) internal pure returns (string memory) {
        if (v == 0) return "0";
        bytes memory s;
        while (v != 0) {
            s = abi.encodePacked(bytes1(uint8(48 + (v % 10))), s);
            v /= 10;
        }
        return string(s);
    }
}
