/**
 * Revert errors: one class per Solidity custom error of the contracts, carrying its arguments by name.
 * @module
 */
import { CarechainError, type CarechainErrorOptions } from "./base.js";

/**
 * A contract call reverted with a custom error. Subclasses are named after the Solidity error
 * (`RecordWriteConsentRequired` → {@link RecordWriteConsentRequiredError}) and carry its arguments by name.
 */
export class ContractRevertError extends CarechainError {
  /** The Solidity error's name, e.g. `RecordWriteConsentRequired`. */
  readonly errorName: string;
  /** The error's arguments, by their Solidity parameter names. */
  readonly args: Readonly<Record<string, unknown>>;

  constructor(errorName: string, args: Record<string, unknown> = {}, options?: CarechainErrorOptions) {
    const shown = Object.entries(args)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(", ");
    super("CONTRACT_REVERT", `The contract refused the call: ${errorName}(${shown}).`, options);
    this.errorName = errorName;
    this.args = Object.freeze({ ...args });
  }
}

/** A revert whose data matched no error of the Carechain contracts (a panic, a string, or an unknown error). */
export class UnknownRevertError extends ContractRevertError {}

/** The constructor of a named revert error class. */
export interface RevertErrorClass {
  new (args?: Record<string, unknown>, options?: CarechainErrorOptions): ContractRevertError;
  /** The Solidity error's name. */
  readonly errorName: string;
}

function revertError(errorName: string): RevertErrorClass {
  const cls = class extends ContractRevertError {
    static readonly errorName = errorName;
    constructor(args: Record<string, unknown> = {}, options?: CarechainErrorOptions) {
      super(errorName, args, options);
      this.name = `${errorName}Error`;
    }
  };
  Object.defineProperty(cls, "name", { value: `${errorName}Error` });
  return cls;
}

// Directory (contracts/interfaces/IDirectory.sol) and OpenZeppelin AccessControl.
/** See `IDirectory.DirectoryAlreadyRegistered`. */
export const DirectoryAlreadyRegisteredError = revertError("DirectoryAlreadyRegistered");
/** See `IDirectory.DirectoryPatientNotRegistered`. */
export const DirectoryPatientNotRegisteredError = revertError("DirectoryPatientNotRegistered");
/** See `IDirectory.DirectoryProviderNotRegistered`. */
export const DirectoryProviderNotRegisteredError = revertError("DirectoryProviderNotRegistered");
/** See `IDirectory.DirectoryZeroAddress`. */
export const DirectoryZeroAddressError = revertError("DirectoryZeroAddress");
/** See `IDirectory.DirectoryInvalidEncryptionKey`. */
export const DirectoryInvalidEncryptionKeyError = revertError("DirectoryInvalidEncryptionKey");
/** See `IDirectory.DirectoryNonCanonicalEncryptionKey`: bit 255 set or u >= 2^255 - 19. */
export const DirectoryNonCanonicalEncryptionKeyError = revertError("DirectoryNonCanonicalEncryptionKey");
/** See `IDirectory.DirectoryLowOrderEncryptionKey`: a small-order X25519 point, no key can be wrapped for it. */
export const DirectoryLowOrderEncryptionKeyError = revertError("DirectoryLowOrderEncryptionKey");
/** See `IDirectory.DirectoryInvalidProviderKind`. */
export const DirectoryInvalidProviderKindError = revertError("DirectoryInvalidProviderKind");
/** See `IDirectory.DirectoryProviderSuspensionUnchanged`. */
export const DirectoryProviderSuspensionUnchangedError = revertError("DirectoryProviderSuspensionUnchanged");
/** See `IDirectory.DirectoryInvalidCustodian`. */
export const DirectoryInvalidCustodianError = revertError("DirectoryInvalidCustodian");
/** See `IDirectory.DirectoryInvalidBreakGlassDuration`. */
export const DirectoryInvalidBreakGlassDurationError = revertError("DirectoryInvalidBreakGlassDuration");
/** See `IDirectory.DirectoryInvalidBreakGlassLimits`. */
export const DirectoryInvalidBreakGlassLimitsError = revertError("DirectoryInvalidBreakGlassLimits");
/** See `IDirectory.DirectoryAccountNotRegistered`. */
export const DirectoryAccountNotRegisteredError = revertError("DirectoryAccountNotRegistered");
/** See `IDirectory.DirectorySignatureExpired`: a signed registration was relayed after its deadline. */
export const DirectorySignatureExpiredError = revertError("DirectorySignatureExpired");
/** See `IDirectory.DirectoryInvalidSignature`: a relayed registration is not signed by the account it registers. */
export const DirectoryInvalidSignatureError = revertError("DirectoryInvalidSignature");
/** OpenZeppelin `IAccessControl.AccessControlUnauthorizedAccount`: the caller lacks a role (e.g. registrar). */
export const AccessControlUnauthorizedAccountError = revertError("AccessControlUnauthorizedAccount");
/** OpenZeppelin `IAccessControl.AccessControlBadConfirmation`. */
export const AccessControlBadConfirmationError = revertError("AccessControlBadConfirmation");

