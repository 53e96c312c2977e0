/** The Carechain client facade: one account's view of the system, each method bound to an action in actions/. */
import type { Attachment, Resource } from "@medplum/fhirtypes";
import type { CID } from "multiformats/cid";

import { connectContracts, type CarechainContracts } from "../chain/deployment.js";
import type { PurposeCode } from "../chain/purpose.js";
import type { BlobStore } from "../content/blob-store.js";
import type { ByteSource } from "../crypto/envelope.js";
import type { IdentityKeyPair } from "../crypto/identity.js";
import type { AuditEntry, GrantInfo } from "./types.js";
import * as accessLog from "./actions/access-log.js";
import * as attachments from "./actions/attachments.js";
import * as audit from "./actions/audit.js";
import * as breakGlass from "./actions/break-glass.js";
import * as consent from "./actions/consent.js";
import * as custody from "./actions/custody.js";
import * as delegates from "./actions/delegates.js";
import * as directory from "./actions/directory.js";
import * as erasure from "./actions/erasure.js";
import * as portability from "./actions/export.js";
import * as journal from "./actions/journal.js";
import * as keys from "./actions/keys.js";
import * as postQuantum from "./actions/post-quantum.js";

import * as batches from "./actions/batches.js";
import * as recordsRead from "./actions/records-read.js";
import * as recordsWrite from "./actions/records-write.js";
import * as signedConsent from "./actions/signed-consent.js";
import type { AttachmentOptions } from "./attachments.js";
import type { CarechainConnectOptions, CarechainContext, CarechainOptions } from "./context.js";
import { createCarechainContext, isCarechainContext } from "./create-context.js";
import type { KeyReleaseBatch } from "./custodian.js";
import type { IndexUsage } from "./index-reads.js";
import type { PendingWrite } from "./journal.js";
import type { CustodianSet } from "./threshold-custody.js";
import type {
  AddedRecord,
  BatchResult,
  BreakGlassLimits,
  BreakGlassResult,
  CategoryRef,
  CustodyPlacement,
  DelegateInfo,
  DelegateKind,
  GrantResult,
  GrantTerms,
  LoggedRead,
  OnBehalf,
  ProviderKind,
  ReadRecord,
  RecordAnchor,
  RecordCustody,
  RecordList,
  SignedGrant,
  SignedRegistration,
  SignedRevoke,
  SkippedObject,
  TxResult,
} from "./types.js";

/** The result of a key rotation: a client that uses the new key, and what was re-wrapped for it. */
export interface KeyRotation extends Omit<keys.RotateKeyReturnType, "context"> {
  /** A client of the same account that uses the new key. */
  readonly client: Carechain;
}

/** Signed-request bounds, as {@link Carechain.signGrant} and {@link Carechain.signRevoke} take them. */
type SignOptions = signedConsent.SignedRequestOptions;
/** How {@link Carechain.readRecord} reads: purpose, batch and whether to log. */
type ReadOptions = Omit<recordsRead.ReadRecordParameters, "recordId">;
/** How {@link Carechain.openBreakGlass} opens: the justification and the duration. */
type BreakGlassOptions = Omit<breakGlass.OpenBreakGlassParameters, "patient">;
/** For a batch record's {@link Carechain.releaseEmergencyKey}: its batch and proof. */
interface ReleaseOptions {
  batch?: KeyReleaseBatch;
}
/** What {@link Carechain.releaseEmergencyKey} returns. */
type KeyRelease = breakGlass.ReleaseEmergencyKeyReturnType;
/** Read or write. */
type Access = "read" | "write";

/**
 * The Carechain client: one account's view of the system. Patients register, grant and revoke; providers add and
 * read records; a registrar credentials providers. Records are validated FHIR R4, encrypted on the client, stored by
 * CID and anchored on chain; reads are consent-checked on chain, CID-verified and authenticated. Each method is the
 * action of the same name in sdk/client/actions/ (documented there) applied to this client's context; the actions
 * are exported too, for use without the class.
 *
 * @example
 * const patient = await Carechain.connect({ deployment, signer, identity, store, validator });
 * await patient.registerPatient();
 * await patient.grant(hospitalAddress, { read: ["Laboratory"], write: ["Laboratory"], expiresAt: in30Days });
 * const { resource } = await hospital.readRecord(recordId);
 */
export class Carechain {
  /** The contracts this client talks to (bound to the account's send queue). */
  readonly contracts: CarechainContracts;
  /** This client's identity key pair. */
  readonly identity: IdentityKeyPair;
  /** This client's blob store. */
  readonly store: BlobStore;
  /** The context every action of this client runs on. */
  readonly #ctx: CarechainContext;

