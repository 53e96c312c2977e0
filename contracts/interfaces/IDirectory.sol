// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title Carechain identity directory
/// @notice Who is who: patients (self-registered) and providers (credentialed by a registrar), each with an
/// X25519 encryption public key that the SDK wraps record keys for. Holds no personal data: only addresses,
/// public keys, provider kinds and timestamps.
interface IDirectory {
    /// @notice The kind of a credentialed organisation or practitioner. `None` means "not a provider".
    enum ProviderKind {
        None,
        Hospital,
        Clinic,
        Lab,
        Pharmacy,
        Insurer,
        Research,
        Emergency
    }

    /// @notice A registered patient, as {patient} returns it.
    /// @dev Stored in two slots of the Directory: the account's key slot (the encryption key; one slot per account,
    /// patient or provider, which `isPatient` and `encryptionKeyOf` read alone) and registeredAt (64) |
    /// keyRotatedAt (64).
    struct PatientRecord {
        bytes32 encryptionKey;
        uint64 registeredAt;
        uint64 keyRotatedAt;
    }

    /// @notice Bounds on break-glass openings, set by the admin.
    /// @dev One slot: maxPerProvider (8) | maxPerPatient (8) | window (64) | cooldown (64).
    /// `maxPerProvider` / `maxPerPatient`: most openings by one provider / on one patient in any `window` seconds;
    /// `cooldown`: seconds after an episode ends (closed or expired) before the same provider may open break-glass
    /// on the same patient again.
    struct BreakGlassLimits {
        uint8 maxPerProvider;
        uint8 maxPerPatient;
        uint64 window;
        uint64 cooldown;
    }

    /// @notice A credentialed provider, as {provider} returns it.
    /// @dev Stored in two slots of the Directory: the account's key slot (the encryption key, marked as a provider's
    /// with bit 255 of its RFC 7748 encoding, which no accepted key has) and kind (8) | suspended (8) |
    /// registeredAt (64).
    struct ProviderRecord {
        bytes32 encryptionKey;
        ProviderKind kind;
        bool suspended;
        uint64 registeredAt;
    }

    /// @notice Emitted when `patient` registers itself with the X25519 public key `encryptionKey`.
    event PatientRegistered(address indexed patient, bytes32 encryptionKey);
    /// @notice Emitted when `patient` replaces its encryption key.
    event PatientKeyRotated(address indexed patient, bytes32 previousKey, bytes32 encryptionKey);
    /// @notice Emitted when `registrar` credentials `provider` as a `kind` with `encryptionKey`.
    event ProviderRegistered(
        address indexed provider,
        ProviderKind indexed kind,
        address indexed registrar,
        bytes32 encryptionKey
    );
    /// @notice Emitted when `provider` replaces its encryption key.
    event ProviderKeyRotated(address indexed provider, bytes32 previousKey, bytes32 encryptionKey);
    /// @notice Emitted when `registrar` suspends `provider`: from then on it has no access to any record.
    event ProviderSuspended(address indexed provider, address indexed registrar);
    /// @notice Emitted when `registrar` lifts the suspension of `provider`.
    event ProviderReinstated(address indexed provider, address indexed registrar);

    /// @notice Emitted when the admin names `custodian` the emergency key custodian (zero: none).
    event EmergencyCustodianSet(address indexed custodian);
    /// @notice Emitted when `account` commits to a post-quantum key document whose SHA-256 is `documentDigest` (zero:
    /// the commitment is removed).
    event PqKeySet(address indexed account, bytes32 documentDigest);
    /// @notice Emitted when the admin sets the longest break-glass episode allowed.
    event BreakGlassMaxDurationSet(uint64 maxDuration);
    /// @notice Emitted when the admin sets the break-glass rate limits and cooldown.
    event BreakGlassLimitsSet(uint8 maxPerProvider, uint8 maxPerPatient, uint64 window, uint64 cooldown);

