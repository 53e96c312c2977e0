import { getAddress, type ContractTransactionResponse, type Signer } from "ethers";
import type { Resource } from "@medplum/fhirtypes";
import { CID } from "multiformats/cid";

import { type CarechainContracts, type CarechainDeployment, connectContracts } from "../chain/deployment.js";
import { PurposeOfUse, purposeMask, type PurposeCode } from "../chain/purpose.js";
import { withRevertDecoding } from "../chain/revert.js";
import type { BlobStore } from "../content/blob-store.js";
import { concatBytes, fromHex, toHex, utf8 } from "../crypto/bytes.js";
import { decryptEnvelope, encryptEnvelope, generateDek } from "../crypto/envelope.js";
import type { IdentityKeyPair } from "../crypto/identity.js";
import { createKeyring, decodeKeyring, encodeKeyring, openKeyring } from "../crypto/keyring.js";
import { CarechainError } from "../errors/base.js";
import { RecordReadConsentRequiredError, RecordWriteConsentRequiredError } from "../errors/contract.js";
import { FormatError, IntegrityError } from "../errors/data.js";
import { canonicalJson } from "../fhir/canonical.js";
import { Category, categoryMask, categoryOf, type CategoryId } from "../fhir/categories.js";
import type { FhirValidator } from "../fhir/validator.js";
import {
  PROVIDER_KINDS,
  type AddedRecord,
  type CategoryRef,
  type GrantTerms,
  type ProviderKind,
  type ReadRecord,
  type RecordAnchor,
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
}

/** {@link CarechainOptions} with a deployment instead of bound contracts. */
export type CarechainConnectOptions = Omit<CarechainOptions, "contracts"> & { readonly deployment: CarechainDeployment };