  /**
   * Builds a client on contracts already bound (see {@link connectContracts}), or on an existing context.
   * @param options - Bound contracts, signer, identity, store and validator; or a context from
   * {@link createCarechainContext}.
   * @throws {CarechainError} `CHAIN` when the signer has no provider.
   */
  constructor(options: CarechainOptions | CarechainContext) {
    this.#ctx = isCarechainContext(options) ? options : createCarechainContext(options);
    this.contracts = this.#ctx.contracts;
    this.identity = this.#ctx.identity;
    this.store = this.#ctx.store;
  }

  /**
   * Connects to a deployment: checks the chain id and the contract code, then binds the contracts to `signer` behind
   * its account's send queue (clients of one account in one process share it and its nonce count).
   * @param options - The deployment, signer, identity, store and validator.
   * @returns The client.
   * @throws {DeploymentError} When the deployment is not on the signer's chain.
   */
  static async connect(options: CarechainConnectOptions): Promise<Carechain> {
    const contracts = await connectContracts(options.deployment, options.signer);
    const multicall = options.multicall ?? options.deployment.multicall;
    return new Carechain({ ...options, contracts, ...(multicall !== undefined ? { multicall } : {}) });
  }

  /** The context this client runs on, for calling actions directly. */
  get context(): CarechainContext {
    return this.#ctx;
  }