// ConsentRegistry (contracts/interfaces/IConsentRegistry.sol).
/** See `IConsentRegistry.ConsentPatientNotRegistered`. */
export const ConsentPatientNotRegisteredError = revertError("ConsentPatientNotRegistered");
/** See `IConsentRegistry.ConsentGranteeNotRegistered`. */
export const ConsentGranteeNotRegisteredError = revertError("ConsentGranteeNotRegistered");
/** See `IConsentRegistry.ConsentSelfGrant`. */
export const ConsentSelfGrantError = revertError("ConsentSelfGrant");
/** See `IConsentRegistry.ConsentEmptyScope`. */
export const ConsentEmptyScopeError = revertError("ConsentEmptyScope");
/** See `IConsentRegistry.ConsentInvalidPurposes`. */
export const ConsentInvalidPurposesError = revertError("ConsentInvalidPurposes");
/** See `IConsentRegistry.ConsentExpiryNotInFuture`. */
export const ConsentExpiryNotInFutureError = revertError("ConsentExpiryNotInFuture");
/** See `IConsentRegistry.ConsentNotFound`. */
export const ConsentNotFoundError = revertError("ConsentNotFound");
/** See `IConsentRegistry.ConsentUnauthorizedActor`. */
export const ConsentUnauthorizedActorError = revertError("ConsentUnauthorizedActor");
/** See `IConsentRegistry.ConsentInvalidDelegate`. */
export const ConsentInvalidDelegateError = revertError("ConsentInvalidDelegate");
/** See `IConsentRegistry.ConsentDelegateNotFound`. */
export const ConsentDelegateNotFoundError = revertError("ConsentDelegateNotFound");
/** See `IConsentRegistry.ConsentSignatureExpired`. */
export const ConsentSignatureExpiredError = revertError("ConsentSignatureExpired");
/** See `IConsentRegistry.ConsentSignatureWrongChain`. */
export const ConsentSignatureWrongChainError = revertError("ConsentSignatureWrongChain");
/** See `IConsentRegistry.ConsentSignatureWrongContract`. */
export const ConsentSignatureWrongContractError = revertError("ConsentSignatureWrongContract");
/** See `IConsentRegistry.ConsentInvalidSignature`. */
export const ConsentInvalidSignatureError = revertError("ConsentInvalidSignature");
/** See `IConsentRegistry.ConsentNotEmergencyProvider`. */
export const ConsentNotEmergencyProviderError = revertError("ConsentNotEmergencyProvider");
/** See `IConsentRegistry.ConsentBreakGlassAlreadyOpen`. */
export const ConsentBreakGlassAlreadyOpenError = revertError("ConsentBreakGlassAlreadyOpen");
/** See `IConsentRegistry.ConsentBreakGlassInvalidDuration`. */
export const ConsentBreakGlassInvalidDurationError = revertError("ConsentBreakGlassInvalidDuration");
/** See `IConsentRegistry.ConsentBreakGlassNotOpen`. */
export const ConsentBreakGlassNotOpenError = revertError("ConsentBreakGlassNotOpen");
/** See `IConsentRegistry.ConsentBreakGlassJustificationRequired`: an all-zero justification hash. */
export const ConsentBreakGlassJustificationRequiredError = revertError("ConsentBreakGlassJustificationRequired");
/** See `IConsentRegistry.ConsentBreakGlassCooldown`: the provider's last episode on the patient ended too recently. */
export const ConsentBreakGlassCooldownError = revertError("ConsentBreakGlassCooldown");
/** See `IConsentRegistry.ConsentBreakGlassProviderRateLimited`: too many openings by this provider in the window. */
export const ConsentBreakGlassProviderRateLimitedError = revertError("ConsentBreakGlassProviderRateLimited");
/** See `IConsentRegistry.ConsentBreakGlassPatientRateLimited`: too many openings on this patient in the window. */
export const ConsentBreakGlassPatientRateLimitedError = revertError("ConsentBreakGlassPatientRateLimited");
/** See `IConsentRegistry.ConsentSignatureStale`: the grant changed (granted or revoked) since the request was signed. */
export const ConsentSignatureStaleError = revertError("ConsentSignatureStale");
/** See `IConsentRegistry.ConsentTooManyDelegates`. */
export const ConsentTooManyDelegatesError = revertError("ConsentTooManyDelegates");
/** See `IConsentRegistry.ConsentDelegateAlreadyConfirmed`. */
export const ConsentDelegateAlreadyConfirmedError = revertError("ConsentDelegateAlreadyConfirmed");
/** OpenZeppelin `Nonces.InvalidAccountNonce`: a signed request's nonce was already used (a replay) or skipped. */
export const InvalidAccountNonceError = revertError("InvalidAccountNonce");
/** OpenZeppelin `ShortStrings.StringTooLong` (EIP-712 domain name at deployment). */
export const StringTooLongError = revertError("StringTooLong");
/** OpenZeppelin `ShortStrings.InvalidShortString` (EIP-712 domain name at deployment). */
export const InvalidShortStringError = revertError("InvalidShortString");

