/**
 * Carechain SDK — the one entry point (browser-safe: no Node built-ins). Node-only parts (filesystem store,
 * FHIR definitions from disk, Hardhat helpers) are in `carechain/node` (sdk/node.ts).
 * @packageDocumentation
 */

// Client
export { Carechain, type KeyRotation } from "./client/carechain.js";
export type {
  CarechainConnectOptions,
  CarechainContext,
  CarechainContextState,
  CarechainOptions,
  LoadedBatch,
  PostQuantumOptions,
  PostQuantumSettings,
} from "./client/context.js";
export { createCarechainContext } from "./client/create-context.js";
export {
  ReaderIndex,
  type ConsentEvent,
  type ReaderIndexSource,
  type ReaderIndexStats,
} from "./client/reader-index.js";
export type { IndexedQuery, IndexUsage } from "./client/index-reads.js";
export {
  type AddedRecord,
  type AuditEntry,
  type BatchResult,
  type BreakGlassLimits,
  type BreakGlassResult,
  type DelegateInfo,
  type GrantInfo,
  type GrantResult,
  type LoggedRead,
  type OnBehalf,
  type PreparedKeyrings,
  type SignedGrant,
  type SignedRegistration,
  type SignedRevoke,
  type CategoryRef,
  type CustodyPlacement,
  type GrantTerms,
  type ReadRecord,
  type RecordAnchor,
  type RecordCustody,
  type RecordList,
  type SkippedObject,
  type TxResult,
} from "./client/types.js";

// Client actions: `(context, parameters) → result`, the functions behind each `Carechain` method
export {
  logBatchReads,
  logReads,
  type LogBatchReadsParameters,
  type LogBatchReadsReturnType,
  type LogReadsParameters,
  type LogReadsReturnType,
} from "./client/actions/access-log.js";
export {
  placeRecordInCustody,
  type PlaceRecordInCustodyParameters,
  type PlaceRecordInCustodyReturnType,
} from "./client/actions/custody.js";
export { publishPostQuantumKey, type PublishPostQuantumKeyReturnType } from "./client/actions/post-quantum.js";
export {
  addAttachment,
  readAttachment,
  readAttachmentStream,
  type AddAttachmentParameters,
  type AddAttachmentReturnType,
  type ReadAttachmentParameters,
  type ReadAttachmentReturnType,
  type ReadAttachmentStreamReturnType,
} from "./client/actions/attachments.js";
export {
  auditTrail,
  canAccess,
  getIndexUsage,
  listGrants,
  watchAuditTrail,
  type AuditTrailParameters,
  type AuditTrailReturnType,
  type CanAccessParameters,
  type CanAccessReturnType,
  type GetIndexUsageReturnType,
  type ListGrantsParameters,
  type ListGrantsReturnType,
  type WatchAuditTrailParameters,
  type WatchAuditTrailReturnType,
} from "./client/actions/audit.js";
export {
  addRecords,
  importBundle,
  proveBatchRecord,
  type AddRecordsParameters,
  type AddRecordsReturnType,
  type ImportBundleParameters,
  type ImportBundleReturnType,
  type ProveBatchRecordParameters,
  type ProveBatchRecordReturnType,
} from "./client/actions/batches.js";
export {
  closeBreakGlass,
  getBreakGlassLimits,
  openBreakGlass,
  releaseEmergencyKey,
  setBreakGlassLimits,
  setEmergencyCategories,
  setEmergencyCustodian,
  type CloseBreakGlassParameters,
  type CloseBreakGlassReturnType,
  type GetBreakGlassLimitsReturnType,
  type OpenBreakGlassParameters,
  type OpenBreakGlassReturnType,
  type ReleaseEmergencyKeyParameters,
  type ReleaseEmergencyKeyReturnType,
  type SetBreakGlassLimitsReturnType,
  type SetEmergencyCategoriesParameters,
  type SetEmergencyCategoriesReturnType,
  type SetEmergencyCustodianParameters,
  type SetEmergencyCustodianReturnType,
} from "./client/actions/break-glass.js";
export {
  cancelNonce,
  grantConsent,
  revokeConsent,
  shareRecords,
  type CancelNonceParameters,
  type CancelNonceReturnType,
  type GrantConsentParameters,
  type GrantConsentReturnType,
  type RevokeConsentParameters,
  type RevokeConsentReturnType,
  type ShareRecordsParameters,
  type ShareRecordsReturnType,
} from "./client/actions/consent.js";
export {
  addDelegate,
  confirmDelegate,
  listDelegates,
  removeDelegate,
  type AddDelegateParameters,
  type AddDelegateReturnType,
  type ConfirmDelegateParameters,
  type ConfirmDelegateReturnType,
  type ListDelegatesParameters,
  type ListDelegatesReturnType,
  type RemoveDelegateParameters,
  type RemoveDelegateReturnType,
} from "./client/actions/delegates.js";
export {
  getAccountAddress,
  registerPatient,
  registerProvider,
  reinstateProvider,
  relayPatientRegistration,
  signPatientRegistration,
  suspendProvider,
  type GetAccountAddressReturnType,
  type ProviderAccountParameters,
  type RegisterPatientReturnType,
  type RegisterProviderParameters,
  type RegisterProviderReturnType,
  type ReinstateProviderReturnType,
  type RelayPatientRegistrationParameters,
  type RelayPatientRegistrationReturnType,
  type SignPatientRegistrationParameters,
  type SignPatientRegistrationReturnType,
  type SuspendProviderReturnType,
} from "./client/actions/directory.js";
export {
  pendingWrites,
  resumeWrites,
  type PendingWritesReturnType,
  type ResumeWritesReturnType,
} from "./client/actions/journal.js";
export {
  rotatePatientKey,
  rotateProviderKey,
  type RotateKeyReturnType,
  type RotatePatientKeyParameters,
  type RotateProviderKeyParameters,
} from "./client/actions/keys.js";
export { erase, type EraseParameters, type EraseReturnType } from "./client/actions/erasure.js";
export { exportBundle, type ExportBundleParameters, type ExportBundleReturnType } from "./client/actions/export.js";
export {
  getRecord,
  getRecordHistory,
  listRecords,
  readRecord,
  verifyRecord,
  type GetRecordHistoryReturnType,
  type GetRecordReturnType,
  type ListRecordsParameters,
  type ListRecordsReturnType,
  type ReadRecordParameters,
  type ReadRecordReturnType,
  type RecordIdParameters,
  type VerifyRecordReturnType,
} from "./client/actions/records-read.js";
export {
  addRecord,
  amendRecord,
  type AddRecordParameters,
  type AddRecordReturnType,
  type AmendRecordParameters,
  type AmendRecordReturnType,
} from "./client/actions/records-write.js";
export {
  relayGrant,
  relayRevoke,
  signGrant,
  signRevoke,
  type RelayGrantParameters,
  type RelayGrantReturnType,
  type RelayRevokeParameters,
  type RelayRevokeReturnType,
  type SignedRequestOptions,
  type SignGrantParameters,
  type SignGrantReturnType,
  type SignRevokeParameters,
  type SignRevokeReturnType,
} from "./client/actions/signed-consent.js";