  // Account and Directory
  /** @see {@link audit.getIndexUsage} */
  indexUsage(): IndexUsage | undefined {
    return audit.getIndexUsage(this.#ctx);
  }
  /** @see {@link directory.getAccountAddress} */
  address(): Promise<string> {
    return directory.getAccountAddress(this.#ctx);
  }
  /** @see {@link directory.registerPatient} */
  registerPatient(): Promise<TxResult> {
    return directory.registerPatient(this.#ctx);
  }
  /** @see {@link directory.signPatientRegistration} */
  signPatientRegistration(options: directory.SignPatientRegistrationParameters = {}): Promise<SignedRegistration> {
    return directory.signPatientRegistration(this.#ctx, options);
  }
  /** @see {@link directory.relayPatientRegistration} */
  relayPatientRegistration(signed: SignedRegistration): Promise<TxResult> {
    return directory.relayPatientRegistration(this.#ctx, { signed });
  }
  /** @see {@link directory.registerProvider} */
  registerProvider(account: string, kind: ProviderKind, publicKey: Uint8Array): Promise<TxResult> {
    return directory.registerProvider(this.#ctx, { account, kind, publicKey });
  }
  /** @see {@link directory.suspendProvider} */
  suspendProvider(account: string): Promise<TxResult> {
    return directory.suspendProvider(this.#ctx, { account });
  }
  /** @see {@link directory.reinstateProvider} */
  reinstateProvider(account: string): Promise<TxResult> {
    return directory.reinstateProvider(this.#ctx, { account });
  }

  // Consent
  /** @see {@link consent.grantConsent} */
  grant(grantee: string, terms: GrantTerms, options: OnBehalf = {}): Promise<GrantResult> {
    return consent.grantConsent(this.#ctx, { ...options, grantee, terms });
  }
  /** @see {@link consent.revokeConsent} */
  revoke(grantee: string, options: OnBehalf = {}): Promise<TxResult> {
    return consent.revokeConsent(this.#ctx, { ...options, grantee });
  }
  /** @see {@link signedConsent.signGrant} */
  signGrant(grantee: string, terms: GrantTerms, options: SignOptions = {}): Promise<SignedGrant> {
    return signedConsent.signGrant(this.#ctx, { ...options, grantee, terms });
  }
  /** @see {@link signedConsent.relayGrant} */
  relayGrant(signed: SignedGrant): Promise<GrantResult> {
    return signedConsent.relayGrant(this.#ctx, { signed });
  }
  /** @see {@link signedConsent.signRevoke} */
  signRevoke(grantee: string, options: SignOptions = {}): Promise<SignedRevoke> {
    return signedConsent.signRevoke(this.#ctx, { ...options, grantee });
  }
  /** @see {@link signedConsent.relayRevoke} */
  relayRevoke(signed: SignedRevoke): Promise<TxResult> {
    return signedConsent.relayRevoke(this.#ctx, { signed });
  }
  /** @see {@link consent.cancelNonce} */
  cancelNonce(nonce?: bigint): Promise<TxResult & { nonce: bigint }> {
    return consent.cancelNonce(this.#ctx, nonce === undefined ? {} : { nonce });
  }
  /** @see {@link consent.shareRecords} */
  shareRecords(grantee: string): Promise<{ shared: number; shareTx?: TxResult; skipped: SkippedObject[] }> {
    return consent.shareRecords(this.#ctx, { grantee });
  }

  // Audit
  /** @see {@link audit.listGrants} */
  listGrants(patient: string): Promise<GrantInfo[]> {
    return audit.listGrants(this.#ctx, { patient });
  }
  /** @see {@link audit.auditTrail} */
  auditTrail(patient: string, range: { fromBlock?: number; toBlock?: number } = {}): Promise<AuditEntry[]> {
    return audit.auditTrail(this.#ctx, { ...range, patient });
  }
  /** @see {@link audit.watchAuditTrail} */
  watch(patient: string, options: Omit<audit.WatchAuditTrailParameters, "patient"> = {}): AsyncGenerator<AuditEntry> {
    return audit.watchAuditTrail(this.#ctx, { ...options, patient });
  }
  /** @see {@link audit.canAccess} */
  canAccess(
    patient: string,
    grantee: string,
    category: CategoryRef,
    action: Access,
    purpose?: PurposeCode,
  ): Promise<boolean> {
    return audit.canAccess(this.#ctx, {
      patient,
      grantee,
      category,
      action,
      ...(purpose === undefined ? {} : { purpose }),
    });
  }

  // Delegates
  /** @see {@link delegates.addDelegate} */
  addDelegate(delegate: string, kind: DelegateKind, options: OnBehalf = {}): Promise<TxResult> {
    return delegates.addDelegate(this.#ctx, { ...options, delegate, kind });
  }
  /** @see {@link delegates.removeDelegate} */
  removeDelegate(delegate: string, options: OnBehalf = {}): Promise<TxResult> {
    return delegates.removeDelegate(this.#ctx, { ...options, delegate });
  }
  /** @see {@link delegates.confirmDelegate} */
  confirmDelegate(delegate: string): Promise<TxResult> {
    return delegates.confirmDelegate(this.#ctx, { delegate });
  }
  /** @see {@link delegates.listDelegates} */
  listDelegates(patient?: string): Promise<DelegateInfo[]> {
    return delegates.listDelegates(this.#ctx, patient === undefined ? {} : { patient });
  }

  // Break-glass
  /** @see {@link breakGlass.setEmergencyCategories} */
  setEmergencyCategories(categories: readonly CategoryRef[], options: OnBehalf = {}): Promise<TxResult> {
    return breakGlass.setEmergencyCategories(this.#ctx, { ...options, categories });
  }
  /** @see {@link breakGlass.setEmergencyCustodian} */
  setEmergencyCustodian(custodian: string): Promise<TxResult> {
    return breakGlass.setEmergencyCustodian(this.#ctx, { custodian });
  }
  /** @see {@link breakGlass.setBreakGlassLimits} */
  setBreakGlassLimits(limits: BreakGlassLimits): Promise<TxResult> {
    return breakGlass.setBreakGlassLimits(this.#ctx, limits);
  }
  /** @see {@link breakGlass.getBreakGlassLimits} */
  breakGlassLimits(): Promise<BreakGlassLimits> {
    return breakGlass.getBreakGlassLimits(this.#ctx);
  }
  /** @see {@link breakGlass.openBreakGlass} */
  openBreakGlass(patient: string, options: BreakGlassOptions): Promise<BreakGlassResult> {
    return breakGlass.openBreakGlass(this.#ctx, { ...options, patient });
  }
  /** @see {@link breakGlass.closeBreakGlass} */
  closeBreakGlass(provider: string, options: OnBehalf = {}): Promise<TxResult> {
    return breakGlass.closeBreakGlass(this.#ctx, { ...options, provider });
  }
  /** @see {@link breakGlass.releaseEmergencyKey} */
  releaseEmergencyKey(recordId: string, provider: string, options: ReleaseOptions = {}): Promise<KeyRelease> {
    return breakGlass.releaseEmergencyKey(this.#ctx, { ...options, recordId, provider });
  }

  // Keys
  /** @see {@link keys.rotatePatientKey} */
  async rotatePatientKey(identity: IdentityKeyPair): Promise<KeyRotation> {
    return withClient(await keys.rotatePatientKey(this.#ctx, { identity }));
  }
  /** @see {@link keys.rotateProviderKey} */
  async rotateProviderKey(identity: IdentityKeyPair, patients: readonly string[]): Promise<KeyRotation> {
    return withClient(await keys.rotateProviderKey(this.#ctx, { identity, patients }));
  }

  /** @see {@link postQuantum.publishPostQuantumKey} */
  publishPqKey(): Promise<postQuantum.PublishPostQuantumKeyReturnType> {
    return postQuantum.publishPostQuantumKey(this.#ctx);
  }

  // Threshold custody
  /** @see {@link custody.placeRecordInCustody} */
  placeInCustody(recordId: string, options: { set?: CustodianSet } = {}): Promise<CustodyPlacement> {
    return custody.placeRecordInCustody(this.#ctx, { ...options, recordId });
  }

  // Records
  /** @see {@link recordsWrite.addRecord} */
  addRecord(
    patient: string,
    resource: unknown,
    options: { previous?: string; custody?: RecordCustody } = {},
  ): Promise<AddedRecord> {
    return recordsWrite.addRecord(this.#ctx, { ...options, patient, resource });
  }
  /** @see {@link recordsWrite.amendRecord} */
  amendRecord(previous: string, resource: unknown): Promise<AddedRecord> {
    return recordsWrite.amendRecord(this.#ctx, { previous, resource });
  }
  /** @see {@link recordsRead.readRecord} */
  readRecord<T extends Resource = Resource>(recordId: string, options: ReadOptions = {}): Promise<ReadRecord<T>> {
    return recordsRead.readRecord<T>(this.#ctx, { ...options, recordId });
  }
  /** @see {@link accessLog.logReads} */
  logReads(reads: readonly LoggedRead[]): Promise<TxResult | undefined> {
    return accessLog.logReads(this.#ctx, { reads });
  }
  /** @see {@link accessLog.logBatchReads} */
  logBatchReads(batch: string, reads: readonly LoggedRead[]): Promise<TxResult | undefined> {
    return accessLog.logBatchReads(this.#ctx, { batch, reads });
  }
  /** @see {@link recordsRead.getRecordHistory} */
  history(recordId: string): Promise<RecordList> {
    return recordsRead.getRecordHistory(this.#ctx, { recordId });
  }
  /** @see {@link recordsRead.verifyRecord} */
  verifyRecord(recordId: string): Promise<{ contentCid: CID; keyringCid: CID }> {
    return recordsRead.verifyRecord(this.#ctx, { recordId });
  }
  /** @see {@link recordsRead.getRecord} */
  getRecord(recordId: string): Promise<RecordAnchor> {
    return recordsRead.getRecord(this.#ctx, { recordId });
  }
  /** @see {@link recordsRead.listRecords} */
  listRecords(patient: string, pageSize = 500): Promise<RecordList> {
    return recordsRead.listRecords(this.#ctx, { patient, pageSize });
  }

  // Erasure and portability
  /** @see {@link erasure.erase} */
  erase(params: erasure.EraseParameters): Promise<erasure.EraseReturnType> {
    return erasure.erase(this.#ctx, params);
  }
  /** @see {@link portability.exportBundle} */
  exportBundle(params: portability.ExportBundleParameters): Promise<portability.ExportBundleReturnType> {
    return portability.exportBundle(this.#ctx, params);
  }

  // Attachments
  /** @see {@link attachments.addAttachment} */
  addAttachment(patient: string, source: Uint8Array | ByteSource, options: AttachmentOptions): Promise<Attachment> {
    return attachments.addAttachment(this.#ctx, { patient, source, options });
  }
  /** @see {@link attachments.readAttachment} */
  readAttachment(patient: string, attachment: Attachment): Promise<Uint8Array> {
    return attachments.readAttachment(this.#ctx, { patient, attachment });
  }
  /** @see {@link attachments.readAttachmentStream} */
  readAttachmentStream(patient: string, attachment: Attachment): AsyncGenerator<Uint8Array> {
    return attachments.readAttachmentStream(this.#ctx, { patient, attachment });
  }

  // Batches
  /** @see {@link batches.addRecords} */
  addRecords(
    patient: string,
    resources: readonly unknown[],
    options: Pick<batches.AddRecordsParameters, "keyringVersion"> = {},
  ): Promise<BatchResult> {
    return batches.addRecords(this.#ctx, { patient, resources, ...options });
  }
  /** @see {@link batches.importBundle} */
  importBundle(patient: string, bundle: unknown, options: { batchSize?: number } = {}): Promise<BatchResult[]> {
    return batches.importBundle(this.#ctx, { ...options, patient, bundle });
  }
  /** @see {@link batches.proveBatchRecord} */
  proveBatchRecord(batchId: string, recordId: string): Promise<{ proof: string[]; verifiedOnChain: boolean }> {
    return batches.proveBatchRecord(this.#ctx, { batchId, recordId });
  }

  // Journal
  /** @see {@link journal.resumeWrites} */
  resume(): Promise<journal.ResumeWritesReturnType> {
    return journal.resumeWrites(this.#ctx);
  }
  /** @see {@link journal.pendingWrites} */
  pendingWrites(): Promise<PendingWrite[]> {
    return journal.pendingWrites(this.#ctx);
  }
}

/** A key rotation's result with a client on its new context. */
function withClient({ context, ...rest }: keys.RotateKeyReturnType): KeyRotation {
  return { ...rest, client: new Carechain(context) };
}
