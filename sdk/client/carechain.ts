import { getAddress, keccak256, randomBytes, type ContractTransactionResponse, type Signer } from "ethers";
import type { Attachment, Resource } from "@medplum/fhirtypes";
import { CID } from "multiformats/cid";

import { type CarechainContracts, type CarechainDeployment, connectContracts } from "../chain/deployment.js";
import { PurposeOfUse, purposeMask, purposesOf, type PurposeCode } from "../chain/purpose.js";
import { LogReader, type LogReaderOptions } from "../chain/logs.js";
import type { IndexSource } from "../chain/index-source.js";
import { withRevertDecoding } from "../chain/revert.js";
import { queuedSigner, sendAndConfirm, type QueuedSigner } from "../chain/sender.js";
import type { BlobStore } from "../content/blob-store.js";
import { concatBytes, fromHex, toHex, utf8 } from "../crypto/bytes.js";
import { decryptEnvelope, encryptEnvelope, generateDek, verifyEnvelopeKey, type ByteSource } from "../crypto/envelope.js";
import type { IdentityKeyPair } from "../crypto/identity.js";
import {
  createKeyring,
  decodeKeyring,
  encodeKeyring,
  openKeyring,
  sealKeyring,
  type Keyring,
  type SkippedRecipient,
} from "../crypto/keyring.js";
import { assertX25519PublicKey } from "../crypto/public-key.js";
import { checkLimit, MAX_RECORD_BYTES } from "../limits.js";
import { signGrantRequest, signRevokeRequest, type GrantRequest, type RevokeRequest } from "../consent/signing.js";
import { StandardMerkleTree } from "../content/merkle.js";

import { BATCH_LEAF_ENCODING, batchLeaf, batchTree, decodeManifest, digestHex, encodeManifest, type BatchEntry, type BatchManifest } from "./batch.js";
import { batchIdOf, recordIdOf } from "./record-id.js";
import { decryptAttachment, encryptAttachment, type AttachmentOptions } from "./attachments.js";
import { keyReleaseMessage, requestKeyRelease, type KeyReleaseBatch } from "./custodian.js";
import { IndexedReads, type IndexUsage } from "./index-reads.js";
import { DEFAULT_RETRY, MemoryJournal, type PendingWrite, type RetryPolicy, type WriteJournal } from "./journal.js";
import { deriveRecordKey } from "./record-key.js";
import { RecordWrite } from "./write-attempt.js";
import { cidOf } from "../content/cid.js";
import { CarechainError } from "../errors/base.js";
import {
  ContractRevertError,
  RecordAlreadyAnchoredError,
  RecordNotFoundError,
  RecordReadConsentRequiredError,
  RecordUnauthorizedAmenderError,
  RecordWriteConsentRequiredError,
  UnknownRevertError,
} from "../errors/contract.js";
import {
  BatchCategoryNotDeclaredError,
  BlobNotFoundError,
  DecryptionError,
  FhirValidationError,
  FormatError,
  IntegrityError,
  InvalidPublicKeyError,
  NotARecipientError,
  RecordAnchorConflictError,
  RecordCategoryMismatchError,
} from "../errors/data.js";
import { canonicalJson } from "../fhir/canonical.js";
import { Category, categoriesOf, categoriesOfMask, categoryMask, type CategoryId } from "../fhir/categories.js";
import type { FhirValidator } from "../fhir/validator.js";
import type { AuditEntry, GrantInfo } from "../fhir/exports.js";
import {
  DELEGATE_KINDS,
  PROVIDER_KINDS,
  type BreakGlassLimits,
  type BreakGlassResult,
  type DelegateInfo,
  type DelegateKind,
  type GrantResult,
  type KeyRotation,
  type OnBehalf,
  type PreparedKeyrings,
  type SignedGrant,
  type SignedRevoke,
  type AddedRecord,
  type BatchResult,
  type CategoryRef,
  type GrantTerms,
  type ProviderKind,
  type ReadRecord,
  type RecordAnchor,
  type RecordList,
  type SkippedObject,
  type TxResult,
} from "./types.js";

/** What a {@link Carechain} client needs. */
export interface CarechainOptions {
  /** The contracts, bound to `signer`. */
  readonly contracts: CarechainContracts;
  /** The account this client acts as (patient, provider or registrar). */
  readonly signer: Signer;
  /** The account's X25519 identity key pair (its public half is what the Directory holds). */
  readonly identity: IdentityKeyPair;
  /** Where ciphertext and keyrings are kept. */
  readonly store: BlobStore;
  /** FHIR validator applied before encryption and after decryption. */
  readonly validator: FhirValidator;
  /** Whether {@link Carechain.readRecord} logs each read on chain (`logAccess`); default true. */
  readonly logAccess?: boolean;
  /** First block to search for events (the deployment block); default 0. */
  readonly fromBlock?: number;
  /**
   * How event logs are read: a {@link LogReader} (shared by several clients) or its options. Every log query pages
   * `eth_getLogs` by block range under the RPC provider's caps and retries rate limits and timeouts (default: pages
   * of at most 10,000 blocks, adapting to the provider).
   */
  readonly logs?: LogReader | LogReaderOptions;
  /**
   * An index of the chain's history (e.g. {@link HttpIndexSource} on the Carechain indexer). With one, grants, the
   * audit trail, records, histories, anchors, keyrings and the write path's readers are read from it, and whatever
   * decides access is checked on chain first (an answer the chain contradicts is an `IndexContradictedError`); when it
   * is unavailable, behind (the chain's head for lists and readers, this client's last write otherwise) or
   * incomplete, the client reads the chain instead (see docs/indexer.md and {@link Carechain.indexUsage}).
   */
  readonly index?: IndexSource;
  /** URL of the emergency custodian service, for break-glass reads (see sdk/node/custodian-service.ts). */
  readonly custodianUrl?: string;
  /** Journal of writes stored but not yet anchored (default: in memory; `FileJournal` survives a crash). */
  readonly journal?: WriteJournal;
  /** Bounded retries with backoff for anchoring when the chain is unreachable (default {@link DEFAULT_RETRY}). */
  readonly retry?: Partial<RetryPolicy>;
}

/** {@link CarechainOptions} with a deployment instead of bound contracts. */
export type CarechainConnectOptions = Omit<CarechainOptions, "contracts"> & { readonly deployment: CarechainDeployment };

const RECORD_CONTEXT = utf8("carechain/record/v2");
const READ = 0;
const WRITE = 1;

/**
 * The Carechain client: one account's view of the system. Patients register, grant and revoke; providers add
 * and read records; a registrar credentials providers. Records are validated FHIR R4, encrypted on the client,
 * stored by CID and anchored on chain; reads are consent-checked on chain, CID-verified and authenticated.
 *
 * @example
 * const patient = await Carechain.connect({ deployment, signer, identity, store, validator });
 * await patient.registerPatient();
 * await patient.grant(hospitalAddress, { read: ["Laboratory"], write: ["Laboratory"], expiresAt: in30Days });
 * const { resource } = await hospital.readRecord(recordId);
 */
export class Carechain {
  /** The contracts this client talks to. */
  readonly contracts: CarechainContracts;
  /** This client's identity key pair. */
  readonly identity: IdentityKeyPair;
  /** This client's blob store. */
  readonly store: BlobStore;
  readonly #signer: Signer;
  /** `#signer` behind its account's send queue; the contracts are bound to it. */
  readonly #sender: QueuedSigner;
  readonly #validator: FhirValidator;
  readonly #logAccess: boolean;
  readonly #fromBlock: number;
  readonly #logs: LogReader;
  readonly #custodianUrl: string | undefined;
  readonly #journal: WriteJournal;
  readonly #retry: RetryPolicy;
  readonly #batches = new Map<string, Promise<LoadedBatch>>();
  readonly #index: IndexSource | undefined;
  /** Reads through `#index`, or undefined without one. */
  readonly #indexed: IndexedReads | undefined;
  /** The block of this client's last confirmed transaction: index answers must include it (read your writes). */
  #lastBlock = 0;
  #address: string | undefined;

  /**
   * Builds a client on contracts already bound (see {@link connectContracts}). The contracts are bound again to
   * `signer` behind its account's send queue (see {@link QueuedSigner}), so every transaction of the client, and of
   * `client.contracts.*`, goes out one at a time with managed nonces.
   * @param options - Bound contracts, signer, identity, store and validator.
   * @throws {CarechainError} `CHAIN` when the signer has no provider.
   */
  constructor(options: CarechainOptions) {
    this.#sender = queuedSigner(options.signer);
    this.contracts = {
      directory: options.contracts.directory.connect(this.#sender),
      consent: options.contracts.consent.connect(this.#sender),
      records: options.contracts.records.connect(this.#sender),
    };
    this.identity = options.identity;
    this.store = options.store;
    this.#signer = options.signer;
    this.#validator = options.validator;
    this.#logAccess = options.logAccess ?? true;
    this.#fromBlock = options.fromBlock ?? 0;
    this.#logs = options.logs instanceof LogReader ? options.logs : new LogReader(this.#sender.provider!, options.logs);
    this.#custodianUrl = options.custodianUrl;
    this.#journal = options.journal ?? new MemoryJournal();
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#index = options.index;
    this.#indexed = options.index
      ? new IndexedReads({
          index: options.index,
          contracts: this.contracts,
          provider: this.#sender.provider!,
          minBlock: () => this.#lastBlock,
          getRecord: (id) => this.getRecord(id),
          mayRead: (patient, account, categories) => this.#mayAll(patient, account, categories, "read"),
        })
      : undefined;
  }

  /**
   * How this client's reads were answered: by the index (after the checks on chain) or by the chain when the index
   * was unavailable, behind or incomplete; undefined when the client has no index.
   * @returns Counts per read, readers the chain refused, and the reason of the last fallback.
   */
  indexUsage(): IndexUsage | undefined {
    return this.#indexed?.usage();
  }

  /**
   * Connects to a deployment: checks the chain id and the contract code, then binds the contracts to `signer`
   * behind its account's send queue. Clients of the same account on the same chain in one process share that queue
   * and its nonce count, so their transactions never race for a nonce (see {@link QueuedSigner}).
   * @param options - The deployment, signer, identity, store and validator.
   * @returns The client.
   * @throws {DeploymentError} When the deployment is not on the signer's chain.
   */
  static async connect(options: CarechainConnectOptions): Promise<Carechain> {
    const contracts = await connectContracts(options.deployment, options.signer);
    return new Carechain({ ...options, contracts });
  }

  /** The checksummed address of this client's account. */
  async address(): Promise<string> {
    this.#address ??= getAddress(await this.#signer.getAddress());
    return this.#address;
  }

  // ── Directory ────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Registers this account as a patient with its identity public key.
   * @returns The Directory transaction.
   * @throws {InvalidPublicKeyError} When the identity's public key is non-canonical or a small-order point (the
   * Directory would refuse it too: nothing is sent).
   */
  async registerPatient(): Promise<TxResult> {
    assertX25519PublicKey(this.identity.publicKey, "identity.publicKey");
    return this.#send("registerPatient", () => this.contracts.directory.registerPatient(toHex(this.identity.publicKey)));
  }

  /**
   * Credentials `account` as a provider (registrar only).
   * @param account - The provider's address.
   * @param kind - hospital, clinic, lab, pharmacy, insurer, research or emergency.
   * @param publicKey - The provider's X25519 public key (32 bytes).
   * @throws {InvalidPublicKeyError} When `publicKey` is non-canonical or a small-order point (nothing is sent).
   * @throws {AccessControlUnauthorizedAccountError} When this account is not a registrar.
   */
  async registerProvider(account: string, kind: ProviderKind, publicKey: Uint8Array): Promise<TxResult> {
    const index = PROVIDER_KINDS.indexOf(kind);
    if (index <= 0) throw new RangeError(`kind: expected one of ${PROVIDER_KINDS.slice(1).join(", ")}, got ${kind}`);
    assertX25519PublicKey(publicKey);
    return this.#send("registerProvider", () =>
      this.contracts.directory.registerProvider(account, index, toHex(publicKey)),
    );
  }

  /** Suspends `account` (registrar only): it loses all access at once. */
  async suspendProvider(account: string): Promise<TxResult> {
    return this.#send("suspendProvider", () => this.contracts.directory.suspendProvider(account));
  }

  /** Reinstates a suspended provider (registrar only). */
  async reinstateProvider(account: string): Promise<TxResult> {
    return this.#send("reinstateProvider", () => this.contracts.directory.reinstateProvider(account));
  }

  // ── Consent ──────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Grants `grantee` access to a patient's records, replacing any earlier grant to it. Keys follow consent: when
   * this client is the patient, its existing records in the read categories are made readable by the grantee
   * (a keyring per record for the grantee, published on chain; record CIDs never change).
   * @param grantee - A registered provider or patient.
   * @param terms - Categories to read and write, purposes (default TREAT) and expiry.
   * @param options - `patient`: act as a delegate of this patient (`grantFor`).
   * @throws {ConsentUnauthorizedActorError} When acting for a patient this account is no delegate of.
   */
  async grant(grantee: string, terms: GrantTerms, options: OnBehalf = {}): Promise<GrantResult> {
    const onChain = consentTerms(terms);
    const me = await this.address();
    const patient = options.patient ? getAddress(options.patient) : me;
    const tx = await this.#send("grant", () =>
      patient === me ? this.contracts.consent.grant(grantee, onChain) : this.contracts.consent.grantFor(patient, grantee, onChain),
    );
    if (patient !== me) return { ...tx, shared: 0, skipped: [] };
    return { ...tx, ...(await this.shareRecords(grantee)) };
  }