export {
  EMERGENCY_LOCATOR_INDEX,
  findPseudonyms,
  locatorResource,
  PSEUDONYM_IDENTIFIER_SYSTEM,
  pseudonymsOfLocator,
} from "./client/emergency-locator.js";
export {
  DEFAULT_PSEUDONYM_GAP_LIMIT,
  PseudonymousPatient,
  type OpenedRelationship,
  type PlacedLocator,
  type PseudonymousPatientOptions,
  type PseudonymRelay,
  type Relationship,
  type SharedRecord,
} from "./client/pseudonymous-patient.js";
export {
  ATTACHMENT_KEY_EXTENSION,
  decryptAttachment,
  encryptAttachment,
  type AttachmentOptions,
} from "./client/attachments.js";

// Consent
export {
  CONSENT_DOMAIN_NAME,
  CONSENT_DOMAIN_VERSION,
  CONSENT_TYPES,
  consentDomain,
  signGrantRequest,
  signRevokeRequest,
  type GrantRequest,
  type RevokeRequest,
  type TypedDataSigner,
} from "./consent/signing.js";
export {
  DIRECTORY_DOMAIN_NAME,
  DIRECTORY_DOMAIN_VERSION,
  directoryDomain,
  REGISTRATION_TYPES,
  signRegistrationRequest,
  type RegistrationRequest,
} from "./consent/registration.js";
export { parseScopes, toScopes, type ScopeGrant } from "./consent/scopes.js";
export { ScopeError } from "./errors/consent.js";
export {
  KEY_RELEASE_TIMEOUT_MS,
  KeyReleaseError,
  KeyReleaseTimeoutError,
  keyReleaseDigest,
  keyReleaseMessage,
  keyReleaseSigner,
  MAX_KEY_RELEASE_RESPONSE_BYTES,
  postToCustodian,
  requestKeyRelease,
  type KeyReleaseBatch,
  type KeyReleaseRequest,
  type RequestKeyReleaseOptions,
} from "./client/custodian.js";
export {
  decodeShareAnswer,
  findCustodyDocuments,
  placeInCustody,
  readCustodiedKey,
  shareReleaseDigest,
  shareReleaseMessage,
  shareReleaseSigner,
  type CustodianNode,
  type CustodianSet,
  type CustodiedKey,
  type CustodyContext,
  type PublishedKeyring,
  type ReadCustodiedKeyOptions,
  type ShareReleaseRequest,
  type UnsignedShareRelease,
} from "./client/threshold-custody.js";
export {
  combineShares,
  decodeCustodyDocument,
  encodeCustodyDocument,
  MAX_CUSTODIANS,
  MAX_CUSTODY_DOCUMENT_BYTES,
  openCustodyShare,
  openReleasedShare,
  SHARE_PAYLOAD_BYTES,
  sealShareForReader,
  shareCommitment,
  splitRecordKey,
  type CustodyDocument,
  type CustodyShare,
} from "./crypto/custody.js";
export {
  CustodianSetRequiredError,
  CustodyShareMismatchError,
  CustodyThresholdError,
  MustLogRecordError,
  PqKeyDocumentError,
  PqKeyRequiredError,
  PseudonymError,
} from "./errors/privacy.js";
export {
  decodeAnyKeyring,
  encodeKeyringV2,
  openAnyKeyring,
  openKeyringV2,
  sealKeyringV2,
  xwingKeyId,
  type KeyringRecipient,
  type KeyringSuite,
  type KeyringV2,
  type KeyringV2Entry,
  type ReaderKeys,
} from "./crypto/keyring-v2.js";
export {
  deriveXWingKeyPair,
  encodePqKeyDocument,
  generateXWingKeyPair,
  pqKeyCid,
  pqKeyCommitment,
  unwrapKeyXWing,
  verifyPqKeyDocument,
  wrapKeyXWing,
  XWING_ENC_BYTES,
  XWING_PUBLIC_KEY_BYTES,
  XWING_SECRET_KEY_BYTES,
  XWING_SUITE_NAME,
  xwingKeyPairFromSeed,
  type PqKeyDocument,
  type XWingKeyPair,
} from "./crypto/xwing.js";
export {
  fetchPqKey,
  keyringRecipientOf,
  publishPqKey,
  type PostQuantumPolicy,
  type PqKeyContext,
} from "./client/pq-keys.js";

