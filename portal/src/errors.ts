/**
 * Every failure the portal can meet, said in one sentence a person understands, with the action to take: the one
 * place where errors become words. Typed SDK errors are matched with `instanceof` (contract reverts by their
 * Solidity error name), wallet refusals by their EIP-1193 / ethers codes; nothing falls through silently (an
 * unknown failure still says what happened and what to try).
 */
import {
  BatchCategoryNotDeclaredError,
  BlobNotFoundError,
  CarechainError,
  categoryName,
  ContractRevertError,
  CustodyShareMismatchError,
  CustodianSetRequiredError,
  CustodyThresholdError,
  DecryptionError,
  DeploymentError,
  FhirSizeLimitError,
  FhirValidationError,
  FormatError,
  IndexSourceError,
  IntegrityError,
  InvalidPublicKeyError,
  KeyReleaseError,
  KeyReleaseTimeoutError,
  LogQueryError,
  MustLogRecordError,
  NotARecipientError,
  PqKeyDocumentError,
  PqKeyRequiredError,
  PseudonymError,
  PURPOSE_DISPLAY,
  PurposeOfUse,
  RecordAnchorConflictError,
  RecordCategoryMismatchError,
  ScopeError,
  SizeLimitError,
  StoreUnavailableError,
  TransactionError,
  WriteError,
  type PurposeCode,
} from "carechain";

import { SignedGrantFormatError } from "./signed-grant.js";

/** What the page shows for a failure. */
export interface Explained {
  /** What happened, in one sentence. */
  readonly sentence: string;
  /** What to do about it. */
  readonly action: string;
  /** A stable code for tests and support (the SDK's `code`, or the portal's). */
  readonly code: string;
}

/** The account a chain id or wallet is expected on (thrown by the portal's session). */
export class WrongNetworkError extends Error {
  constructor(
    readonly chainId: bigint,
    readonly expected: bigint,
  ) {
    super(`The wallet is on chain ${chainId}, the portal's deployment is on chain ${expected}.`);
    this.name = "WrongNetworkError";
  }
}

/** Names of accounts the page knows (demo accounts, the connected one). */
export type NameOf = (address: string) => string;

const category = (value: unknown): string => categoryName(Number(value)) ?? `category ${String(value)}`;
const purpose = (value: unknown): string => {
  const code = (Object.keys(PurposeOfUse) as PurposeCode[]).find((c) => PurposeOfUse[c] === Number(value));
  return code ? PURPOSE_DISPLAY[code] : `purpose ${String(value)}`;
};
const when = (seconds: unknown): string => new Date(Number(seconds) * 1000).toLocaleString();

type Revert = (args: Record<string, unknown>, name: NameOf) => [sentence: string, action: string];