    /// @notice `account` is already registered as a patient or a provider.
    error DirectoryAlreadyRegistered(address account);
    /// @notice `account` is not a registered patient.
    error DirectoryPatientNotRegistered(address account);
    /// @notice `account` is not a credentialed provider.
    error DirectoryProviderNotRegistered(address account);
    /// @notice The zero address can't be registered.
    error DirectoryZeroAddress();
    /// @notice An encryption key must be a non-zero 32-byte X25519 public key.
    error DirectoryInvalidEncryptionKey();
    /// @notice `key` is not the canonical encoding of an X25519 public key (bit 255 set, or u-coordinate >= 2^255-19).
    error DirectoryNonCanonicalEncryptionKey(bytes32 key);
    /// @notice `key` is a small-order point (u = 0, 1, p-1 or a point of order 8): no key can be wrapped for it.
    error DirectoryLowOrderEncryptionKey(bytes32 key);
    /// @notice A provider must be registered with a kind other than `None`.
    error DirectoryInvalidProviderKind();
    /// @notice `provider` is already in the suspension state the call asks for.
    error DirectoryProviderSuspensionUnchanged(address provider, bool suspended);
    /// @notice The emergency custodian must be an active emergency provider (or zero to remove it).
    error DirectoryInvalidCustodian(address custodian);
    /// @notice A break-glass maximum must be between one minute and seven days.
    error DirectoryInvalidBreakGlassDuration(uint64 maxDuration);
    /// @notice Break-glass limits must allow 1 to 255 openings per provider and per patient in a window of one minute
    /// to 30 days, with a cooldown of one minute to seven days.
    error DirectoryInvalidBreakGlassLimits(uint8 maxPerProvider, uint8 maxPerPatient, uint64 window, uint64 cooldown);
    /// @notice Only a registered patient or provider may commit to a post-quantum key.
    error DirectoryAccountNotRegistered(address account);
    /// @notice A signed registration was relayed after its `deadline` (block time `now`).
    error DirectorySignatureExpired(uint256 deadline, uint256 now);
    /// @notice The signature of a relayed registration is not `account`'s (EOA or ERC-1271 wallet) over this request.
    error DirectoryInvalidSignature(address account);

    /// @notice Registers the caller as a patient.
    /// @dev Every function that sets a key refuses zero ({DirectoryInvalidEncryptionKey}), non-canonical
    /// ({DirectoryNonCanonicalEncryptionKey}) and small-order ({DirectoryLowOrderEncryptionKey}) X25519 keys.
    /// @param encryptionKey The caller's X25519 public key (32 bytes in RFC 7748 encoding, canonical, not small-order).
    /// @custom:emits PatientRegistered
    function registerPatient(bytes32 encryptionKey) external;

    /// @notice Registers `account` as a patient on its EIP-712 signature, relayed by anyone (the provider of a care
    /// relationship or a relay), so that the account never needs ETH: this is how a per-relationship pseudonym
    /// registers without being funded from an account that would link it to the patient's other pseudonyms.
    /// @dev The signed type is {REGISTER_PATIENT_TYPEHASH} (its `patient` field is `account`) under the Directory's
    /// EIP-712 domain ("Carechain Directory", "1", chain id, this contract), which binds the request to one chain and
    /// one deployment. Replay is impossible without a nonce: an account registers once
    /// ({DirectoryAlreadyRegistered}), and the signature binds the key, so a relayer can neither register another key
    /// for `account` nor reuse the signature. Refuses the same keys as {registerPatient}.
    /// Requirements:
    /// - `account` is not zero ({DirectoryZeroAddress});
    /// - `block.timestamp <= deadline` ({DirectorySignatureExpired});
    /// - `signature` is `account`'s over (`account`, `encryptionKey`, `deadline`) ({DirectoryInvalidSignature});
    ///   ERC-1271 wallets are accepted;
    /// - `account` is not registered ({DirectoryAlreadyRegistered}).
    /// @param account The account that signed and is registered (not the caller).
    /// @param encryptionKey Its X25519 public key.
    /// @param deadline Last block time at which the signature may be used.
    /// @param signature `account`'s EIP-712 signature (65 bytes for an EOA).
    /// @custom:emits PatientRegistered
    function registerPatientBySig(
        address account,
        bytes32 encryptionKey,
        uint256 deadline,
        bytes calldata signature
    ) external;