export {
  DEFAULT_RETRY,
  MemoryJournal,
  type PendingWrite,
  type RetryPolicy,
  type WriteJournal,
} from "./client/journal.js";

// Chain
export {
  connectContracts,
  IGNITION_IDS,
  parseDeployment,
  type CarechainContracts,
  type CarechainDeployment,
} from "./chain/deployment.js";
export { deployCarechain, LOCAL_CHAIN_IDS, type DeployCarechainOptions } from "./contracts/deploy.js";
export {
  MULTICALL3_ADDRESS,
  MULTICALL3_AGGREGATE3_ABI,
  ViewBatcher,
  type ViewBatchStats,
  type ViewCall,
} from "./chain/multicall.js";
export {
  ACTIONS,
  DELEGATE_KINDS,
  EMERGENCY_PURPOSES,
  enumName,
  enumValue,
  IPS_CATEGORIES,
  MAX_CATEGORY,
  PROVIDER_KINDS,
  PURPOSES,
  RECORD_CID_CODECS,
  type ActionName,
  type DelegateKind,
  type ProviderKind,
} from "./contracts/enums.js";
export { PURPOSE_DISPLAY, PurposeOfUse, purposeMask, purposesOf, type PurposeCode } from "./chain/purpose.js";
export { CONTRACT_ERROR_NAMES, decodeRevert, revertErrorOf, withRevertDecoding } from "./chain/revert.js";
export {
  nonceSourceOf,
  QueuedSigner,
  queuedSigner,
  sendAndConfirm,
  type NonceSource,
  type SentTransaction,
} from "./chain/sender.js";
export { waitForReceipt, type WaitForReceiptOptions } from "./chain/receipts.js";
export { transactionError } from "./chain/send-errors.js";
export {
  LogReader,
  type EventFilterLike,
  type LogFilter,
  type LogReaderOptions,
  type LogReaderStats,
} from "./chain/logs.js";
export { HttpIndexSource, type HttpIndexSourceOptions } from "./chain/http-index-source.js";
export type {
  IndexedAnchor,
  IndexedBatch,
  IndexedBatchEntry,
  IndexedKeyring,
  IndexedReader,
  IndexHead,
  IndexInfo,
  IndexReadOptions,
  IndexSource,
  IndexTimeOptions,
} from "./chain/index-source.js";