// RecordRegistry (contracts/interfaces/IRecordRegistry.sol).
/** See `IRecordRegistry.RecordWriteConsentRequired`: no live write consent for the category. */
export const RecordWriteConsentRequiredError = revertError("RecordWriteConsentRequired");
/**
 * See `IRecordRegistry.RecordReadConsentRequired`: no live read consent for the category and purpose.
 * The SDK also throws it before any decryption when the chain says the reader has no access.
 */
export const RecordReadConsentRequiredError = revertError("RecordReadConsentRequired");
/** See `IRecordRegistry.RecordInvalidCid`. */
export const RecordInvalidCidError = revertError("RecordInvalidCid");
/** See `IRecordRegistry.RecordAlreadyAnchored`. */
export const RecordAlreadyAnchoredError = revertError("RecordAlreadyAnchored");
/** See `IRecordRegistry.RecordNotFound`. */
export const RecordNotFoundError = revertError("RecordNotFound");
/** See `IRecordRegistry.RecordAlreadyAmended`. */
export const RecordAlreadyAmendedError = revertError("RecordAlreadyAmended");
/** See `IRecordRegistry.RecordAmendmentMismatch`. */
export const RecordAmendmentMismatchError = revertError("RecordAmendmentMismatch");
/** See `IRecordRegistry.RecordUnauthorizedAmender`: neither the record's original author, its patient nor a delegate. */
export const RecordUnauthorizedAmenderError = revertError("RecordUnauthorizedAmender");
/** See `IRecordRegistry.RecordEmptyCategories`: a record must name at least one category. */
export const RecordEmptyCategoriesError = revertError("RecordEmptyCategories");
/** See `IRecordRegistry.RecordBatchAlreadyAnchored`. */
export const RecordBatchAlreadyAnchoredError = revertError("RecordBatchAlreadyAnchored");
/** See `IRecordRegistry.RecordBatchNotFound`. */
export const RecordBatchNotFoundError = revertError("RecordBatchNotFound");
/** See `IRecordRegistry.RecordEmptyBatch`. */
export const RecordEmptyBatchError = revertError("RecordEmptyBatch");
/** See `IRecordRegistry.RecordCategoryNotInBatch`. */
export const RecordCategoryNotInBatchError = revertError("RecordCategoryNotInBatch");
/** See `IRecordRegistry.RecordUnauthorizedPublisher`. */
export const RecordUnauthorizedPublisherError = revertError("RecordUnauthorizedPublisher");
/** See `IRecordRegistry.RecordLengthMismatch`. */
export const RecordLengthMismatchError = revertError("RecordLengthMismatch");
/** See `IRecordRegistry.RecordNotEmergencyCustodian`. */
export const RecordNotEmergencyCustodianError = revertError("RecordNotEmergencyCustodian");
/** See `IRecordRegistry.RecordBreakGlassRequired`. */
export const RecordBreakGlassRequiredError = revertError("RecordBreakGlassRequired");
/** See `IRecordRegistry.RecordNotInBatch`: the Merkle proof does not place the record in the batch. */
export const RecordNotInBatchError = revertError("RecordNotInBatch");
/** See `IRecordRegistry.RecordEmptyAccessBatch`: `logAccessBatch` was called with no reads. */
export const RecordEmptyAccessBatchError = revertError("RecordEmptyAccessBatch");
/**
 * See `IRecordRegistry.RecordErased`: the record version or batch (`id`) was erased by its patient or a delegate
 * (`markErased`). The SDK also throws it before fetching anything when the chain marks a record erased.
 */