    /// @notice EIP-712 type hash of a signed patient registration: `RegisterPatient(address patient,bytes32
    /// encryptionKey,uint256 deadline)`.
    function REGISTER_PATIENT_TYPEHASH() external view returns (bytes32);

    /// @notice Replaces the caller's patient encryption key. Records already wrapped for the old key stay
    /// readable with it; the SDK re-wraps what the patient should keep reading.
    /// @param encryptionKey The new X25519 public key.
    function rotatePatientKey(bytes32 encryptionKey) external;

    /// @notice Credentials `provider` as an organisation or practitioner of `kind`. Registrar only.
    /// @param provider The provider's account.
    /// @param kind Hospital, clinic, lab, pharmacy, insurer, research or emergency.
    /// @param encryptionKey The provider's X25519 public key.
    function registerProvider(address provider, ProviderKind kind, bytes32 encryptionKey) external;

    /// @notice Replaces the caller's provider encryption key.
    /// @param encryptionKey The new X25519 public key.
    function rotateProviderKey(bytes32 encryptionKey) external;

    /// @notice Suspends `provider`: it loses all access at once, grants included. Registrar only.
    function suspendProvider(address provider) external;

    /// @notice Lifts the suspension of `provider`: its unexpired grants apply again. Registrar only.
    function reinstateProvider(address provider) external;

    /// @notice Names the emergency key custodian: the emergency organisation whose key every record in a patient's
    /// emergency categories is also wrapped for, and whose service releases keys during break-glass. Admin only.
    /// @param custodian An active provider of kind Emergency, or zero for none.
    function setEmergencyCustodian(address custodian) external;

    /// @notice Sets the longest break-glass episode (default 24 hours). Admin only.
    function setBreakGlassMaxDuration(uint64 maxDuration) external;

    /// @notice Sets the break-glass rate limits and cooldown (defaults: 20 openings per provider and 5 per patient
    /// in any 24 hours, 15 minutes' cooldown). Admin only.
    /// @custom:emits BreakGlassLimitsSet
    function setBreakGlassLimits(BreakGlassLimits calldata limits) external;

    /// @notice The emergency key custodian (zero when none).
    function emergencyCustodian() external view returns (address);

    /// @notice The longest break-glass episode, in seconds.
    function breakGlassMaxDuration() external view returns (uint64);

    /// @notice The break-glass rate limits and cooldown.
    function breakGlassLimits() external view returns (BreakGlassLimits memory);

    /// @notice The role that may credential, suspend and reinstate providers.
    function REGISTRAR_ROLE() external view returns (bytes32);

    /// @notice The patient entry of `account` (all zero when not registered).
    function patient(address account) external view returns (PatientRecord memory);

    /// @notice The provider entry of `account` (kind `None` when not registered).
    function provider(address account) external view returns (ProviderRecord memory);

    /// @notice Whether `account` is a registered patient.
    function isPatient(address account) external view returns (bool);

    /// @notice Whether `account` is a credentialed provider that is not suspended.
    function isActiveProvider(address account) external view returns (bool);

    /// @notice Whether `account` is a credentialed provider that is suspended.
    function isSuspended(address account) external view returns (bool);

    /// @notice The encryption key of `account`, patient or provider (zero when unknown).
    function encryptionKeyOf(address account) external view returns (bytes32);

    /// @notice Commits the caller to a post-quantum public key: an X-Wing (ML-KEM-768 + X25519) key document stored
    /// off chain by content address, named here by the SHA-256 digest of its bytes, which is also its CID (CIDv1,
    /// raw codec, sha2-256 multihash of `documentDigest`). The 1,216-byte key never enters calldata; a reader
    /// fetches the document by that CID and checks it against this digest before wrapping a key for it. Zero removes
    /// the commitment (readers fall back to the X25519 key). Requirements: the caller is a registered patient or
    /// provider (suspended providers included: a key is not access).
    /// @param documentDigest SHA-256 of the key document's bytes, or zero.
    /// @custom:emits PqKeySet
    function setPqKey(bytes32 documentDigest) external;

    /// @notice The digest of `account`'s post-quantum key document (zero when none); see {setPqKey}.
    function pqKeyOf(address account) external view returns (bytes32);
}