const RECORD_CONTEXT = utf8("carechain/record/v1");
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
  readonly #validator: FhirValidator;
  readonly #logAccess: boolean;
  readonly #fromBlock: number;
  #address: string | undefined;

  /** @param options - Bound contracts, signer, identity, store and validator. */
  constructor(options: CarechainOptions) {
    this.contracts = options.contracts;
    this.identity = options.identity;
    this.store = options.store;
    this.#signer = options.signer;
    this.#validator = options.validator;
    this.#logAccess = options.logAccess ?? true;
    this.#fromBlock = options.fromBlock ?? 0;
  }

  /**
   * Connects to a deployment: checks the chain id and the contract code, then binds the contracts to `signer`.
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

  /** Registers this account as a patient with its identity public key. */
  async registerPatient(): Promise<TxResult> {
    return this.#send("registerPatient", () => this.contracts.directory.registerPatient(toHex(this.identity.publicKey)));
  }

  /**
   * Credentials `account` as a provider (registrar only).
   * @param account - The provider's address.
   * @param kind - hospital, clinic, lab, pharmacy, insurer, research or emergency.
   * @param publicKey - The provider's X25519 public key (32 bytes).
   * @throws {AccessControlUnauthorizedAccountError} When this account is not a registrar.
   */
  async registerProvider(account: string, kind: ProviderKind, publicKey: Uint8Array): Promise<TxResult> {
    const index = PROVIDER_KINDS.indexOf(kind);
    if (index <= 0) throw new RangeError(`kind: expected one of ${PROVIDER_KINDS.slice(1).join(", ")}, got ${kind}`);
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
   * Grants `grantee` access to this patient's records, replacing any earlier grant to it.
   * @param grantee - A registered provider or patient.
   * @param terms - Categories to read and write, purposes (default TREAT) and expiry.
   */
  async grant(grantee: string, terms: GrantTerms): Promise<TxResult> {
    const onChain = {
      readMask: categoryMask((terms.read ?? []).map(categoryIdOf)),
      writeMask: categoryMask((terms.write ?? []).map(categoryIdOf)),
      purposes: purposeMask(terms.purposes ?? ["TREAT"]),
      expiresAt: unixSeconds(terms.expiresAt),
    };
    return this.#send("grant", () => this.contracts.consent.grant(grantee, onChain));
  }

  /** Revokes this patient's grant to `grantee`, effective in the next block. */
  async revoke(grantee: string): Promise<TxResult> {
    return this.#send("revoke", () => this.contracts.consent.revoke(grantee));
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
   * Adds a FHIR R4 resource to `patient`'s record: validate → canonical JSON → encrypt with a fresh key →
   * store → wrap the key for the patient, this author and every current reader of the category → store the
   * keyring → anchor. Anchoring needs write consent (or this account being the patient).
   * @param patient - The patient's address.
   * @param resource - A FHIR R4 resource.
   * @param options - `previous`: the version this one amends.
   * @throws {FhirValidationError} When the resource is invalid (nothing is stored or anchored).
   * @throws {RecordWriteConsentRequiredError} When this account has no write consent for the category.
   */
  async addRecord(patient: string, resource: unknown, options: { previous?: string } = {}): Promise<AddedRecord> {
    const valid = this.#validator.validate(resource);
    const category = categoryOf(valid);
    const patientAddress = getAddress(patient);
    const me = await this.address();
    if (!(await this.canAccess(patientAddress, me, category, "write"))) {
      throw new RecordWriteConsentRequiredError({ patient: patientAddress, author: me, category: BigInt(category) });
    }
    const dek = generateDek();
    const envelope = encryptEnvelope(dek, utf8(canonicalJson(valid)), recordContext(patientAddress, category));
    const contentCid = await this.store.put(envelope);
    const readers = await this.#readerKeys(patientAddress, category);
    readers.push(this.identity.publicKey);
    const keyring = await createKeyring(contentCid, dek, readers);
    const keyringCid = await this.store.put(encodeKeyring(keyring));
    const tx = await this.#send("anchor", () =>
      this.contracts.records.anchor(
        patientAddress,
        category,
        contentCid.bytes,
        keyringCid.bytes,
        options.previous ?? ZERO_HASH,
      ),
    );
    return {
      ...tx,
      recordId: toHex(contentCid.multihash.digest),
      contentCid,
      keyringCid,
      category,
      recipients: keyring.recipients.length,
    };
  }

  /**
   * Reads a record version: consent checked on chain → keyring and ciphertext fetched and verified against their
   * CIDs → key unwrapped with this identity → decrypted and authenticated → validated → read logged on chain.
   * @param recordId - The version id (0x hex digest).
   * @param options - `purpose` of the read (default TREAT).
   * @throws {RecordReadConsentRequiredError} When the chain says this account may not read it for `purpose`.
   * @throws {IntegrityError} When a blob does not match its CID.
   * @throws {NotARecipientError | DecryptionError} When the key is not this account's or does not open.
   * @throws {FhirValidationError} When the decrypted content is not a valid FHIR resource.
   */
  async readRecord<T extends Resource = Resource>(
    recordId: string,
    options: { purpose?: PurposeCode } = {},
  ): Promise<ReadRecord<T>> {
    const purpose = options.purpose ?? "TREAT";
    const anchor = await this.getRecord(recordId);
    const me = await this.address();
    if (!(await this.canAccess(anchor.patient, me, anchor.category, "read", purpose))) {
      throw new RecordReadConsentRequiredError({
        patient: anchor.patient,
        reader: me,
        category: BigInt(anchor.category),
        purpose: BigInt(PurposeOfUse[purpose]),
      });
    }
    const { contentCid, keyringCid, txHash } = await this.#anchorEvent(anchor.recordId);
    const keyring = decodeKeyring(await this.store.get(keyringCid));
    const dek = await openKeyring(keyring, contentCid, this.identity);
    const envelope = await this.store.get(contentCid);
    const plaintext = decryptEnvelope(dek, envelope, recordContext(anchor.patient, anchor.category));
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
    } catch (cause) {
      throw new FormatError("The decrypted record is not JSON.", { cause });
    }
    const resource = this.#validator.validate(parsed) as T;
    const accessLog = this.#logAccess
      ? await this.#send("logAccess", () => this.contracts.records.logAccess(anchor.recordId, PurposeOfUse[purpose]))
      : undefined;
    return { resource, anchor, contentCid, anchorTx: txHash, accessLog };
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
      category: Number(r.category) as CategoryId,
      version: Number(r.version),
      previous: r.previous,
      anchoredAt: Number(r.anchoredAt),
      amended: r.amended,
    };
  }

  /**
   * Every record version anchored for `patient`, oldest first, from the patient's on-chain index (its cost
   * grows with this patient's records only).
   */
  async listRecords(patient: string, pageSize = 500): Promise<RecordAnchor[]> {
    const records = this.contracts.records;
    const total = Number(await withRevertDecoding("recordCount", () => records.recordCount(patient)));
    const ids: string[] = [];
    for (let offset = 0; offset < total; offset += pageSize) {
      ids.push(...(await withRevertDecoding("recordsOf", () => records.recordsOf(patient, offset, pageSize))));
    }
    return Promise.all(ids.map((id) => this.getRecord(id)));
  }

  /** X25519 keys of the patient and of every grantee that may currently read `category`. */
  async #readerKeys(patient: string, category: CategoryId): Promise<Uint8Array[]> {
    const { consent, directory } = this.contracts;
    const events = await consent.queryFilter(consent.filters.ConsentGranted(patient), this.#fromBlock);
    const grantees = new Set(events.map((e) => e.args.grantee));
    grantees.add(patient);
    const keys: Uint8Array[] = [];
    for (const grantee of grantees) {
      if (!(await consent.canAccess(patient, grantee, category, READ))) continue;
      const key = await directory.encryptionKeyOf(grantee);
      if (key !== ZERO_HASH) keys.push(fromHex("encryptionKey", key, 32));
    }
    return keys;
  }

  /** The CIDs of a version, from its RecordAnchored event, checked against the id. */
  async #anchorEvent(recordId: string): Promise<{ contentCid: CID; keyringCid: CID; txHash: string }> {
    const records = this.contracts.records;
    const [event] = await records.queryFilter(records.filters.RecordAnchored(recordId), this.#fromBlock);
    if (!event) throw new CarechainError("CHAIN", "The record's anchor event was not found.", { details: recordId });
    const contentCid = CID.decode(fromHex("contentCid", event.args.contentCid));
    const keyringCid = CID.decode(fromHex("keyringCid", event.args.keyringCid));
    if (toHex(contentCid.multihash.digest) !== recordId) {
      throw new IntegrityError("The anchor's content CID does not match the record id.", { details: recordId });
    }
    return { contentCid, keyringCid, txHash: event.transactionHash };
  }

  /** Sends a transaction, waits for it, decodes reverts. */
  async #send(action: string, call: () => Promise<ContractTransactionResponse>): Promise<TxResult> {
    return withRevertDecoding(action, async () => {
      const response = await call();
      const receipt = await response.wait();
      if (!receipt) throw new CarechainError("CHAIN", `The ${action} transaction was dropped.`);
      return { hash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber };
    });
  }
}

const ZERO_HASH = `0x${"00".repeat(32)}`;

/** The AEAD context of a record: binds the ciphertext to its patient and category. */
function recordContext(patient: string, category: CategoryId): Uint8Array {
  return concatBytes(RECORD_CONTEXT, fromHex("patient", patient, 20), new Uint8Array([category]));
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