// Content
export type { BlobStore } from "./content/blob-store.js";
export { cidOf, DAG_PB_CODE, RAW_CODE, toCid, verifyCid } from "./content/cid.js";
export { MemoryBlobStore } from "./content/memory-store.js";

// Crypto
export {
  decryptEnvelope,
  decryptStream,
  DEK_LENGTH,
  encryptEnvelope,
  encryptStream,
  ENVELOPE_HEADER_LENGTH,
  generateDek,
  getChunkCipher,
  PORTABLE_CHUNK_CIPHER,
  setChunkCipher,
  type ByteSource,
  type ChunkCipher,
  type EncryptOptions,
  type KeyedChunkCipher,
  verifyEnvelopeKey,
} from "./crypto/envelope.js";
export {
  deriveIdentity,
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- public until legacy identities are migrated
  deriveLegacyIdentity,
  generateIdentity,
  IDENTITY_DOMAIN_NAME,
  IDENTITY_DOMAIN_VERSION,
  IDENTITY_KEY_PURPOSE,
  IDENTITY_TYPES,
  identityFromSecretKey,
  identityFromSignature,
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- public until legacy identities are migrated
  identityMessage,
  identityTypedData,
  publicKeyHex,
  type IdentityKeyPair,
  type IdentityKeyParams,
  type IdentitySigner,
  type MessageSigner,
} from "./crypto/identity.js";
export {
  derivePseudonym,
  derivePseudonymRoot,
  MAX_PSEUDONYM_INDEX,
  PSEUDONYM_ROOT_BYTES,
  pseudonymRootFromSignature,
  type Pseudonym,
  type PseudonymScope,
} from "./crypto/pseudonym.js";
export {
  createKeyring,
  decodeKeyring,
  encodeKeyring,
  openKeyring,
  sealKeyring,
  type Keyring,
  type KeyringEntry,
  type SkippedRecipient,
} from "./crypto/keyring.js";
export {
  decodeKeyringV3,
  encodeKeyringV3,
  generateBatchKey,
  holdsBatchKey,
  isKeyringV3,
  openBatchKeyKeyring,
  openBatchRecordKeyring,
  sealBatchKeyKeyring,
  sealBatchRecordKeyring,
  type BatchKey,
  type BatchKeyKeyring,
  type BatchRecordKeyring,
} from "./crypto/keyring-batch.js";
export {
  checkLimit,
  LIMITS,
  MAX_KEYRING_BYTES,
  MAX_KEYRING_RECIPIENTS,
  MAX_MANIFEST_BYTES,
  MAX_MANIFEST_ENTRIES,
  MAX_RECORD_BYTES,
  MAX_RECORD_ENVELOPE_BYTES,
  type LimitName,
} from "./limits.js";
export { HPKE_SUITE, HPKE_SUITE_NAME, hpkeSuite, unwrapKey, wrapKey, type WrappedKey } from "./crypto/keywrap.js";
export { assertX25519PublicKey, isX25519PublicKey, X25519_LOW_ORDER_U } from "./crypto/public-key.js";

export { batchIdOf, recordIdOf } from "./client/record-id.js";

// FHIR
export { canonicalJson } from "./fhir/canonical.js";
export {
  Category,
  categoryMask,
  categoryName,
  categoriesOf,
  categoriesOfMask,
  categorySources,
  possibleCategories,
  type CategorySource,
  type CategoryId,
  type CategoryName,
} from "./fhir/categories.js";
export {
  accountDid,
  anchorToProvenance,
  auditEntryToFhir,
  grantToConsent,
  type ChainContext,
  type ProvenanceInput,
} from "./fhir/exports.js";
export { importFhirDefinitions } from "./fhir/definitions.js";
export { sanitizeNarrative } from "./fhir/narrative.js";
export {
  FHIR_LIMITS,
  MAX_FHIR_JSON_BYTES,
  MAX_FHIR_JSON_DEPTH,
  MAX_FHIR_JSON_VALUES,
  MAX_FHIR_RESOURCES,
  MAX_NARRATIVE_CHARS,
  MAX_NARRATIVE_TAGS,
} from "./fhir/limits.js";
export { createFhirValidator, parseFhirJson, type FhirDefinitions, type FhirValidator } from "./fhir/validator.js";