/** Contract reverts, by Solidity error name. */
const REVERTS: Record<string, Revert> = {
  RecordReadConsentRequired: (a) => [
    `You have no consent to read ${category(a.category)} for ${purpose(a.purpose)}.`,
    `Ask the patient for access to ${category(a.category)}.`,
  ],
  RecordWriteConsentRequired: (a) => [
    `You have no consent to add records in ${category(a.category)} for this patient.`,
    `Ask the patient for write access to ${category(a.category)}.`,
  ],
  ConsentPatientNotRegistered: (a, n) => [
    `${n(String(a.account))} is not registered as a patient.`,
    "Register as a patient first.",
  ],
  ConsentGranteeNotRegistered: (a, n) => [
    `${n(String(a.grantee))} is not a credentialed provider.`,
    "Check the address, or ask the registrar to credential the provider.",
  ],
  RecordErased: () => [
    "The patient erased this record: its content and keys are gone.",
    "Ask the patient for a new copy if it is still needed.",
  ],
  RecordUnauthorizedEraser: () => [
    "Only the patient or one of its delegates can erase its records.",
    "Connect the patient's own wallet or one of its delegates.",
  ],
  DirectorySignatureExpired: () => [
    "The signed patient registration has expired.",
    "Ask the patient to sign the registration again.",
  ],
  DirectoryInvalidSignature: () => [
    "The patient registration is not signed by the account it registers.",
    "Ask the patient to sign the registration again.",
  ],
  ConsentSelfGrant: () => ["A patient cannot grant access to itself.", "Choose another grantee."],
  ConsentEmptyScope: () => ["The grant gives nothing: no category to read or write.", "Tick at least one category."],
  ConsentInvalidPurposes: () => ["The grant names no valid purpose of use.", "Tick at least one purpose."],
  ConsentExpiryNotInFuture: () => ["The grant would already be expired.", "Choose an expiry in the future."],
  ConsentNotFound: (a, n) => [`${n(String(a.grantee))} holds no grant to revoke.`, "Refresh the list of grants."],
  ConsentUnauthorizedActor: () => [
    "This account may not act for that patient.",
    "Connect the patient's own wallet or one of its delegates.",
  ],
  ConsentInvalidDelegate: () => ["That account cannot be a delegate.", "Choose another account."],
  ConsentDelegateNotFound: () => ["That account is not a delegate of the patient.", "Refresh the list of delegates."],
  ConsentSignatureExpired: (a) => [
    `The signed consent expired at ${when(a.deadline)}.`,
    "Ask the patient to sign a new one.",
  ],
  ConsentSignatureWrongChain: () => [
    "The signed consent was made for another chain.",
    "Ask the patient to sign it on this network.",
  ],
  ConsentSignatureWrongContract: () => [
    "The signed consent was made for another deployment.",
    "Ask the patient to sign it for this portal's deployment.",
  ],
  ConsentInvalidSignature: () => ["The consent signature is not the patient's.", "Ask the patient to sign again."],
  ConsentSignatureStale: () => [
    "The signed consent was overtaken by a later grant or revocation.",
    "Ask the patient to sign a new one.",
  ],
  ConsentNotEmergencyProvider: () => [
    "Only an active emergency provider can break the glass.",
    "Ask the registrar to credential your organisation as an emergency provider.",
  ],
  ConsentBreakGlassAlreadyOpen: (a) => [
    `Emergency access is already open until ${when(a.expiresAt)}.`,
    "Read the records you need, then close it.",
  ],
  ConsentBreakGlassInvalidDuration: (a) => [
    `The emergency access may last at most ${Math.round(Number(a.maxDuration) / 3600)} hours.`,
    "Choose a shorter duration.",
  ],
  ConsentBreakGlassNotOpen: () => [
    "No emergency access is open for this patient.",
    "Open emergency access first (with a reason).",
  ],
  ConsentBreakGlassJustificationRequired: () => [
    "Emergency access needs a written reason.",
    "Write the reason, then open.",
  ],
  ConsentBreakGlassCooldown: (a) => [
    `Emergency access on this patient just ended; it can be opened again at ${when(a.availableAt)}.`,
    "Wait until then, or ask the patient for consent.",
  ],
  ConsentBreakGlassProviderRateLimited: (a) => [
    `Your organisation reached its limit of ${String(a.maxOpenings)} emergency openings.`,
    `Try again after ${when(a.availableAt)}.`,
  ],
  ConsentBreakGlassPatientRateLimited: (a) => [
    `This patient reached the limit of ${String(a.maxOpenings)} emergency openings.`,
    `Try again after ${when(a.availableAt)}.`,
  ],
  ConsentTooManyDelegates: (a) => [`The patient already has ${String(a.max)} delegates.`, "Remove a delegate first."],
  ConsentDelegateAlreadyConfirmed: () => ["That delegate is already confirmed.", "Nothing to do."],
  DirectoryAlreadyRegistered: () => ["This account is already registered.", "Reload the page to continue."],
  DirectoryPatientNotRegistered: (a, n) => [
    `${n(String(a.account))} is not a registered patient.`,
    "Register as a patient first.",
  ],
  DirectoryProviderNotRegistered: (a, n) => [
    `${n(String(a.account))} is not a credentialed provider.`,
    "Check the address.",
  ],
  DirectoryZeroAddress: () => ["The address is empty (zero).", "Enter the account's address."],
  DirectoryInvalidEncryptionKey: () => ["The encryption key is empty.", "Derive the identity key again."],
  DirectoryNonCanonicalEncryptionKey: () => [
    "The encryption key is not a valid X25519 key.",
    "Derive the identity key again.",
  ],
  DirectoryLowOrderEncryptionKey: () => [
    "The encryption key is unsafe (a small-order point).",
    "Derive the identity key again.",
  ],
  DirectoryInvalidProviderKind: () => ["That provider kind does not exist.", "Choose a kind from the list."],
  DirectoryProviderSuspensionUnchanged: (a, n) => [
    `${n(String(a.provider))} is already ${a.suspended ? "suspended" : "active"}.`,
    "Refresh the list of providers.",
  ],
  DirectoryInvalidCustodian: () => ["That account cannot be the emergency custodian.", "Choose an emergency provider."],
  DirectoryInvalidBreakGlassDuration: () => ["That break-glass duration is not allowed.", "Choose another duration."],
  DirectoryInvalidBreakGlassLimits: () => ["Those break-glass limits are not allowed.", "Choose other limits."],
  AccessControlUnauthorizedAccount: () => [
    "This account lacks the role this needs (e.g. registrar).",
    "Connect the registrar's wallet.",
  ],
  AccessControlBadConfirmation: () => [
    "The role change was not confirmed by the account itself.",
    "Connect that account and retry.",
  ],
  InvalidAccountNonce: () => ["The signed request was already used or is out of order.", "Sign it again."],
  InvalidShortString: () => ["A text field is too long for the contract.", "Shorten it."],
  StringTooLong: () => ["A text field is too long for the contract.", "Shorten it."],
  RecordInvalidCid: () => ["The record's content address is malformed.", "Retry; report it if it happens again."],
  RecordAlreadyAnchored: () => ["This exact record is already on the chain.", "Nothing to do: it is saved."],
  RecordEmptyCategories: () => ["The record falls in no category.", "Check the resource type."],
  RecordNotFound: () => ["No such record on the chain.", "Refresh the list of records."],
  RecordAlreadyAmended: () => ["A newer version of this record exists.", "Open the newest version and amend that."],
  RecordAmendmentMismatch: () => [
    "The amendment does not match the record it amends.",
    "Amend with the same patient and categories.",
  ],
  RecordUnauthorizedAmender: () => [
    "Only the original author, the patient or a delegate may amend this record.",
    "Add a new record instead.",
  ],
  RecordBatchAlreadyAnchored: () => ["This batch is already on the chain.", "Nothing to do: it is saved."],
  RecordBatchNotFound: () => ["No such batch on the chain.", "Refresh the list of records."],
  RecordEmptyBatch: () => ["The batch is empty.", "Add at least one record."],
  RecordCategoryNotInBatch: () => ["The record is not in a category the batch declared.", "Report it to the author."],
  RecordUnauthorizedPublisher: () => [
    "Only the patient or a delegate may share this record's keys.",
    "Connect the patient's wallet.",
  ],
  RecordLengthMismatch: () => ["The request's lists do not match in length.", "Retry; report it if it happens again."],
  RecordNotEmergencyCustodian: () => ["Only the emergency custodian may release keys.", "Use the custodian service."],
  RecordBreakGlassRequired: () => [
    "Emergency access does not cover this record (closed, expired, or not an emergency category).",
    "Open emergency access, or ask the patient for consent.",
  ],
  RecordEmptyAccessBatch: () => ["No reads to log.", "Select at least one record."],
  RecordNotInBatch: () => ["The record is not in that batch.", "Refresh the list of records."],
  DirectoryAccountNotRegistered: (a, n) => [
    `${n(String(a.account))} is not registered.`,
    "Check the address, or register first.",
  ],
  CategoryMaskOutOfRange: (a) => [`Category ${String(a.category)} does not exist.`, "Choose categories from the list."],
  CategoryMaskEmpty: () => ["No category was chosen.", "Tick at least one category."],
};