export const RecordErasedError = revertError("RecordErased");
/** See `IRecordRegistry.RecordUnauthorizedEraser`: only the patient or an active delegate may erase (`id`, `account`). */
export const RecordUnauthorizedEraserError = revertError("RecordUnauthorizedEraser");
/**
 * See `CategoryMask.CategoryMaskOutOfRange`: a category above 63 has no bit in a category mask. The contracts check
 * the range before they build a bit, so a transaction should never revert with it.
 */
export const CategoryMaskOutOfRangeError = revertError("CategoryMaskOutOfRange");
/**
 * See `CategoryMask.CategoryMaskEmpty`: the lowest category of an empty mask was asked for. The contracts only ask
 * for it of non-empty masks, so a transaction should never revert with it.
 */
export const CategoryMaskEmptyError = revertError("CategoryMaskEmpty");

/** Every named revert class, by Solidity error name. A test keeps it equal to the contracts' ABIs. */
export const REVERT_ERRORS: ReadonlyMap<string, RevertErrorClass> = new Map(
  [
    DirectoryAlreadyRegisteredError,
    DirectoryPatientNotRegisteredError,
    DirectoryProviderNotRegisteredError,
    DirectoryInvalidEncryptionKeyError,
    DirectoryZeroAddressError,
    DirectoryInvalidProviderKindError,
    DirectoryProviderSuspensionUnchangedError,
    AccessControlUnauthorizedAccountError,
    AccessControlBadConfirmationError,
    ConsentPatientNotRegisteredError,
    ConsentGranteeNotRegisteredError,
    ConsentSelfGrantError,
    ConsentEmptyScopeError,
    ConsentInvalidPurposesError,
    ConsentExpiryNotInFutureError,
    ConsentNotFoundError,
    RecordWriteConsentRequiredError,
    RecordReadConsentRequiredError,
    RecordInvalidCidError,
    RecordAlreadyAnchoredError,
    RecordNotFoundError,
    RecordAlreadyAmendedError,
    RecordAmendmentMismatchError,
    RecordUnauthorizedAmenderError,
    RecordEmptyCategoriesError,
    RecordBatchAlreadyAnchoredError,
    RecordBatchNotFoundError,
    RecordEmptyBatchError,
    RecordCategoryNotInBatchError,
    DirectoryInvalidCustodianError,
    DirectoryAccountNotRegisteredError,
    DirectorySignatureExpiredError,
    DirectoryInvalidSignatureError,
    DirectoryInvalidBreakGlassDurationError,
    ConsentUnauthorizedActorError,
    ConsentInvalidDelegateError,
    ConsentDelegateNotFoundError,
    ConsentSignatureExpiredError,
    ConsentSignatureWrongChainError,
    ConsentSignatureWrongContractError,
    ConsentInvalidSignatureError,
    ConsentNotEmergencyProviderError,
    ConsentBreakGlassAlreadyOpenError,
    ConsentBreakGlassInvalidDurationError,
    ConsentBreakGlassNotOpenError,
    RecordUnauthorizedPublisherError,
    RecordLengthMismatchError,
    RecordNotEmergencyCustodianError,
    RecordBreakGlassRequiredError,
    DirectoryNonCanonicalEncryptionKeyError,
    DirectoryLowOrderEncryptionKeyError,
    DirectoryInvalidBreakGlassLimitsError,
    ConsentBreakGlassJustificationRequiredError,
    ConsentBreakGlassCooldownError,
    ConsentBreakGlassProviderRateLimitedError,
    ConsentBreakGlassPatientRateLimitedError,
    ConsentSignatureStaleError,
    ConsentTooManyDelegatesError,
    ConsentDelegateAlreadyConfirmedError,
    RecordNotInBatchError,
    RecordEmptyAccessBatchError,
    RecordErasedError,
    RecordUnauthorizedEraserError,
    CategoryMaskOutOfRangeError,
    CategoryMaskEmptyError,
    InvalidAccountNonceError,
    StringTooLongError,
    InvalidShortStringError,
  ].map((cls) => [cls.errorName, cls]),
);