// Errors
export { CarechainError, type CarechainErrorOptions } from "./errors/base.js";
export { LogQueryError } from "./errors/chain.js";
export {
  IndexBehindError,
  IndexContradictedError,
  IndexMismatchError,
  IndexResponseError,
  IndexSourceError,
  IndexUnavailableError,
} from "./errors/index-source.js";
export {
  AccessControlBadConfirmationError,
  AccessControlUnauthorizedAccountError,
  ConsentEmptyScopeError,
  ConsentExpiryNotInFutureError,
  ConsentGranteeNotRegisteredError,
  ConsentInvalidPurposesError,
  ConsentNotFoundError,
  ConsentPatientNotRegisteredError,
  ConsentSelfGrantError,
  ContractRevertError,
  DirectoryAlreadyRegisteredError,
  DirectoryInvalidEncryptionKeyError,
  DirectoryInvalidProviderKindError,
  DirectoryPatientNotRegisteredError,
  DirectoryProviderNotRegisteredError,
  DirectoryProviderSuspensionUnchangedError,
  DirectoryZeroAddressError,
  RecordAlreadyAmendedError,
  RecordAlreadyAnchoredError,
  RecordAmendmentMismatchError,
  RecordEmptyCategoriesError,
  RecordUnauthorizedAmenderError,
  RecordBatchAlreadyAnchoredError,
  RecordBatchNotFoundError,
  RecordCategoryNotInBatchError,
  RecordEmptyBatchError,
  RecordErasedError,
  RecordInvalidCidError,
  RecordNotFoundError,
  RecordReadConsentRequiredError,
  RecordUnauthorizedEraserError,
  RecordWriteConsentRequiredError,
  ConsentBreakGlassAlreadyOpenError,
  ConsentBreakGlassInvalidDurationError,
  ConsentBreakGlassNotOpenError,
  ConsentDelegateNotFoundError,
  ConsentInvalidDelegateError,
  ConsentInvalidSignatureError,
  ConsentNotEmergencyProviderError,
  ConsentSignatureExpiredError,
  ConsentSignatureWrongChainError,
  ConsentSignatureWrongContractError,
  ConsentUnauthorizedActorError,
  DirectoryInvalidBreakGlassDurationError,
  DirectoryInvalidCustodianError,
  DirectoryAccountNotRegisteredError,
  DirectoryInvalidSignatureError,
  DirectorySignatureExpiredError,
  InvalidAccountNonceError,
  InvalidShortStringError,
  RecordBreakGlassRequiredError,
  RecordLengthMismatchError,
  RecordEmptyAccessBatchError,
  RecordNotEmergencyCustodianError,
  RecordUnauthorizedPublisherError,
  REVERT_ERRORS,
  StringTooLongError,
  UnknownRevertError,
  type RevertErrorClass,
} from "./errors/contract.js";
export { TransactionError, type TransactionErrorFields } from "./errors/transaction.js";
export { WriteError, type WriteErrorFields, type WriteStage } from "./errors/write.js";
export {
  CategoryMaskEmptyError,
  CategoryMaskOutOfRangeError,
  ConsentBreakGlassCooldownError,
  ConsentBreakGlassJustificationRequiredError,
  ConsentBreakGlassPatientRateLimitedError,
  ConsentBreakGlassProviderRateLimitedError,
  ConsentDelegateAlreadyConfirmedError,
  ConsentSignatureStaleError,
  ConsentTooManyDelegatesError,
  DirectoryInvalidBreakGlassLimitsError,
  DirectoryLowOrderEncryptionKeyError,
  DirectoryNonCanonicalEncryptionKeyError,
  RecordNotInBatchError,
} from "./errors/contract.js";
export {
  BatchCategoryNotDeclaredError,
  BlobNotFoundError,
  DecryptionError,
  DeploymentError,
  FhirSizeLimitError,
  FhirValidationError,
  FormatError,
  IntegrityError,
  RecordAnchorConflictError,
  RecordCategoryMismatchError,
  NotARecipientError,
  SizeLimitError,
  StoreUnavailableError,
  type FhirIssue,
} from "./errors/data.js";
export { InvalidPublicKeyError, type PublicKeyProblem } from "./errors/data.js";