/** Typed SDK errors that are not contract reverts, most specific first. */
const TYPED: [new (...args: never[]) => Error, (e: never, name: NameOf) => [string, string]][] = [
  [FhirSizeLimitError, () => ["The FHIR document is too large.", "Split it into smaller resources."]],
  [
    FhirValidationError,
    (e: FhirValidationError) => [
      `The FHIR resource is not valid (${e.issues.length} problem${e.issues.length === 1 ? "" : "s"}).`,
      "Fix the problems shown with the fields; nothing was sent.",
    ],
  ],
  [SizeLimitError, () => ["The data is larger than Carechain accepts.", "Use a smaller file."]],
  [KeyReleaseTimeoutError, () => ["The emergency key custodian did not answer in time.", "Retry in a moment."]],
  [
    KeyReleaseError,
    (e: KeyReleaseError) => [
      `The emergency key custodian refused to release the key${e.reason ? ` (${e.reason})` : ""}.`,
      "Check that emergency access is open and covers this record.",
    ],
  ],
  [
    ScopeError,
    (e: ScopeError) => [`The scope "${e.scope}" is not a valid SMART scope.`, "Choose scopes from the picker."],
  ],
  [
    IntegrityError,
    () => [
      "The stored data does not match what the chain anchored: it was altered.",
      "Do not use it; tell the author.",
    ],
  ],
  [
    RecordCategoryMismatchError,
    () => ["The record holds data outside the categories it was filed under.", "Do not use it; tell the author."],
  ],
  [RecordAnchorConflictError, () => ["A different record is already anchored under this id.", "Reload and retry."]],
  [
    BatchCategoryNotDeclaredError,
    () => ["A batch lists a record in a category it did not declare.", "Tell the author."],
  ],
  [
    NotARecipientError,
    () => ["This record's key was not shared with your key.", "Ask the patient to share it again (grant)."],
  ],
  [
    DecryptionError,
    () => ["The record could not be decrypted with your key.", "Ask the patient to share it again (grant)."],
  ],
  [FormatError, () => ["Stored data is malformed.", "Tell the author; retry later."]],
  [
    BlobNotFoundError,
    () => ["The encrypted record is missing from the store.", "Retry later; it may have been erased."],
  ],
  [StoreUnavailableError, () => ["The record store cannot be reached.", "Check your connection and retry."]],
  [
    CustodyShareMismatchError,
    () => [
      "One emergency key custodian answered with a wrong key share.",
      "Retry; report the custodian if it persists.",
    ],
  ],
  [
    CustodyThresholdError,
    () => ["Too few emergency key custodians answered to rebuild the record key.", "Retry in a moment."],
  ],
  [
    PqKeyDocumentError,
    () => [
      "The account's post-quantum key document is missing or does not match the Directory.",
      "Ask its owner to publish it again.",
    ],
  ],
  [
    PqKeyRequiredError,
    () => [
      "A reader has no post-quantum key, and this portal requires one.",
      "Ask the reader to publish its post-quantum key, or change the policy.",
    ],
  ],
  [
    CustodianSetRequiredError,
    () => ["No emergency custodian set is configured.", "Configure the custodian nodes, then retry."],
  ],
  [
    MustLogRecordError,
    () => [
      "This record is read only through the custodians, with each read logged on chain.",
      "Open it from the record page; the read is logged first.",
    ],
  ],
  [
    PseudonymError,
    () => ["A pseudonym of the patient could not be used.", "Retry; recover the pseudonyms if it persists."],
  ],
  [InvalidPublicKeyError, () => ["That encryption key cannot be used.", "Derive the identity key again."]],
  [
    DeploymentError,
    () => ["The Carechain contracts are not on this chain.", "Switch the wallet to the portal's network."],
  ],
  [LogQueryError, () => ["The chain's history could not be read.", "Retry in a moment."]],
  [IndexSourceError, () => ["The index could not answer.", "Retry; the portal reads the chain instead."]],
  [
    WriteError,
    (e: WriteError) => [
      `The record could not be saved (at ${e.stage}).`,
      "Retry; nothing was anchored unless the activity shows it.",
    ],
  ],
  [
    TransactionError,
    (e: TransactionError) =>
      e.causeCode === "INVALID_ARGUMENT"
        ? ["The request had a malformed value (an address or a number).", "Check the fields and retry."]
        : ["The transaction did not go through.", "Check the wallet's network and balance, then retry."],
  ],
];