  /**
   * Revokes a grant, effective in the next block. Records written from then on are not wrapped for the grantee;
   * what it already read cannot be recalled.
   * @param options - `patient`: act as a delegate of this patient (`revokeFor`).
   */
  async revoke(grantee: string, options: OnBehalf = {}): Promise<TxResult> {
    const me = await this.address();
    const patient = options.patient ? getAddress(options.patient) : me;
    return this.#send("revoke", () =>
      patient === me ? this.contracts.consent.revoke(grantee) : this.contracts.consent.revokeFor(patient, grantee),
    );
  }

  /**
   * Signs a grant (EIP-712) that anyone may relay with {@link Carechain.relayGrant}: the signer needs no ETH.
   * When this client is the patient, keyrings for its existing records in scope are prepared and stored too.
   * The request carries the pair's current `consentEpoch`: once the grant to `grantee` changes (a revoke above all)
   * it can no longer be relayed (`ConsentSignatureStaleError`).
   * @param options - `patient` (when signing as a delegate), `deadline` (default one hour), `nonce` (default the
   * signer's next nonce on chain).
   */
  async signGrant(
    grantee: string,
    terms: GrantTerms,
    options: OnBehalf & { deadline?: Date | bigint | number; nonce?: bigint } = {},
  ): Promise<SignedGrant> {
    const me = await this.address();
    const patient = options.patient ? getAddress(options.patient) : me;
    const request: GrantRequest = {
      patient,
      grantee: getAddress(grantee),
      ...consentTerms(terms),
      epoch: await this.contracts.consent.consentEpoch(patient, grantee),
      ...(await this.#requestEnvelope(me, options)),
    };
    const signature = await signGrantRequest(this.#signer, request);
    if (patient !== me) return { request, signature, keyrings: EMPTY_KEYRINGS };
    const { skipped, ...keyrings } = await this.#prepareKeyrings(patient, grantee, categoriesOfMask(request.readMask));
    return { request, signature, keyrings, skipped };
  }

  /** Relays a signed grant (this client pays the gas), then publishes the keyrings the patient prepared. */
  async relayGrant(signed: SignedGrant): Promise<GrantResult> {
    const tx = await this.#send("grantBySig", () => this.contracts.consent.grantBySig(signed.request, signed.signature));
    const shareTx = await this.#publish(signed.keyrings);
    return { ...tx, shared: signed.keyrings.recordIds.length, shareTx, skipped: [] };
  }

  /**
   * Signs a revocation (EIP-712) that anyone may relay with {@link Carechain.relayRevoke}. Like a signed grant, it
   * carries the pair's current `consentEpoch` and is stale once the grant changes.
   */
  async signRevoke(
    grantee: string,
    options: OnBehalf & { deadline?: Date | bigint | number; nonce?: bigint } = {},
  ): Promise<SignedRevoke> {
    const me = await this.address();
    const patient = options.patient ? getAddress(options.patient) : me;
    const request: RevokeRequest = {
      patient,
      grantee: getAddress(grantee),
      epoch: await this.contracts.consent.consentEpoch(patient, grantee),
      ...(await this.#requestEnvelope(me, options)),
    };
    return { request, signature: await signRevokeRequest(this.#signer, request) };
  }

  /** Relays a signed revocation (this client pays the gas). */
  async relayRevoke(signed: SignedRevoke): Promise<TxResult> {
    return this.#send("revokeBySig", () => this.contracts.consent.revokeBySig(signed.request, signed.signature));
  }

  /**
   * Cancels this account's current signed-request nonce on chain, so that a grant or revoke it signed with that
   * nonce (handed to a relayer that withholds it, or leaked) can never be submitted. Requests signed afterwards use
   * the next nonce. A revoke already makes every signed request for that grantee stale; this is for the rest.
   * @param nonce - The nonce to cancel; default this account's current nonce on chain.
   * @returns The transaction and the nonce it cancelled (`NonceCancelled` event).
   * @throws {InvalidAccountNonceError} When `nonce` is not this account's current nonce.
   */
  async cancelNonce(nonce?: bigint): Promise<TxResult & { nonce: bigint }> {
    const n = nonce ?? (await this.contracts.consent.nonces(await this.address()));
    const tx = await this.#send("cancelNonce", () => this.contracts.consent.cancelNonce(n));
    return { ...tx, nonce: n };
  }

  /**
   * Makes this patient's existing records readable by `grantee` in the categories its live grant may read:
   * a keyring per record for the grantee's Directory key, published on chain in one transaction. A record that
   * can't be opened (missing or bad keyring, erased ciphertext) or a batch that can't be read is left out and
   * reported in `skipped`; the others are shared.
   * @param grantee - The grantee's address.
   * @returns How many records were shared, the transaction (none when nothing was in scope), and what was
   * skipped and why.
   */
  async shareRecords(grantee: string): Promise<{ shared: number; shareTx?: TxResult; skipped: SkippedObject[] }> {
    const me = await this.address();
    const terms = await this.contracts.consent.consentOf(me, grantee);
    const { skipped, ...keyrings } = await this.#prepareKeyrings(me, grantee, categoriesOfMask(terms.readMask));
    return { shared: keyrings.recordIds.length, shareTx: await this.#publish(keyrings), skipped };
  }

  /**
   * Every grant ever made on `patient`'s records, oldest first, each marked active when it is the grantee's
   * current, unrevoked, unexpired grant. Export one with `grantToConsent` for FHIR systems.
   */
  async listGrants(patient: string): Promise<GrantInfo[]> {
    const consent = this.contracts.consent;
    const p = getAddress(patient);
    const indexed = await this.#indexed?.grants(p);
    if (indexed) return indexed;
    const granted = await this.#logs.query(consent, consent.filters.ConsentGranted(p), this.#fromBlock);
    const revoked = await this.#logs.query(consent, consent.filters.ConsentRevoked(p), this.#fromBlock);
    const now = (await this.#signer.provider!.getBlock("latest"))!.timestamp;
    const times = await this.#blockTimes([...granted, ...revoked].map((e) => e.blockNumber));
    const order = (e: { blockNumber: number; index: number }) => e.blockNumber * 1e6 + e.index;
    const lastChange = new Map<string, number>();
    for (const e of [...granted, ...revoked]) {
      lastChange.set(e.args.grantee, Math.max(lastChange.get(e.args.grantee) ?? -1, order(e)));
    }
    return granted.map((e) => {
      const t = e.args.terms;
      const expiresAt = Number(t.expiresAt);
      return {
        patient: e.args.patient,
        grantee: e.args.grantee,
        actor: e.args.actor,
        read: categoriesOfMask(t.readMask),
        write: categoriesOfMask(t.writeMask),
        purposes: purposesOf(Number(t.purposes)),
        grantedAt: times.get(e.blockNumber)!,
        expiresAt,
        active: lastChange.get(e.args.grantee) === order(e) && expiresAt > now,
        tx: e.transactionHash,
      };
    });
  }

  /**
   * `patient`'s audit trail, in chain order: who wrote, read, granted, revoked, delegated, broke the glass and
   * released keys, when, and for which purpose. Export an entry with `auditEntryToFhir`.
   */
  async auditTrail(patient: string, range: { fromBlock?: number; toBlock?: number } = {}): Promise<AuditEntry[]> {
    const p = getAddress(patient);
    const { consent, records } = this.contracts;
    const from = range.fromBlock ?? this.#fromBlock;
    const to = range.toBlock ?? "latest";
    const indexed = await this.#indexed?.auditTrail(p, from, range.toBlock);
    if (indexed) return indexed;
    const logs = (
      await Promise.all([
        this.#logs.query(consent, consent.filters.ConsentGranted(p), from, to),
        this.#logs.query(consent, consent.filters.ConsentRevoked(p), from, to),
        this.#logs.query(consent, consent.filters.DelegateAdded(p), from, to),
        this.#logs.query(consent, consent.filters.DelegateRemoved(p), from, to),
        this.#logs.query(consent, consent.filters.EmergencyCategoriesSet(p), from, to),
        this.#logs.query(consent, consent.filters.BreakGlassOpened(p), from, to),
        this.#logs.query(consent, consent.filters.BreakGlassClosed(p), from, to),
        this.#logs.query(records, records.filters.RecordAnchored(undefined, p), from, to),
        this.#logs.query(records, records.filters.BatchAnchored(undefined, p), from, to),
        this.#logs.query(records, records.filters.RecordAccessed(undefined, p), from, to),
        this.#logs.query(records, records.filters.KeyringPublished(undefined, p), from, to),
        this.#logs.query(records, records.filters.EmergencyKeyReleased(undefined, p), from, to),
      ])
    ).flat() as unknown as EventLike[];
    logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
    const times = await this.#blockTimes(logs.map((l) => l.blockNumber));
    return logs.map((log) => {
      const a = log.args;
      const [actor, counterpart] = AUDIT_PARTIES[log.eventName]?.(a) ?? [p, undefined];
      const purpose = log.eventName === "RecordAccessed" ? purposesOf(1 << Number(a.purpose))[0] : undefined;
      const recordId = (a.recordId ?? a.batchId) as string | undefined;
      return {
        kind: log.eventName,
        patient: p,
        actor,
        ...(counterpart ? { counterpart } : {}),
        ...(recordId ? { recordId } : {}),
        ...(purpose ? { purpose } : {}),
        time: times.get(log.blockNumber)!,
        block: log.blockNumber,
        tx: log.transactionHash,
        contract: log.address,
      };
    });
  }

  /**
   * A live feed of `patient`'s events — anchors, amendments, batches, accesses, grants, revokes, delegations,
   * break-glass and key releases — as they are mined. Resumes from `fromBlock` (default: the next block), polls
   * every `intervalMs` (default 1000), and ends when `signal` aborts.
   * @example
   * for await (const entry of patient.watch(address, { fromBlock: lastSeen + 1, signal })) show(entry);
   */
  async *watch(
    patient: string,
    options: { fromBlock?: number; intervalMs?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<AuditEntry> {
    const provider = this.#signer.provider!;
    let next = options.fromBlock ?? (await provider.getBlockNumber()) + 1;
    while (!options.signal?.aborted) {
      const latest = await provider.getBlockNumber();
      if (latest >= next) {
        for (const entry of await this.auditTrail(patient, { fromBlock: next, toBlock: latest })) yield entry;
        next = latest + 1;
      }
      await sleep(options.intervalMs ?? 1000, options.signal);
    }
  }

  async #blockTimes(blocks: number[]): Promise<Map<number, number>> {
    const times = new Map<number, number>();
    for (const n of new Set(blocks)) times.set(n, (await this.#signer.provider!.getBlock(n))!.timestamp);
    return times;
  }

  /**
   * Names a delegate who may manage consent for a patient (by the patient, or a guardian for the patient). A
   * delegate a guardian names is unconfirmed until the patient confirms it ({@link Carechain.confirmDelegate}), and
   * is removed with that guardian. Only the patient changes the kind of an existing delegate.
   * @param delegate - The delegate's address.
   * @param kind - `guardian` (of a minor; may also name delegates) or `proxy`.
   * @param options - `patient`: act as a guardian of this patient.
   * @returns The transaction.
   * @throws {ConsentUnauthorizedActorError} When this account is neither the patient nor a guardian of it, or is a
   * guardian changing an existing delegate.
   * @throws {ConsentTooManyDelegatesError} When the patient already has 16 delegates.
   */
  async addDelegate(delegate: string, kind: DelegateKind, options: OnBehalf = {}): Promise<TxResult> {
    const index = DELEGATE_KINDS.indexOf(kind);
    if (index <= 0) throw new RangeError(`kind: expected guardian or proxy, got ${String(kind)}`);
    const patient = options.patient ?? (await this.address());
    return this.#send("addDelegate", () => this.contracts.consent.addDelegate(patient, delegate, index));
  }

  /**
   * Removes a delegate (by the patient, a guardian, or the delegate itself). The unconfirmed delegates it named go
   * with it (recursively), and each removed delegate's current signed-request nonce is used up, so its old
   * signatures stay dead if it is named again.
   * @param delegate - The delegate's address.
   * @param options - `patient`: act as a guardian of this patient (or as the delegate removing itself).
   * @returns The transaction.
   * @throws {ConsentDelegateNotFoundError | ConsentUnauthorizedActorError}
   */
  async removeDelegate(delegate: string, options: OnBehalf = {}): Promise<TxResult> {
    const patient = options.patient ?? (await this.address());
    return this.#send("removeDelegate", () => this.contracts.consent.removeDelegate(patient, delegate));
  }

  /**
   * Confirms a delegate that a guardian named for this patient: it then stays when that guardian is removed. By
   * the patient itself (not by a delegate).
   * @param delegate - The delegate's address.
   * @returns The transaction.
   * @throws {ConsentDelegateNotFoundError} When `delegate` is not a delegate of this account.
   * @throws {ConsentDelegateAlreadyConfirmedError} When the patient named or confirmed it already.
   */
  async confirmDelegate(delegate: string): Promise<TxResult> {
    return this.#send("confirmDelegate", () => this.contracts.consent.confirmDelegate(delegate));
  }

  /**
   * The current delegates of a patient, from the chain: kind, who named each, and whether the patient confirmed it.
   * @param patient - The patient; default this client's own account.
   * @returns One entry per delegate (in no particular order).
   */
  async listDelegates(patient?: string): Promise<DelegateInfo[]> {
    const p = patient ? getAddress(patient) : await this.address();
    const list = await withRevertDecoding("delegatesOf", () => this.contracts.consent.delegatesOf(p));
    return list.map((d) => ({
      delegate: d.delegate,
      kind: DELEGATE_KINDS[Number(d.kind)] as DelegateKind,
      namedBy: d.namedBy,
      confirmed: d.confirmed,
    }));
  }

  // ── Emergency access ─────────────────────────────────────────────────────────────────────────────────────

  /** Sets the categories break-glass may read (default: the International Patient Summary set). */
  async setEmergencyCategories(categories: readonly CategoryRef[], options: OnBehalf = {}): Promise<TxResult> {
    const patient = options.patient ?? (await this.address());
    const mask = categoryMask(categories.map(categoryIdOf));
    return this.#send("setEmergencyCategories", () => this.contracts.consent.setEmergencyCategories(patient, mask));
  }

  /** Names the emergency key custodian in the Directory (admin only). */
  async setEmergencyCustodian(custodian: string): Promise<TxResult> {
    return this.#send("setEmergencyCustodian", () => this.contracts.directory.setEmergencyCustodian(custodian));
  }

  /**
   * Sets the Directory's break-glass bounds (admin only): at most `maxPerProvider` openings by one provider and
   * `maxPerPatient` on one patient in any `windowSeconds`, and `cooldownSeconds` after an episode ends before the
   * same provider may open again on the same patient.
   * @param limits - Openings 1 to 255; window one minute to 30 days; cooldown one minute to seven days.
   * @returns The transaction.
   * @throws {DirectoryInvalidBreakGlassLimitsError} When a value is out of bounds.
   * @throws {AccessControlUnauthorizedAccountError} When this account is not the admin.
   */
  async setBreakGlassLimits(limits: BreakGlassLimits): Promise<TxResult> {
    return this.#send("setBreakGlassLimits", () =>
      this.contracts.directory.setBreakGlassLimits({
        maxPerProvider: limits.maxPerProvider,
        maxPerPatient: limits.maxPerPatient,
        window: BigInt(limits.windowSeconds),
        cooldown: BigInt(limits.cooldownSeconds),
      }),
    );
  }

  /**
   * The Directory's current break-glass bounds (defaults: 20 openings per provider and 5 per patient in any 24
   * hours, 15 minutes' cooldown).
   * @returns The limits, in openings and seconds.
   */
  async breakGlassLimits(): Promise<BreakGlassLimits> {
    const l = await withRevertDecoding("breakGlassLimits", () => this.contracts.directory.breakGlassLimits());
    return {
      maxPerProvider: Number(l.maxPerProvider),
      maxPerPatient: Number(l.maxPerPatient),
      windowSeconds: Number(l.window),
      cooldownSeconds: Number(l.cooldown),
    };
  }

  /**
   * Opens break-glass: read-only access to `patient`'s emergency categories, without consent, for at most the
   * Directory's maximum (24 h by default). Loud: the event is on the patient's feed and in the audit trail.
   * Only a hash of the justification goes on chain (salted, so short texts can't be guessed); keep the text and
   * salt for the review. A justification is required (the chain refuses a zero hash too). Bounded: not again on
   * the same patient within the Directory's cooldown after the last episode ended (closed or expired), and at most
   * the Directory's number of openings per provider and per patient in any window (`Directory.breakGlassLimits`).
   * @param patient - The patient's address.
   * @param options - `justification`: the written reason (non-empty); `durationSeconds`: a positive integer.
   * @returns The transaction, the hash and salt of the justification, and when the episode ends.
   * @throws {RangeError} When the justification is empty or the duration is not a positive integer.
   * @throws {ConsentNotEmergencyProviderError | ConsentBreakGlassAlreadyOpenError | ConsentBreakGlassInvalidDurationError}
   * @throws {ConsentBreakGlassCooldownError | ConsentBreakGlassProviderRateLimitedError | ConsentBreakGlassPatientRateLimitedError}
   */
  async openBreakGlass(
    patient: string,
    options: { justification: string; durationSeconds: number },
  ): Promise<BreakGlassResult> {
    if (typeof options.justification !== "string" || options.justification.trim().length === 0) {
      throw new RangeError("justification: must not be empty");
    }
    if (!Number.isSafeInteger(options.durationSeconds) || options.durationSeconds <= 0) {
      throw new RangeError(`durationSeconds: expected a positive integer, got ${options.durationSeconds}`);
    }
    const salt = toHex(randomBytes(16));
    const justificationHash = keccak256(concatBytes(fromHex("salt", salt), utf8(options.justification)));
    const tx = await this.#send("openBreakGlass", () =>
      this.contracts.consent.openBreakGlass(patient, justificationHash, BigInt(options.durationSeconds)),
    );
    const expiresAt = Number(await this.contracts.consent.breakGlassExpiry(patient, await this.address()));
    return { ...tx, justificationHash, salt, expiresAt };
  }

  /** Closes `provider`'s break-glass early (the patient, a delegate, or the provider). */
  async closeBreakGlass(provider: string, options: OnBehalf = {}): Promise<TxResult> {
    const patient = options.patient ?? (await this.address());
    return this.#send("closeBreakGlass", () => this.contracts.consent.closeBreakGlass(patient, provider));
  }

  /**
   * The custodian's side of an emergency key release: checks on chain that `provider`'s break-glass covers the
   * record and logs the release there (the transaction reverts otherwise), then wraps the record key for the
   * provider's Directory key. Used by the custodian service; this client must be the Directory's custodian.
   * @param recordId - The record version (0x hex).
   * @param provider - The emergency provider asking.
   * @param options - `batch`: for a batch-anchored record, its batch id and Merkle proof; the record is found in
   * the batch's verified manifest and the chain checks the proof (`logBatchKeyRelease`).
   * @returns The keyring bytes (one recipient: the provider) and the logging transaction.
   * @throws {RecordBreakGlassRequiredError | RecordNotEmergencyCustodianError | RecordNotInBatchError}
   * @throws {IntegrityError} When the record is not in the batch's manifest.
   */
  async releaseEmergencyKey(
    recordId: string,
    provider: string,
    options: { batch?: KeyReleaseBatch } = {},
  ): Promise<{ keyring: Uint8Array; tx: TxResult }> {
    const id = toHex(fromHex("recordId", recordId, 32));
    let located: { contentCid: CID; keyringCid: CID; anchor: { patient: string; author: string; categoryMask: bigint } };
    let tx: TxResult;
    if (options.batch) {
      const batchId = toHex(fromHex("batch.batchId", options.batch.batchId, 32));
      const proof = options.batch.proof.map((node, i) => toHex(fromHex(`batch.proof[${i}]`, node, 32)));
      const inBatch = await this.#locateInBatch(batchId, id);
      located = inBatch;
      tx = await this.#send("logBatchKeyRelease", () =>
        this.contracts.records.logBatchKeyRelease(
          batchId,
          id,
          inBatch.anchor.categoryMask,
          digestHex(inBatch.keyringCid),
          proof,
          provider,
        ),
      );
    } else {
      tx = await this.#send("logKeyRelease", () => this.contracts.records.logKeyRelease(id, provider));
      located = { ...(await this.#anchorEvent(id)), anchor: await this.getRecord(id) };
    }
    const { contentCid, keyringCid, anchor } = located;
    const context = recordContext(anchor.patient, anchor.author, anchor.categoryMask);
    const { dek } = await this.#openRecordKey(id, contentCid, keyringCid, context);
    const key = fromHex("encryptionKey", await this.contracts.directory.encryptionKeyOf(provider), 32);
    return { keyring: encodeKeyring(await createKeyring(contentCid, dek, [key])), tx };
  }

  /**
   * Replaces this patient's encryption key: registers `identity`'s public key on chain and re-wraps every record
   * this patient can open for the new key (keyrings published on chain). Returns a client that uses the new key.
   * One bad object never blocks a rotation: a record or batch that can't be read (missing manifest, garbage or
   * wrong-key keyring, erased ciphertext) is left out and reported in `skipped`.
   * @param identity - The new identity key pair.
   * @returns The new client, the Directory transaction, how many records were re-wrapped, and what was skipped.
   * @throws {InvalidPublicKeyError} When `identity.publicKey` is not a usable X25519 public key (nothing is sent).
   */
  async rotatePatientKey(identity: IdentityKeyPair): Promise<KeyRotation> {
    assertX25519PublicKey(identity.publicKey, "identity.publicKey");
    const me = await this.address();
    const list = await this.listRecords(me);
    const { skipped, ...keyrings } = await this.#rewrap(list, identity.publicKey);
    const tx = await this.#send("rotatePatientKey", () => this.contracts.directory.rotatePatientKey(toHex(identity.publicKey)));
    return {
      client: this.#withIdentity(identity),
      tx,
      rewrapped: keyrings.recordIds.length,
      shareTx: await this.#publish(keyrings),
      skipped: [...list.skipped, ...skipped],
    };
  }

  /**
   * Replaces this provider's encryption key: registers `identity`'s public key and re-wraps, for the new key, every
   * record of `patients` this provider can still read (keyrings published on chain — a current reader may publish).
   * Returns a client that uses the new key. Records of patients not listed are re-shared by those patients'
   * `shareRecords`, or read with the old key.
   */
  async rotateProviderKey(identity: IdentityKeyPair, patients: readonly string[]): Promise<KeyRotation> {
    assertX25519PublicKey(identity.publicKey, "identity.publicKey");
    const me = await this.address();
    const readable: RecordAnchor[] = [];
    const listSkipped: SkippedObject[] = [];
    for (const patient of patients) {
      const list = await this.listRecords(patient);
      listSkipped.push(...list.skipped);
      for (const r of list) {
        if (await this.#mayAll(r.patient, me, r.categories, "read")) readable.push(r);
      }
    }
    const { skipped, ...keyrings } = await this.#rewrap(readable, identity.publicKey);
    const tx = await this.#send("rotateProviderKey", () => this.contracts.directory.rotateProviderKey(toHex(identity.publicKey)));
    return {
      client: this.#withIdentity(identity),
      tx,
      rewrapped: keyrings.recordIds.length,
      shareTx: await this.#publish(keyrings),
      skipped: [...listSkipped, ...skipped],
    };
  }

  /**
   * Keyrings for `key` of every single-anchored record in `records` this client can open. A record whose key
   * can't be found or checked (erased ciphertext, missing or bad keyrings, not ours) is skipped and reported, as
   * is every bad keyring passed over on the way.
   */
  async #rewrap(
    records: readonly RecordAnchor[],
    key: Uint8Array,
  ): Promise<PreparedKeyrings & { skipped: SkippedObject[] }> {
    const recordIds: string[] = [];
    const keyringCids: Uint8Array[] = [];
    const skipped: SkippedObject[] = [];
    for (const r of records) {
      if (r.batch) continue; // see docs/records.md: batch records have no per-record keyrings to publish
      try {
        const { contentCid, keyringCid } = await this.#anchorEvent(r.recordId);
        const context = recordContext(r.patient, r.author, r.categoryMask);
        const opened = await this.#openRecordKey(r.recordId, contentCid, keyringCid, context);
        skipped.push(...opened.skipped);
        keyringCids.push((await this.store.put(encodeKeyring(await createKeyring(contentCid, opened.dek, [key])))).bytes);
        recordIds.push(r.recordId);
      } catch (error) {
        if (!isObjectFault(error)) throw error;
        skipped.push({ recordId: r.recordId, error });
      }
    }
    return { recordIds, keyringCids, skipped };
  }

  /** This client with another identity key pair (same account, store, journal and settings). */
  #withIdentity(identity: IdentityKeyPair): Carechain {
    return new Carechain({
      contracts: this.contracts,
      signer: this.#signer,
      identity,
      store: this.store,
      validator: this.#validator,
      logAccess: this.#logAccess,
      fromBlock: this.#fromBlock,
      logs: this.#logs,
      index: this.#index,
      custodianUrl: this.#custodianUrl,
      journal: this.#journal,
      retry: this.#retry,
    });
  }

  /**
   * Asks the chain whether `grantee` may `action` `patient`'s records of `category` (for `purpose`, if given).
   */
  async canAccess(
    patient: string,
    grantee: string,
    category: CategoryRef,
    action: "read" | "write",
    purpose?: PurposeCode,
  ): Promise<boolean> {
    const id = categoryIdOf(category);
    const act = action === "read" ? READ : WRITE;
    return withRevertDecoding("canAccess", () =>
      purpose === undefined
        ? this.contracts.consent.canAccess(patient, grantee, id, act)
        : this.contracts.consent.canAccessForPurpose(patient, grantee, id, act, PurposeOfUse[purpose]),
    );
  }

  // ── Records ──────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Adds a FHIR R4 resource to `patient`'s record: validate → categorise every resource in it ({@link categoriesOf}:
   * contained resources, Bundle entries, every category coding) → canonical JSON → encrypt with a key derived from
   * the content (the same content by the same author for the same patient, as the same amendment, is the same
   * record: writing it again returns the existing one) → store → wrap the key for the patient, this author and every
   * current reader of all those categories → store the keyring → journal → anchor with the category mask. Anchoring
   * needs write consent for every category (or this account being the patient).
   * @param patient - The patient's address.
   * @param resource - A FHIR R4 resource.
   * @param options - `previous`: the version this one amends (by its original author, the patient or a delegate).
   * A reader whose Directory key can't be wrapped for (not a usable X25519 key) is left out and listed in
   * `skippedRecipients`; everyone else gets the key.
   * @throws {FhirValidationError} When the resource is invalid (nothing is stored or anchored).
   * @throws {SizeLimitError} When its canonical JSON is over `MAX_RECORD_BYTES` (nothing is stored or anchored).
   * @throws {RecordWriteConsentRequiredError} When this account has no write consent for one of the categories
   * (the lowest such is named; nothing is stored or anchored).
   * @throws {RecordUnauthorizedAmenderError} When amending a record this account may not amend (nothing stored).
   * @throws {RecordAnchorConflictError} When the record id is already anchored as something else.
   * @throws {WriteError} When anything fails on the way (a store, a chain read, the anchor transaction, the journal):
   * it carries the `recordId`, the `stage` and `mayHaveLanded`; the write stays in the journal once journaled, and
   * calling `addRecord` again with the same resource finishes it without a second anchor.
   */
  async addRecord(patient: string, resource: unknown, options: { previous?: string } = {}): Promise<AddedRecord> {
    checkRecordSize(resource);
    const valid = this.#validator.validate(resource);
    const plaintext = utf8(canonicalJson(valid));
    checkLimit("recordBytes", plaintext.length, "record");
    const categories = categoriesOf(valid);
    const patientAddress = getAddress(patient);
    const me = await this.address();
    const previous = options.previous ? toHex(fromHex("previous", options.previous, 32)) : ZERO_HASH;
    const mask = categoryMask(categories);
    // The same content by the same author for the same patient (and amended version) gives the same ciphertext, so
    // the same record id: a second attempt meets its own anchor instead of anchoring a copy.
    const { dek, noncePrefix } = deriveRecordKey(this.identity.secretKey, {
      patient: patientAddress,
      author: me,
      categoryMask: mask,
      previous,
      plaintext,
    });
    const envelope = encryptEnvelope(dek, plaintext, recordContext(patientAddress, me, mask), { noncePrefix });
    const contentCid = await cidOf(envelope);
    const write = new RecordWrite(recordIdOf(patientAddress, me, contentCid));
    const recordId = write.recordId!;
    try {
      let pending = await write.step("journal", () => this.#journaled(recordId));
      let sealed: { recipients: number; skipped: SkippedRecipient[] } | undefined;
      if (pending) {
        write.mayHaveLanded = true; // an earlier attempt of this very write: it may have been sent
      } else {
        const denied = await write.step("read", () => this.#firstDenied(patientAddress, me, categories, "write"));
        if (denied !== undefined) {
          throw new RecordWriteConsentRequiredError({ patient: patientAddress, author: me, category: BigInt(denied) });
        }
        if (options.previous) await this.#requireAmender(previous, me);
        await write.step("store", () => this.store.put(envelope));
        write.stage = "read";
        const readers = await this.#readerKeys(patientAddress, categories);
        readers.push(this.identity.publicKey);
        const custodianKey = await this.#custodianKeyFor(patientAddress, categories);
        if (custodianKey) readers.push(custodianKey);
        const { keyring, skipped } = await sealKeyring(contentCid, dek, readers);
        const keyringCid = await write.step("store", () => this.store.put(encodeKeyring(keyring)));
        sealed = { recipients: keyring.recipients.length, skipped };
        pending = {
          recordId,
          patient: patientAddress,
          categories,
          contentCid: contentCid.toString(),
          keyringCid: keyringCid.toString(),
          previous,
          author: me,
          createdAt: Date.now(),
        };
        await write.step("journal", () => this.#journal.put(pending!));
      }
      const anchored = await this.#anchorPending(pending, write);
      const keyringCid = CID.parse(anchored.keyringCid);
      const recipients =
        sealed && anchored.keyringCid === pending.keyringCid
          ? sealed.recipients
          : (await write.step("store", async () => decodeKeyring(await this.store.get(keyringCid)))).recipients.length;
      // Only now, with everything that can fail behind it, does the journal let go of the write.
      await write.step("journal", () => this.#journal.remove(recordId));
      return {
        ...anchored.tx,
        recordId,
        contentCid,
        keyringCid,
        categories,
        recipients,
        skippedRecipients: sealed?.skipped ?? [],
      };
    } catch (error) {
      throw write.error(error);
    }
  }

  /** The journal's entry for `recordId`, if any. */
  async #journaled(recordId: string): Promise<PendingWrite | undefined> {
    if (this.#journal.get) return this.#journal.get(recordId);
    return (await this.#journal.list()).find((w) => w.recordId === recordId);
  }

  /**
   * Refuses, before anything is stored, an amendment of `previous` by an account that is neither its record's
   * original author, nor its patient, nor a delegate of the patient (the contract refuses it too).
   */
  async #requireAmender(previous: string, me: string): Promise<void> {
    const prior = await this.getRecord(previous);
    if (me === prior.originalAuthor || (await this.contracts.consent.isPatientOrDelegate(prior.patient, me))) return;
    throw new RecordUnauthorizedAmenderError({ previous: prior.recordId, account: me });
  }

  /**
   * Encrypts a large file for `patient` (streamed, bounded memory with a streaming store) and returns the FHIR
   * `Attachment` to put in a `DocumentReference` or `Media` that you then add with {@link Carechain.addRecord}.
   * The Attachment holds the file's key: it must only travel inside an encrypted record.
   */
  async addAttachment(patient: string, source: Uint8Array | ByteSource, options: AttachmentOptions): Promise<Attachment> {
    return encryptAttachment(this.store, getAddress(patient), source, options);
  }

  /** Reads an attachment (from a record this client read) into memory; see {@link Carechain.readAttachmentStream}. */
  async readAttachment(patient: string, attachment: Attachment): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const part of this.readAttachmentStream(patient, attachment)) parts.push(part);
    return concatBytes(...parts);
  }

  /**
   * Reads an attachment piece by piece: each piece authenticated; size, hash and CID checked at the end.
   * @throws {FormatError | DecryptionError | IntegrityError | BlobNotFoundError}
   */
  readAttachmentStream(patient: string, attachment: Attachment): AsyncGenerator<Uint8Array> {
    return decryptAttachment(this.store, getAddress(patient), attachment);
  }

  /**
   * Reads a record version: consent checked on chain → keyring and ciphertext fetched and verified against their
   * CIDs → key unwrapped with this identity → decrypted and authenticated → validated → read logged on chain
   * (`logAccess`, unless this client is the patient itself or logging is off).
   * @param recordId - The version id (0x hex digest).
   * @param options - `purpose` of the read (default TREAT); `batch`, the batch that anchored it; `logAccess: false`
   * to leave this read unlogged (for instance to log several reads in one transaction with
   * {@link Carechain.logReads}); default: the client's `logAccess` option.
   * @throws {RecordReadConsentRequiredError} When the chain says this account may not read it for `purpose`.
   * @throws {IntegrityError} When a blob does not match its CID.
   * @throws {NotARecipientError | DecryptionError} When no keyring holds a key for this account that opens the
   * record (keyrings that don't are passed over and listed in `skipped`).
   * @throws {BatchCategoryNotDeclaredError} When the batch's manifest lists the record in a category the batch did
   * not declare on chain (whoever reads: patient or grantee, logging on or off).
   * @throws {SizeLimitError} When the ciphertext is over `MAX_RECORD_ENVELOPE_BYTES` (refused before decrypting).
   * @throws {FhirValidationError} When the decrypted content is not a valid FHIR resource.
   * @throws {RecordCategoryMismatchError} When the decrypted content falls in a category the anchor does not carry.
   */
  async readRecord<T extends Resource = Resource>(
    recordId: string,
    options: { purpose?: PurposeCode; batch?: string; logAccess?: boolean } = {},
  ): Promise<ReadRecord<T>> {
    const purpose = options.purpose ?? "TREAT";
    const id = toHex(fromHex("recordId", recordId, 32));
    const { anchor, contentCid, keyringCid, anchorTx } = options.batch
      ? await this.#locateInBatch(toHex(fromHex("batch", options.batch, 32)), id)
      : { ...(await this.#anchorEvent(id)), anchor: await this.getRecord(id) };
    const me = await this.address();
    const denied = await this.#firstDenied(anchor.patient, me, anchor.categories, "read", purpose);
    if (denied !== undefined) {
      throw new RecordReadConsentRequiredError({
        patient: anchor.patient,
        reader: me,
        category: BigInt(denied),
        purpose: BigInt(PurposeOfUse[purpose]),
      });
    }
    const context = recordContext(anchor.patient, anchor.author, anchor.categoryMask);
    const { dek, envelope, skipped } = await this.#openRecordKey(id, contentCid, keyringCid, context, purpose, anchor.batch);
    const plaintext = decryptEnvelope(dek, envelope, context);
    checkLimit("recordBytes", plaintext.length, "record");
    // Strict JSON (no duplicate keys) and full FHIR validation of what was decrypted.
    const resource = this.#validator.validateJson(plaintext) as T;
    // The category mask is bound as associated data, so an author could only mislabel a record at writing time:
    // refuse a record with content (contained, Bundle entries, category codings) outside the anchored categories,
    // whose readers' consent was never asked for it.
    const content = categoriesOf(resource);
    const outside = content.filter((c) => !anchor.categories.includes(c));
    if (outside.length > 0) {
      throw new RecordCategoryMismatchError("The decrypted record holds content in categories its anchor does not carry.", {
        details: `record=${id} anchored [${anchor.categories.join(",")}] content [${content.join(",")}]`,
      });
    }
    // A patient reading its own record is not an access to log (and patients may hold no ETH).
    let accessLog: TxResult | undefined;
    if ((options.logAccess ?? this.#logAccess) && me !== anchor.patient) {
      const p = PurposeOfUse[purpose];
      accessLog = await this.#send("logAccess", () =>
        anchor.batch
          ? this.contracts.records.logBatchAccess(anchor.batch, id, anchor.categoryMask, p)
          : this.contracts.records.logAccess(id, p),
      );
    }
    return { resource, anchor, contentCid, anchorTx, accessLog, skipped };
  }

  /**
   * Logs many reads on chain in one transaction (`logAccessBatch`): records of one or several patients, each read
   * with its purpose, one `RecordAccessed` event per read in the given order, each checked on chain exactly as
   * `logAccess` checks a single read (read consent for every category of the record and the purpose). As with
   * {@link Carechain.readRecord}, a patient's reads of its own records are not logged: they are left out, and when
   * nothing is left no transaction is sent. For records anchored on their own; a record read from a batch is logged
   * by `readRecord` (`logBatchAccess`). Reads of the same patient for the same purpose are cheapest next to each
   * other (the contract checks each category once per run of them).
   * @example
   * ```ts
   * const reads = ids.map((recordId) => ({ recordId, purpose: "TREAT" as const }));
   * for (const { recordId } of reads) await hospital.readRecord(recordId, { logAccess: false });
   * await hospital.logReads(reads);
   * ```
   * @param reads - The reads: `recordId` (0x hex, 32 bytes) and `purpose` (default TREAT).
   * @returns The transaction, or `undefined` when every read was the patient's own (nothing to log).
   * @throws {RangeError} When `reads` is empty or a purpose is not a known PurposeOfUse code.
   * @throws {TypeError | RangeError} When a record id is not hex, or not 32 bytes.
   * @throws {RecordNotFoundError} When a record id is not anchored on its own (nothing is logged).
   * @throws {RecordReadConsentRequiredError} When any read lacks read consent for one of its record's categories and
   * its purpose (nothing is logged: the transaction logs all the reads or none).
   */
  async logReads(reads: readonly { readonly recordId: string; readonly purpose?: PurposeCode }[]): Promise<TxResult | undefined> {
    const checked = checkedReads(reads);
    const me = await this.address();
    const anchors = await Promise.all(checked.map((read) => this.getRecord(read.recordId)));
    const logged = checked.filter((_, i) => anchors[i]!.patient !== me);
    if (logged.length === 0) return undefined;
    return this.#send("logAccessBatch", () => this.contracts.records.logAccessBatch(logged));
  }

  /**
   * {@link Carechain.logReads} for records of one batch (`readRecord(recordId, { batch })`): one
   * `logBatchAccesses` transaction, one `RecordAccessed` event per read, each checked on chain as `logBatchAccess`
   * checks a single read (the record's categories, from the batch's verified manifest, declared by the batch; read
   * consent for every one of them and the purpose). The cheapest way to log many reads: about 3,700 gas per read in
   * a batch of 1,000 (docs/performance.md). The patient's reads of its own batch are not logged.
   * @param batch - The batch id (0x hex, 32 bytes).
   * @param reads - The reads: `recordId` (0x hex, 32 bytes) and `purpose` (default TREAT).
   * @returns The transaction, or `undefined` when this client is the batch's patient (nothing to log).
   * @throws {RangeError} When `reads` is empty or a purpose is not a known PurposeOfUse code.
   * @throws {TypeError | RangeError} When the batch or a record id is not hex, or not 32 bytes.
   * @throws {RecordBatchNotFoundError} When no such batch is anchored.
   * @throws {IntegrityError} When a record is not in the batch's manifest (nothing is logged).
   * @throws {BatchCategoryNotDeclaredError} When the manifest lists a record in a category the batch did not
   * declare on chain.
   * @throws {RecordReadConsentRequiredError} When any read lacks read consent (nothing is logged).
   */
  async logBatchReads(
    batch: string,
    reads: readonly { readonly recordId: string; readonly purpose?: PurposeCode }[],
  ): Promise<TxResult | undefined> {
    const batchId = toHex(fromHex("batch", batch, 32));
    const checked = checkedReads(reads);
    const located = await Promise.all(checked.map((read) => this.#locateInBatch(batchId, read.recordId)));
    if (located[0]!.anchor.patient === (await this.address())) return undefined;
    const logged = checked.map((read, i) => ({ ...read, categories: located[i]!.anchor.categoryMask }));
    return this.#send("logBatchAccesses", () => this.contracts.records.logBatchAccesses(batchId, logged));
  }

  /**
   * Adds many FHIR resources of one patient in one transaction: each is validated, categorised, encrypted with its
   * own key and wrapped for the readers of all its categories like {@link Carechain.addRecord}; a manifest lists
   * them and one Merkle root (OpenZeppelin StandardMerkleTree) is anchored (`anchorBatch`). Write consent is needed
   * for every category. Read a batch record with `readRecord(recordId, { batch: batchId })`.
   * Readers whose key can't be wrapped for are left out and listed in `skippedRecipients`.
   * @throws {FhirValidationError} When any resource is invalid (nothing is stored or anchored).
   * @throws {SizeLimitError} When there are more than `MAX_MANIFEST_ENTRIES` resources or one is over
   * `MAX_RECORD_BYTES` (nothing is stored or anchored).
   */
  async addRecords(patient: string, resources: readonly unknown[]): Promise<BatchResult> {
    if (resources.length === 0) throw new RangeError("resources: a batch needs at least one resource");
    checkLimit("manifestEntries", resources.length, "batch manifest");
    for (const r of resources) checkRecordSize(r);
    const valid = resources.map((r) => this.#validator.validate(r));
    const plaintexts = valid.map((r) => utf8(canonicalJson(r)));
    for (const p of plaintexts) checkLimit("recordBytes", p.length, "record");
    const patientAddress = getAddress(patient);
    const me = await this.address();
    const perRecord = valid.map(categoriesOf);
    const categories = [...new Set(perRecord.flat())].sort((a, b) => a - b);
    const denied = await this.#firstDenied(patientAddress, me, categories, "write");
    if (denied !== undefined) {
      throw new RecordWriteConsentRequiredError({ patient: patientAddress, author: me, category: BigInt(denied) });
    }
    // Readers per category set: a record is wrapped for those who may read every one of its categories.
    const readers = new Map<string, Uint8Array[]>();
    const readersOf = async (set: readonly CategoryId[]) => {
      const key = set.join(",");
      let keys = readers.get(key);
      if (!keys) {
        keys = await this.#readerKeys(patientAddress, set);
        keys.push(this.identity.publicKey);
        const custodianKey = await this.#custodianKeyFor(patientAddress, set);
        if (custodianKey) keys.push(custodianKey);
        readers.set(key, keys);
      }
      return keys;
    };
    const entries: BatchEntry[] = [];
    const skippedRecipients = new Map<string, SkippedRecipient>();
    for (const [i, set] of perRecord.entries()) {
      const dek = generateDek();
      const context = recordContext(patientAddress, me, categoryMask(set));
      const contentCid = await this.store.put(encryptEnvelope(dek, plaintexts[i]!, context));
      const { keyring, skipped } = await sealKeyring(contentCid, dek, await readersOf(set));
      for (const s of skipped) skippedRecipients.set(s.key, s);
      const keyringCid = await this.store.put(encodeKeyring(keyring));
      entries.push({ recordId: recordIdOf(patientAddress, me, contentCid), categories: set, content: contentCid.toString(), keyring: keyringCid.toString() });
    }
    const manifest: BatchManifest = { v: 2, patient: patientAddress, author: me, records: entries };
    const manifestCid = await this.store.put(encodeManifest(manifest));
    const root = batchTree(manifest).root;
    const tx = await this.#send("anchorBatch", () =>
      this.contracts.records.anchorBatch(patientAddress, root, categoryMask(categories), entries.length, manifestCid.bytes),
    );
    return {
      ...tx,
      batchId: batchIdOf(patientAddress, me, root),
      root,
      manifestCid,
      records: entries.map((e) => ({ recordId: e.recordId, categories: e.categories })),
      skippedRecipients: [...skippedRecipients.values()],
    };
  }

  /**
   * Imports a FHIR R4 Bundle (e.g. a Synthea transaction bundle) as records of `patient`: every entry's resource is
   * validated, categorised by the one category table, and batch-anchored ({@link Carechain.addRecords}) in chunks.
   * @param options - `batchSize`: records per anchored batch (default 250).
   * @returns One batch result per chunk; records in entry order.
   * @throws {FhirValidationError} When any entry is invalid (nothing of that chunk or later is stored).
   */
  async importBundle(patient: string, bundle: unknown, options: { batchSize?: number } = {}): Promise<BatchResult[]> {
    const b = bundle as { resourceType?: unknown; entry?: { resource?: unknown }[] };
    if (typeof b !== "object" || b === null || b.resourceType !== "Bundle") {
      throw new TypeError("bundle: expected a FHIR Bundle");
    }
    const resources = (b.entry ?? []).map((e) => e.resource).filter((r) => r !== undefined);
    const size = options.batchSize ?? 250;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`batchSize: expected a positive integer, got ${size}`);
    const results: BatchResult[] = [];
    for (let i = 0; i < resources.length; i += size) results.push(await this.addRecords(patient, resources.slice(i, i + size)));
    return results;
  }

  /**
   * The Merkle proof of a batch record, checked on chain (`verifyBatchRecord`, OpenZeppelin MerkleProof) and in the
   * SDK (`StandardMerkleTree.verify`).
   * @throws {IntegrityError} When the manifest does not produce the anchored root or the proof fails.
   */
  async proveBatchRecord(batchId: string, recordId: string): Promise<{ proof: string[]; verifiedOnChain: boolean }> {
    const { manifest, batch } = await this.#batchManifest(batchId);
    const tree = batchTree(manifest);
    const index = manifest.records.findIndex((r) => r.recordId === recordId);
    if (index < 0) throw new IntegrityError("The record is not in this batch's manifest.", { details: `${batchId} ${recordId}` });
    const proof = tree.getProof(index);
    const leaf = batchLeaf(manifest.records[index]!);
    const verifiedOnChain = await this.contracts.records.verifyBatchRecord(batchId, leaf[0], leaf[1], leaf[2], proof);
    if (!verifiedOnChain || !StandardMerkleTree.verify(batch.root, BATCH_LEAF_ENCODING, leaf, proof)) {
      throw new IntegrityError("The batch inclusion proof does not verify.", { details: `${batchId} ${recordId}` });
    }
    return { proof, verifiedOnChain };
  }

  /**
   * Amends a record: anchors `resource` as the next version of `previous` (same patient and categories). The
   * previous version stays, marked amended; nothing is overwritten. Only the record's original author, its patient
   * or a delegate of the patient amends.
   * @throws {RecordAlreadyAmendedError} When `previous` is not the latest version.
   * @throws {RecordUnauthorizedAmenderError} When this account may not amend it (checked before anything is stored).
   * @throws {RecordAmendmentMismatchError} When the new content's categories differ from the record's.
   * @throws {WriteError} When anything fails on the way (see {@link Carechain.addRecord}); calling `amendRecord` again
   * with the same resource is safe.
   */
  async amendRecord(previous: string, resource: unknown): Promise<AddedRecord> {
    let prior: RecordAnchor;
    try {
      prior = await this.getRecord(previous);
    } catch (error) {
      throw new RecordWrite(undefined).error(error);
    }
    return this.addRecord(prior.patient, resource, { previous: prior.recordId });
  }

  /**
   * Every version of the record that `recordId` belongs to, oldest first (version 1, its amendment, …), with
   * author and time. Walks the `previous` links among the patient's versions. A batch of the patient's that
   * can't be read does not stop it: it is listed in the result's `skipped` (see {@link RecordList}).
   * @param recordId - Any version of the record.
   * @returns The versions, with `skipped`.
   * @throws {RecordNotFoundError} When `recordId` is not anchored.
   */
  async history(recordId: string): Promise<RecordList> {
    const indexed = await this.#indexed?.history(toHex(fromHex("recordId", recordId, 32)));
    if (indexed) return withSkipped(indexed, []);
    const start = await this.getRecord(recordId);
    const all = await this.listRecords(start.patient);
    const byPrevious = new Map(all.filter((r) => r.previous !== ZERO_HASH).map((r) => [r.previous, r]));
    const byId = new Map(all.map((r) => [r.recordId, r]));
    let first = start;
    while (first.previous !== ZERO_HASH) first = byId.get(first.previous) ?? (await this.getRecord(first.previous));
    const chain = [first];
    for (let next = byPrevious.get(first.recordId); next; next = byPrevious.get(next.recordId)) chain.push(next);
    return withSkipped(chain, all.skipped);
  }

  /**
   * Checks that a record version's ciphertext and keyring are in the store and match the CIDs anchored on chain,
   * without decrypting anything (an auditor's integrity check; needs no consent).
   * @throws {BlobNotFoundError} When a blob is missing from the store.
   * @throws {IntegrityError} When a blob does not match its anchored CID.
   */
  async verifyRecord(recordId: string): Promise<{ contentCid: CID; keyringCid: CID }> {
    const { contentCid, keyringCid } = await this.#anchorEvent(toHex(fromHex("recordId", recordId, 32)));
    await this.store.get(keyringCid);
    await this.store.get(contentCid);
    return { contentCid, keyringCid };
  }

  /**
   * The anchor of one record version, from the chain.
   * @throws {RecordNotFoundError} When no such version is anchored.
   */
  async getRecord(recordId: string): Promise<RecordAnchor> {
    const id = toHex(fromHex("recordId", recordId, 32));
    const r = await withRevertDecoding("record", () => this.contracts.records.record(id));
    return {
      recordId: id,
      patient: r.patient,
      author: r.author,
      originalAuthor: r.originalAuthor,
      categories: categoriesOfMask(r.categories),
      categoryMask: r.categories,
      version: Number(r.version),
      previous: r.previous,
      anchoredAt: Number(r.anchoredAt),
      amended: r.amended,
    };
  }

  /**
   * Every record version anchored for `patient`, oldest first, from the patient's on-chain index (its cost
   * grows with this patient's records only). Failures are isolated per batch and per entry: a batch whose
   * manifest is missing, malformed, oversized or not the anchored root, and a batch entry in a category the
   * batch did not declare on chain, are left out and listed in the result's non-enumerable `skipped` field
   * ({@link RecordList}); the rest is listed. Chain errors still throw.
   * @param patient - The patient's address.
   * @param pageSize - Ids per `recordsOf` call.
   * @returns The anchors, with `skipped`.
   */
  async listRecords(patient: string, pageSize = 500): Promise<RecordList> {
    const { single, batches } = (await this.#indexed?.records(getAddress(patient))) ?? (await this.#rpcRecords(patient, pageSize));
    const batched: RecordAnchor[] = [];
    const skipped: SkippedObject[] = [];
    for (const { batchId, ...known } of batches) {
      let loaded: LoadedBatch;
      try {
        loaded = await this.#batchManifest(batchId, "manifestCid" in known ? known : undefined);
      } catch (error) {
        if (!isObjectFault(error)) throw error;
        skipped.push({ batch: batchId, error });
        continue;
      }
      for (const entry of loaded.manifest.records) {
        const undeclared = undeclaredEntry(batchId, loaded.batch, entry);
        if (undeclared) skipped.push({ recordId: entry.recordId, batch: batchId, error: undeclared });
        else batched.push(batchAnchor(batchId, loaded.batch, entry));
      }
    }
    return withSkipped([...single, ...batched].sort((a, b) => a.anchoredAt - b.anchoredAt), skipped);
  }

  /** The patient's single anchors (its on-chain index) and batch ids (their events), the RPC way. */
  async #rpcRecords(patient: string, pageSize: number): Promise<{ single: RecordAnchor[]; batches: { batchId: string }[] }> {
    const records = this.contracts.records;
    const total = Number(await withRevertDecoding("recordCount", () => records.recordCount(patient)));
    const ids: string[] = [];
    for (let offset = 0; offset < total; offset += pageSize) {
      ids.push(...(await withRevertDecoding("recordsOf", () => records.recordsOf(patient, offset, pageSize))));
    }
    const single = await Promise.all(ids.map((id) => this.getRecord(id)));
    const events = await this.#logs.query(records, records.filters.BatchAnchored(undefined, getAddress(patient)), this.#fromBlock);
    return { single, batches: events.map((e) => ({ batchId: e.args.batchId })) };
  }

  /**
   * The record key, from the first keyring that holds this identity and whose key authenticates the record's
   * envelope: the anchored keyring; then keyrings published later (grants, key rotation), the patient's own
   * first, then other publishers', newest first in each; then, for an emergency purpose, the custodian service (with the batch id and the Merkle proof for a
   * record of batch `batch`).
   * A keyring that is missing, malformed or oversized, or whose
   * key for this identity does not open the envelope (a publisher's wrong key), is passed over and reported in
   * `skipped`; only when no keyring yields the key does this throw. The envelope is fetched once, when a keyring
   * first holds this identity's key, its size checked before anything else.
   * @returns The key, the envelope it opens, and the keyrings passed over.
   */
  async #openRecordKey(
    recordId: string,
    contentCid: CID,
    keyringCid: CID,
    context: Uint8Array,
    purpose?: PurposeCode,
    batch?: string,
  ): Promise<{ dek: Uint8Array; envelope: Uint8Array; skipped: SkippedObject[] }> {
    // The envelope is fetched (size first) once a keyring holds this identity's key: its first chunk is what each
    // candidate key is checked against. A failure to fetch it is about the record, not a keyring: it propagates.
    let envelope: Uint8Array | undefined;
    const loadEnvelope = async (): Promise<Uint8Array> => {
      if (!envelope) {
        const bytes = await this.store.get(contentCid);
        checkLimit("recordEnvelopeBytes", bytes.length, "record");
        envelope = bytes;
      }
      return envelope;
    };
    const mine = toHex(this.identity.publicKey);
    const skipped: SkippedObject[] = [];
    let firstError: unknown;
    const skip = (source: string | undefined, error: unknown): undefined => {
      firstError ??= error;
      if (!isObjectFault(error)) throw error;
      skipped.push(source ? { recordId, keyringCid: source, error } : { recordId, error });
      return undefined;
    };
    const attempt = async (source: string | undefined, load: () => Promise<Keyring>): Promise<Uint8Array | undefined> => {
      let keyring: Keyring;
      try {
        keyring = await load();
      } catch (error) {
        return skip(source, error);
      }
      if (!keyring.recipients.some((e) => e.key === mine)) return undefined;
      const sealed = await loadEnvelope();
      try {
        return await openKeyring(keyring, contentCid, this.identity, (dek) => verifyEnvelopeKey(dek, sealed, context));
      } catch (error) {
        return skip(source, error);
      }
    };
    const found = async (): Promise<Uint8Array | undefined> => {
      // The anchored keyring first; published keyrings and the custodian only when it does not yield the key.
      const anchoredKey = await attempt(keyringCid.toString(), async () => decodeKeyring(await this.store.get(keyringCid)));
      if (anchoredKey) return anchoredKey;
      // The index's list first, when there is one; then (the index may not have reached a keyring published a moment
      // ago by another client) the chain's events, each keyring tried once.
      const tried = new Set<string>();
      const indexed = await this.#indexed?.publishedKeyrings(recordId);
      for (const fromIndex of indexed ? [true, false] : [false]) {
        const published: { publisher: string; patient: string; keyringCid?: CID; rawCid?: string; order: number }[] = fromIndex
          ? indexed!
          : await this.#publishedKeyringEvents(recordId);
        // The patient's own keyrings first (its shares and rotations), then everyone else's; newest first in each.
        const rank = (e: (typeof published)[number]) => (e.publisher === e.patient ? 0 : 1);
        published.sort((a, b) => rank(a) - rank(b) || b.order - a.order);
        for (const event of published) {
          let cid: CID;
          try {
            cid = event.keyringCid ?? CID.decode(fromHex("keyringCid", event.rawCid!));
          } catch (cause) {
            skipped.push({ recordId, error: new FormatError("A published keyring CID does not decode.", { cause }) });
            continue;
          }
          if (tried.has(cid.toString())) continue;
          tried.add(cid.toString());
          const key = await attempt(cid.toString(), async () => decodeKeyring(await this.store.get(cid)));
          if (key) return key;
        }
      }
      if ((purpose === "BTG" || purpose === "ETREAT") && this.#custodianUrl) {
        return attempt(undefined, async () => decodeKeyring(await this.#requestEmergencyKey(recordId, batch)));
      }
      return undefined;
    };
    const dek = await found();
    if (dek) return { dek, envelope: await loadEnvelope(), skipped };
    if (firstError) throw firstError;
    throw new NotARecipientError("No keyring of this record holds your identity key.", {
      details: `record=${recordId} publicKey=${mine}`,
    });
  }

  /** The keyrings published for a version, in chain order (`order`), from its KeyringPublished events. */
  async #publishedKeyringEvents(
    recordId: string,
  ): Promise<{ publisher: string; patient: string; keyringCid?: CID; rawCid?: string; order: number }[]> {
    const records = this.contracts.records;
    const events = await this.#logs.query(records, records.filters.KeyringPublished(recordId), this.#fromBlock);
    return events.map((e, order) => ({ publisher: e.args.publisher, patient: e.args.patient, rawCid: e.args.keyringCid, order }));
  }

  async #requestEmergencyKey(recordId: string, batchId?: string): Promise<Uint8Array> {
    const provider = await this.address();
    const chainId = (await this.#signer.provider!.getNetwork()).chainId.toString();
    const batch = batchId ? { batchId, proof: (await this.proveBatchRecord(batchId, recordId)).proof } : undefined;
    const registry = await this.contracts.records.getAddress();
    const unsigned = {
      chainId,
      registry,
      recordId,
      provider,
      issuedAt: Math.floor(Date.now() / 1000),
      ...(batch ? { batch } : {}),
    };
    const signature = await this.#signer.signMessage(keyReleaseMessage(unsigned));
    return requestKeyRelease(this.#custodianUrl!, { ...unsigned, signature });
  }

  /**
   * The custodian's key when every one of `categories` is one of the patient's emergency categories (break-glass
   * covers the record only then) and a custodian is named.
   */
  async #custodianKeyFor(patient: string, categories: readonly CategoryId[]): Promise<Uint8Array | undefined> {
    const emergency = await this.contracts.consent.emergencyCategoriesOf(patient);
    if (categories.some((c) => ((emergency >> BigInt(c)) & 1n) === 0n)) return undefined;
    const custodian = await this.contracts.directory.emergencyCustodian();
    if (custodian === ZERO_ADDRESS || !(await this.contracts.directory.isActiveProvider(custodian))) return undefined;
    return fromHex("custodianKey", await this.contracts.directory.encryptionKeyOf(custodian), 32);
  }

  /**
   * Keyrings for `grantee`'s Directory key, for every record of `patient` in `categories` this client can open;
   * what can't be read (a bad batch, a record without a usable keyring) or wrapped (a grantee key that is not a
   * usable X25519 key) is reported in `skipped`, never thrown.
   */
  async #prepareKeyrings(
    patient: string,
    grantee: string,
    categories: CategoryId[],
  ): Promise<PreparedKeyrings & { skipped: SkippedObject[] }> {
    if (categories.length === 0) return { ...EMPTY_KEYRINGS, skipped: [] };
    const keyHex = await this.contracts.directory.encryptionKeyOf(grantee);
    if (keyHex === ZERO_HASH) return { ...EMPTY_KEYRINGS, skipped: [] };
    const key = fromHex("encryptionKey", keyHex, 32);
    try {
      assertX25519PublicKey(key, "encryptionKey");
    } catch (error) {
      return { ...EMPTY_KEYRINGS, skipped: [{ recipientKey: keyHex, error: error as InvalidPublicKeyError }] };
    }
    const list = await this.listRecords(patient);
    const inScope = list.filter((r) => r.categories.every((c) => categories.includes(c)));
    const rewrapped = await this.#rewrap(inScope, key);
    return { ...rewrapped, skipped: [...list.skipped, ...rewrapped.skipped] };
  }

  /** Publishes prepared keyrings on chain, in pages; the last page's transaction is returned with summed gas. */
  async #publish(keyrings: PreparedKeyrings): Promise<TxResult | undefined> {
    let result: TxResult | undefined;
    for (let i = 0; i < keyrings.recordIds.length; i += PUBLISH_PAGE) {
      const ids = keyrings.recordIds.slice(i, i + PUBLISH_PAGE);
      const cids = keyrings.keyringCids.slice(i, i + PUBLISH_PAGE);
      const tx = await this.#send("publishKeyrings", () => this.contracts.records.publishKeyrings(ids, cids));
      result = result ? { ...tx, gasUsed: result.gasUsed + tx.gasUsed } : tx;
    }
    return result;
  }

  /** Signer, nonce, deadline, chain and registry of a signed request. */
  async #requestEnvelope(signer: string, options: { deadline?: Date | bigint | number; nonce?: bigint }) {
    const chainId = (await this.#signer.provider!.getNetwork()).chainId;
    const latest = await this.#signer.provider!.getBlock("latest");
    return {
      signer,
      nonce: options.nonce ?? (await this.contracts.consent.nonces(signer)),
      deadline: options.deadline === undefined ? BigInt(latest!.timestamp + 3600) : unixSeconds(options.deadline),
      chainId,
      registry: await this.contracts.consent.getAddress(),
    };
  }

  /** X25519 keys of the patient and of every grantee that may currently read every one of `categories`. */
  async #readerKeys(patient: string, categories: readonly CategoryId[]): Promise<Uint8Array[]> {
    const indexed = await this.#indexed?.readerKeys(patient, categories);
    if (indexed) return indexed;
    const { consent, directory } = this.contracts;
    const events = await this.#logs.query(consent, consent.filters.ConsentGranted(patient), this.#fromBlock);
    const grantees = new Set(events.map((e) => e.args.grantee));
    grantees.add(patient);
    const keys: Uint8Array[] = [];
    for (const grantee of grantees) {
      if (!(await this.#mayAll(patient, grantee, categories, "read"))) continue;
      const key = await directory.encryptionKeyOf(grantee);
      if (key !== ZERO_HASH) keys.push(fromHex("encryptionKey", key, 32));
    }
    return keys;
  }

  /** A batch's manifest (fetched by the CID in its BatchAnchored event, verified) and its on-chain entry. */
  #batchManifest(batchId: string, known?: { manifestCid: CID; anchorTx: string }) {
    // Batches are immutable once anchored: each is fetched and verified once per client.
    let cached = this.#batches.get(batchId);
    if (!cached) {
      cached = this.#loadBatchManifest(batchId, known);
      cached.catch(() => this.#batches.delete(batchId));
      this.#batches.set(batchId, cached);
    }
    return cached;
  }

  async #loadBatchManifest(batchId: string, known?: { manifestCid: CID; anchorTx: string }): Promise<LoadedBatch> {
    const records = this.contracts.records;
    const batch = await withRevertDecoding("batch", () => records.batch(batchId));
    if (known) {
      // The index's manifest CID is only a hint: the manifest must give the root anchored on chain; if it does not,
      // the CID is read from the chain.
      try {
        return await this.#verifiedManifest(batchId, batch, known.manifestCid, known.anchorTx);
      } catch (error) {
        if (!isObjectFault(error)) throw error;
      }
    }
    const [event] = await this.#logs.query(records, records.filters.BatchAnchored(batchId), this.#fromBlock);
    if (!event) throw new CarechainError("CHAIN", "The batch's anchor event was not found.", { details: batchId });
    let manifestCid: CID;
    try {
      manifestCid = CID.decode(fromHex("manifestCid", event.args.manifestCid));
    } catch (cause) {
      throw new FormatError("The batch's manifest CID does not decode.", { details: batchId, cause });
    }
    return this.#verifiedManifest(batchId, batch, manifestCid, event.transactionHash);
  }

  /** The manifest at `manifestCid`, checked against the batch anchored on chain (patient, author, count, root). */
  async #verifiedManifest(batchId: string, batch: LoadedBatch["batch"], manifestCid: CID, anchorTx: string): Promise<LoadedBatch> {
    const manifest = decodeManifest(await this.store.get(manifestCid));
    if (
      getAddress(manifest.patient) !== batch.patient ||
      getAddress(manifest.author) !== batch.author ||
      BigInt(manifest.records.length) !== BigInt(batch.count) ||
      batchTree(manifest).root !== batch.root
    ) {
      throw new IntegrityError("The batch manifest does not match the anchored batch.", { details: batchId });
    }
    return { manifest, batch, anchorTx };
  }

  /**
   * A batch record's anchor and CIDs, its inclusion in the anchored root checked, and its categories checked against
   * the categories the batch declared on chain (the ones its author's write consent was checked for) — on every
   * read, by the patient or a grantee, logged or not.
   */
  async #locateInBatch(batchId: string, recordId: string) {
    const { manifest, batch, anchorTx } = await this.#batchManifest(batchId);
    const entry = manifest.records.find((r) => r.recordId === recordId);
    if (!entry) throw new IntegrityError("The record is not in this batch.", { details: `${batchId} ${recordId}` });
    const undeclared = undeclaredEntry(batchId, batch, entry);
    if (undeclared) throw undeclared;
    return {
      anchor: batchAnchor(batchId, batch, entry),
      contentCid: CID.parse(entry.content),
      keyringCid: CID.parse(entry.keyring),
      anchorTx,
    };
  }

  /** The CIDs of a version, from its RecordAnchored event, checked against the id (patient, author, content). */
  async #anchorEvent(recordId: string): Promise<{ contentCid: CID; keyringCid: CID; anchorTx: string; categoryMask: bigint; previous: string }> {
    const indexed = await this.#indexed?.anchor(recordId);
    if (indexed) return indexed;
    const records = this.contracts.records;
    const [event] = await this.#logs.query(records, records.filters.RecordAnchored(recordId), this.#fromBlock);
    if (!event) throw new CarechainError("CHAIN", "The record's anchor event was not found.", { details: recordId });
    const contentCid = CID.decode(fromHex("contentCid", event.args.contentCid));
    const keyringCid = CID.decode(fromHex("keyringCid", event.args.keyringCid));
    if (recordIdOf(event.args.patient, event.args.author, contentCid) !== recordId) {
      throw new IntegrityError("The anchor's patient, author and content CID do not give the record id.", { details: recordId });
    }
    return { contentCid, keyringCid, anchorTx: event.transactionHash, categoryMask: event.args.categories, previous: event.args.previous };
  }

  /**
   * Whether the anchor on chain under `pending.recordId` is this write (patient, author, categories, content CID,
   * amended version, and a keyring that is the journaled one or opens for this client to a key that decrypts the
   * content: an earlier attempt of the same write sealed its own keyring); `undefined` when nothing is anchored
   * under it.
   */
  async #anchoredAs(pending: PendingWrite): Promise<{ anchorTx: string; keyringCid: string; same: boolean } | undefined> {
    let anchor: RecordAnchor;
    try {
      anchor = await this.getRecord(pending.recordId);
    } catch (error) {
      if (error instanceof RecordNotFoundError) return undefined;
      throw error;
    }
    const event = await this.#anchorEvent(pending.recordId);
    let same =
      anchor.patient === getAddress(pending.patient) &&
      anchor.author === getAddress(pending.author) &&
      anchor.categoryMask === categoryMask(pending.categories) &&
      event.contentCid.toString() === pending.contentCid &&
      anchor.previous === pending.previous;
    if (same && event.keyringCid.toString() !== pending.keyringCid) {
      same = await this.#opensForMe(event.contentCid, event.keyringCid, recordContext(anchor.patient, anchor.author, anchor.categoryMask));
    }
    return { anchorTx: event.anchorTx, keyringCid: event.keyringCid.toString(), same };
  }

  /** Whether the keyring `keyringCid` gives this client a key that decrypts `contentCid` under `context`. */
  async #opensForMe(contentCid: CID, keyringCid: CID, context: Uint8Array): Promise<boolean> {
    try {
      const dek = await openKeyring(decodeKeyring(await this.store.get(keyringCid)), contentCid, this.identity);
      verifyEnvelopeKey(dek, await this.store.get(contentCid), context);
      return true;
    } catch (error) {
      if (isObjectFault(error)) return false;
      throw error;
    }
  }

  /**
   * Finishes every write in the journal whose blobs are stored but whose anchor was not confirmed (a dead RPC
   * node, a dropped transaction, a crash between storing and anchoring). Never duplicates: a version already on
   * chain as this very write is only taken off the journal. Never loses a write to a foreign anchor: one whose id
   * is taken by anything else stays in the journal and is reported with a {@link RecordAnchorConflictError}. Writes
   * refused for lack of consent stay in the journal (consent may come back); other refusals are dropped from it and
   * reported. A write is taken off the journal only once its anchor is confirmed.
   * @returns What was anchored now, what was already on chain, and what failed with which error: a contract
   * refusal's class, a {@link RecordAnchorConflictError}, or a {@link WriteError} (with the record id and
   * `mayHaveLanded`) for anything that failed on the way.
   * @throws {WriteError} When the journal can't be read.
   */
  async resume(): Promise<{ anchored: string[]; alreadyAnchored: string[]; failed: { recordId: string; error: CarechainError }[] }> {
    const result = { anchored: [] as string[], alreadyAnchored: [] as string[], failed: [] as { recordId: string; error: CarechainError }[] };
    let me: string;
    let pendingWrites: PendingWrite[];
    const reading = new RecordWrite(undefined, true);
    try {
      me = await this.address();
      pendingWrites = await reading.step("journal", () => this.#journal.list());
    } catch (error) {
      throw reading.error(error);
    }
    for (const pending of pendingWrites) {
      if (getAddress(pending.author) !== me) continue; // another account's write
      const write = new RecordWrite(pending.recordId, true);
      try {
        const existing = await write.step("read", () => this.#anchoredAs(pending));
        if (existing && !existing.same) throw await this.#conflict(pending);
        const already = existing !== undefined || (await this.#anchorPending(pending, write)).already;
        await write.step("journal", () => this.#journal.remove(pending.recordId));
        (already ? result.alreadyAnchored : result.anchored).push(pending.recordId);
      } catch (error) {
        result.failed.push({ recordId: pending.recordId, error: write.error(error) });
      }
    }
    return result;
  }

  /** The writes still waiting in this client's journal. */
  async pendingWrites(): Promise<PendingWrite[]> {
    return this.#journal.list();
  }

  /**
   * Anchors a journaled write with bounded retries and backoff on chain failures (not on reverts). An anchor that
   * already landed as this write (a retry after a lost answer) counts as done (`already`), with its transaction and
   * keyring. Leaves the journal entry in place on success: the caller removes it once nothing else can fail.
   */
  async #anchorPending(pending: PendingWrite, write: RecordWrite): Promise<{ tx: TxResult; keyringCid: string; already: boolean }> {
    const { records } = this.contracts;
    const send = () =>
      records.anchor(
        pending.patient,
        categoryMask(pending.categories),
        CID.parse(pending.contentCid).bytes,
        CID.parse(pending.keyringCid).bytes,
        pending.previous,
      );
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.#retry.attempts; attempt++) {
      try {
        const tx = await write.step("anchor", () => this.#send("anchor", send, this.#retry.minedTimeoutMs));
        write.mayHaveLanded = true; // it has: anything failing from here on is about a write on chain
        return { tx, keyringCid: pending.keyringCid, already: false };
      } catch (error) {
        lastError = error;
        write.sendFailed(error);
        if (error instanceof RecordAlreadyAnchoredError || error instanceof UnknownRevertError) {
          // An earlier attempt landed after all (its answer was lost, or two sends raced): done, nothing duplicated —
          // but only when the anchor is this write; anything else under the id is a conflict, kept in the journal.
          write.mayHaveLanded = true;
          const existing = await write.step("confirm", () => this.#anchoredAs(pending));
          if (existing?.same) {
            const receipt = await this.#signer.provider!.getTransactionReceipt(existing.anchorTx);
            if (!receipt) throw new CarechainError("CHAIN", "The anchor's transaction receipt was not found.", { details: existing.anchorTx });
            return { tx: { hash: existing.anchorTx, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber }, keyringCid: existing.keyringCid, already: true };
          }
          if (existing || error instanceof RecordAlreadyAnchoredError) throw await this.#conflict(pending, error);
        }
        if (error instanceof ContractRevertError) {
          await write.step("journal", async () => {
            if (error instanceof RecordWriteConsentRequiredError) await this.#journal.put({ ...pending, lastError: error.shortMessage });
            else await this.#journal.remove(pending.recordId);
          });
          throw error;
        }
        await write.step("journal", () =>
          this.#journal.put({ ...pending, lastError: error instanceof Error ? error.message.split("\n")[0] : String(error) }),
        );
        write.stage = "anchor"; // the failure being retried (and reported, if it is the last) is the anchor's
        if (attempt < this.#retry.attempts) await sleep(this.#retry.baseDelayMs * 2 ** (attempt - 1));
      }
    }
    throw lastError;
  }

  /** Keeps `pending` in the journal with the conflict as its last error, and returns the error to throw. */
  async #conflict(pending: PendingWrite, cause?: unknown): Promise<RecordAnchorConflictError> {
    const error = new RecordAnchorConflictError(
      "Another anchor holds this write's record id: the write is not taken as done and stays in the journal.",
      { details: `record=${pending.recordId} patient=${pending.patient} author=${pending.author}`, cause },
    );
    await this.#journal.put({ ...pending, lastError: error.shortMessage });
    return error;
  }

  /** Whether `grantee` may `action` every one of `categories` of `patient`'s records (for `purpose`, if given). */
  async #mayAll(
    patient: string,
    grantee: string,
    categories: readonly CategoryId[],
    action: "read" | "write",
    purpose?: PurposeCode,
  ): Promise<boolean> {
    return (await this.#firstDenied(patient, grantee, categories, action, purpose)) === undefined;
  }

  /** The lowest of `categories` that `grantee` may not `action` (for `purpose`), or `undefined`. */
  async #firstDenied(
    patient: string,
    grantee: string,
    categories: readonly CategoryId[],
    action: "read" | "write",
    purpose?: PurposeCode,
  ): Promise<CategoryId | undefined> {
    for (const category of categories) {
      if (!(await this.canAccess(patient, grantee, category, action, purpose))) return category;
    }
    return undefined;
  }

  /**
   * Sends a transaction through the account's queue and waits for it: reverts as their typed errors, any other
   * failure as a `TransactionError` naming `action` (see sdk/chain/sender.ts).
   */
  async #send(action: string, call: () => Promise<ContractTransactionResponse>, minedTimeoutMs?: number): Promise<TxResult> {
    const tx = await sendAndConfirm(action, this.#sender, call, minedTimeoutMs);
    this.#lastBlock = Math.max(this.#lastBlock, tx.blockNumber);
    return tx;
  }
}

const ZERO_HASH = `0x${"00".repeat(32)}`;
const ZERO_ADDRESS = `0x${"00".repeat(20)}`;
const PUBLISH_PAGE = 100;
const EMPTY_KEYRINGS: PreparedKeyrings = { recordIds: [], keyringCids: [] };

/** On-chain terms of a grant. */
function consentTerms(terms: GrantTerms) {
  return {
    readMask: categoryMask((terms.read ?? []).map(categoryIdOf)),
    writeMask: categoryMask((terms.write ?? []).map(categoryIdOf)),
    purposes: purposeMask(terms.purposes ?? ["TREAT"]),
    expiresAt: unixSeconds(terms.expiresAt),
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/** A verified batch manifest with its on-chain entry. */
interface LoadedBatch {
  readonly manifest: BatchManifest;
  readonly batch: {
    readonly patient: string;
    readonly author: string;
    readonly anchoredAt: bigint;
    readonly root: string;
    readonly categories: bigint;
    readonly count: bigint;
  };
  readonly anchorTx: string;
}

/**
 * The error for a batch entry whose category the batch did not declare on chain (its author's write consent was
 * only checked for the declared ones), or `undefined` for a declared entry.
 */
function undeclaredEntry(
  batchId: string,
  batch: { readonly categories: bigint },
  entry: BatchEntry,
): BatchCategoryNotDeclaredError | undefined {
  const undeclared = entry.categories.filter((c) => ((batch.categories >> BigInt(c)) & 1n) === 0n);
  if (undeclared.length === 0) return undefined;
  return new BatchCategoryNotDeclaredError(
    "The batch manifest lists a record in a category the batch did not declare on chain.",
    { details: `batch=${batchId} record=${entry.recordId} categories=${entry.categories.join(",")} undeclared=${undeclared.join(",")}` },
  );
}

/**
 * Whether `error` is about one object (a blob, keyring, manifest or key that is missing, malformed, oversized,
 * tampered or not ours) — skipped and reported by the operations that isolate failures — rather than about the
 * chain or a store being unreachable (thrown).
 */
function isObjectFault(error: unknown): error is CarechainError {
  return (
    error instanceof IntegrityError ||
    error instanceof DecryptionError ||
    error instanceof FormatError ||
    error instanceof NotARecipientError ||
    error instanceof BlobNotFoundError ||
    error instanceof BatchCategoryNotDeclaredError ||
    error instanceof InvalidPublicKeyError ||
    error instanceof FhirValidationError
  );
}

/**
 * Refuses a resource whose JSON is over `MAX_RECORD_BYTES` before it is validated (the exact check is on its
 * canonical JSON after validation; canonical JSON and `JSON.stringify` differ only in key order).
 */
function checkRecordSize(resource: unknown): void {
  let json: string | undefined;
  try {
    json = JSON.stringify(resource);
  } catch {
    return; // not JSON at all: the validator says why
  }
  if (json !== undefined && json.length > MAX_RECORD_BYTES) checkLimit("recordBytes", json.length, "record");
  else if (json !== undefined) checkLimit("recordBytes", utf8(json).length, "record");
}

/** `records` with a non-enumerable `skipped` field (see {@link RecordList}). */
function withSkipped(records: RecordAnchor[], skipped: readonly SkippedObject[]): RecordList {
  return Object.defineProperty(records, "skipped", { value: skipped, enumerable: false }) as RecordList;
}

/** The anchor of a batch record. */
/** `reads` checked and encoded for the contract: record ids as 32-byte hex, purposes as PurposeOfUse numbers. */
function checkedReads(reads: readonly { readonly recordId: string; readonly purpose?: PurposeCode }[]) {
  if (reads.length === 0) throw new RangeError("reads: at least one read is needed");
  return reads.map((read, i) => {
    const purpose = read.purpose ?? "TREAT";
    if (!Object.hasOwn(PurposeOfUse, purpose)) throw new RangeError(`reads[${i}].purpose: unknown purpose ${String(purpose)}`);
    return { recordId: toHex(fromHex(`reads[${i}].recordId`, read.recordId, 32)), purpose: PurposeOfUse[purpose] };
  });
}

function batchAnchor(
  batchId: string,
  batch: { patient: string; author: string; anchoredAt: bigint },
  entry: BatchEntry,
): RecordAnchor {
  return {
    recordId: entry.recordId,
    patient: batch.patient,
    author: batch.author,
    originalAuthor: batch.author,
    categories: entry.categories,
    categoryMask: categoryMask(entry.categories),
    version: 1,
    previous: ZERO_HASH,
    anchoredAt: Number(batch.anchoredAt),
    amended: false,
    batch: batchId,
  };
}

/** A decoded event as the audit trail reads it. */
interface EventLike {
  eventName: string;
  args: Record<string, unknown>;
  blockNumber: number;
  index: number;
  transactionHash: string;
  address: string;
}

/** Who acted, and the other party, for each event kind. */
const AUDIT_PARTIES: Record<string, (a: Record<string, unknown>) => [string, string | undefined]> = {
  ConsentGranted: (a) => [a.actor as string, a.grantee as string],
  ConsentRevoked: (a) => [a.actor as string, a.grantee as string],
  DelegateAdded: (a) => [a.actor as string, a.delegate as string],
  DelegateRemoved: (a) => [a.actor as string, a.delegate as string],
  EmergencyCategoriesSet: (a) => [a.actor as string, undefined],
  BreakGlassOpened: (a) => [a.provider as string, undefined],
  BreakGlassClosed: (a) => [a.actor as string, a.provider as string],
  RecordAnchored: (a) => [a.author as string, undefined],
  BatchAnchored: (a) => [a.author as string, undefined],
  RecordAccessed: (a) => [a.accessor as string, undefined],
  KeyringPublished: (a) => [a.publisher as string, undefined],
  EmergencyKeyReleased: (a) => [a.custodian as string, a.provider as string],
};

/**
 * The AEAD context of a record: binds the ciphertext to its patient, its author (so nobody can anchor another
 * author's ciphertext as its own) and its category mask (8 bytes, big-endian).
 */
function recordContext(patient: string, author: string, mask: bigint): Uint8Array {
  const maskBytes = new Uint8Array(8);
  new DataView(maskBytes.buffer).setBigUint64(0, mask);
  return concatBytes(RECORD_CONTEXT, fromHex("patient", patient, 20), fromHex("author", author, 20), maskBytes);
}

function categoryIdOf(ref: CategoryRef): CategoryId {
  if (typeof ref === "number") {
    if (!Object.values(Category).includes(ref)) throw new RangeError(`category: unknown category index ${ref}`);
    return ref;
  }
  if (typeof ref !== "string" || !Object.hasOwn(Category, ref)) {
    throw new RangeError(`category: unknown category ${String(ref)}`);
  }
  return Category[ref];
}

function unixSeconds(value: Date | bigint | number): bigint {
  if (value instanceof Date) return BigInt(Math.floor(value.getTime() / 1000));
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`expiresAt: expected unix seconds, got ${value}`);
    return BigInt(value);
  }
  return value;
}