/** Whether `error` (or a cause) is the wallet refusing to sign: EIP-1193 4001 or ethers ACTION_REJECTED. */
export function isWalletRejection(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown; error?: unknown } | undefined, i = 0; e && i < 8; i++) {
    if (e.code === 4001 || e.code === "ACTION_REJECTED") return true;
    e = (e.cause ?? e.error) as typeof e;
  }
  return false;
}

/**
 * Explains a failure.
 * @param error - Whatever was thrown.
 * @param name - Names accounts (demo names, "you").
 * @returns The sentence, the action and a code.
 */
export function explain(error: unknown, name: NameOf = (a) => a): Explained {
  if (isWalletRejection(error)) {
    return {
      sentence: "You rejected the request in your wallet.",
      action: "Nothing was changed; try again when ready.",
      code: "WALLET_REJECTED",
    };
  }
  if (error instanceof SignedGrantFormatError) {
    return {
      sentence: error.message,
      action: "Paste the whole text the patient sent, unchanged.",
      code: "SIGNED_GRANT_FORMAT",
    };
  }
  if (error instanceof WrongNetworkError) {
    return {
      sentence: `Your wallet is on the wrong network (chain ${error.chainId}).`,
      action: `Switch the wallet to chain ${error.expected}.`,
      code: "WRONG_NETWORK",
    };
  }
  if (error instanceof ContractRevertError) {
    const revert = Object.hasOwn(REVERTS, error.errorName) ? REVERTS[error.errorName] : undefined;
    if (revert) {
      const [sentence, action] = revert(error.args, name);
      return { sentence, action, code: error.errorName };
    }
    return {
      sentence: "The contract refused the request.",
      action: "Check the details below; retry.",
      code: error.errorName,
    };
  }
  // A write or transaction that failed because the contract refused it: explain the refusal.
  const revert = error instanceof CarechainError ? error.walk((e) => e instanceof ContractRevertError) : undefined;
  if (revert && revert !== error) return explain(revert, name);
  for (const [cls, say] of TYPED) {
    if (error instanceof cls) {
      const [sentence, action] = say(error as never, name);
      return { sentence, action, code: error instanceof CarechainError ? error.code : "PORTAL" };
    }
  }
  if (error instanceof CarechainError)
    return { sentence: error.shortMessage, action: "Retry; contact support if it persists.", code: error.code };
  const message = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
  if (error instanceof RangeError || error instanceof TypeError) {
    return { sentence: `The input was refused: ${message}`, action: "Correct the field and retry.", code: "INPUT" };
  }
  return {
    sentence: `Something went wrong: ${message}`,
    action: "Retry; contact support if it persists.",
    code: "UNKNOWN",
  };
}

/** Solidity error names this module explains (for the coverage test). */
export const EXPLAINED_REVERTS: readonly string[] = Object.keys(REVERTS);
/** Error classes this module explains besides reverts (for the coverage test). */
export const EXPLAINED_CLASSES: readonly (new (...args: never[]) => Error)[] = TYPED.map(([cls]) => cls);
