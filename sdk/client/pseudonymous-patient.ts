/**
 * A patient with one pseudonym per care relationship: each relationship has its own account and encryption key,
 * derived from one root (sdk/crypto/pseudonym.ts), registered and granted through signatures that a relayer sends,
 * and the patient's view (records, grants, audit trail) merged across them.
 * @module
 */
import { Wallet, getAddress, type Provider } from "ethers";
import type { Resource } from "@medplum/fhirtypes";

import { connectContracts, type CarechainContracts, type CarechainDeployment } from "../chain/deployment.js";
import type { AuditEntry, GrantInfo, RecordAnchor } from "../chain/facts.js";
import { LogReader, type LogReaderOptions } from "../chain/logs.js";
import { derivePseudonym, type Pseudonym, type PseudonymScope } from "../crypto/pseudonym.js";
import { PseudonymError } from "../errors/privacy.js";
import { Category } from "../fhir/categories.js";
import { signPatientRegistration } from "./actions/directory.js";
import { signGrant } from "./actions/signed-consent.js";
import { Carechain } from "./carechain.js";
import { EMERGENCY_LOCATOR_INDEX, locatorResource } from "./emergency-locator.js";
import type { CarechainOptions } from "./context.js";
import type {
  AddedRecord,
  GrantResult,
  GrantTerms,
  ReadRecord,
  RecordList,
  SignedGrant,
  SignedRegistration,
  SkippedObject,
  TxResult,
} from "./types.js";

/** Default number of consecutive unregistered indices after which {@link PseudonymousPatient.recover} stops. */
export const DEFAULT_PSEUDONYM_GAP_LIMIT = 3;

/**
 * Who sends a pseudonym's signed requests and pays their gas: a {@link Carechain} client (the relationship's
 * provider, say) fits as it is; a remote relay service implements the two calls over its own transport.
 */
export interface PseudonymRelay {
  /** Sends a signed `registerPatientBySig`. */
  relayPatientRegistration(signed: SignedRegistration): Promise<TxResult>;
  /** Sends a signed `grantBySig` (and publishes the keyrings it carries). */
  relayGrant(signed: SignedGrant): Promise<GrantResult>;
}

/** What a {@link PseudonymousPatient} needs. */
export interface PseudonymousPatientOptions extends Pick<
  CarechainOptions,
  "store" | "validator" | "fromBlock" | "index" | "custodianUrl"
> {
  /** The 32-byte pseudonym root (see `derivePseudonymRoot`): the only secret; every pseudonym derives from it. */
  readonly root: Uint8Array;
  /** The deployment the pseudonyms live in. */
  readonly deployment: CarechainDeployment;
  /** A provider of the chain (the pseudonyms' wallets are connected to it). */
  readonly provider: Provider;
  /**
   * The client that relays the pseudonyms' signed registrations and grants and pays their gas (the provider of the
   * relationship, or a relay service): a pseudonym never needs ETH for these. It can be overridden per relationship.
   */
  readonly relayer: PseudonymRelay;
  /**
   * Gives a pseudonym the ETH for a transaction it must send itself (anchoring a record it authors, in
   * {@link PseudonymousPatient.shareRecord}). Fund it from an account that is not linked to the patient's other
   * pseudonyms (e.g. the relationship's own provider, which the grant already links to it). Without it, such a
   * transaction from a pseudonym with no balance fails with {@link PseudonymError}.
   */
  readonly fund?: (pseudonym: string) => Promise<void>;
  /** Consecutive unregistered indices after which recovery stops (default {@link DEFAULT_PSEUDONYM_GAP_LIMIT}). */
  readonly gapLimit?: number;
  /** One log reader for every pseudonym's client, or its options. */
  readonly logs?: LogReader | LogReaderOptions;
}

/** One care relationship: its pseudonym, a client acting as it, and the providers it has granted. */
export interface Relationship {
  /** The relationship index the pseudonym derives from. */
  readonly index: number;
  /** The pseudonym's address: the patient as this relationship's providers (and the chain) see it. */
  readonly address: string;
  /** A client that acts as the pseudonym (its signer holds no ETH unless funded). */
  readonly client: Carechain;
  /** Grantees with a live grant from this pseudonym, as last read from the chain. */
  readonly providers: readonly string[];
}

/** What {@link PseudonymousPatient.openRelationship} returns. */
export interface OpenedRelationship {
  /** The new relationship. */
  readonly relationship: Relationship;
  /** The relayed `registerPatientBySig`. */
  readonly registration: TxResult;
  /** The relayed `grantBySig`. */
  readonly grant: GrantResult;
}

/** What {@link PseudonymousPatient.placeLocatorInCustody} returns. */
export interface PlacedLocator {
  /** The locator's address: the one to put on the patient's emergency card. */
  readonly locator: string;
  /** The relayed registration, the first time. */
  readonly registration?: TxResult;
  /** Setting the locator's emergency categories to Demographics, the first time. */
  readonly categories?: TxResult;
  /** The locator record (a new version each time). */
  readonly record: AddedRecord;
}

/** What {@link PseudonymousPatient.shareRecord} returns. */
export interface SharedRecord extends AddedRecord {
  /** The pseudonym the record was read from. */
  readonly from: string;
  /** The pseudonym it was re-anchored under (also its author). */
  readonly to: string;
}

/**
 * A patient that keeps one pseudonym per care relationship. Observers of the chain see unrelated patient accounts,
 * one per provider relationship; the patient's device, holding the root, sees them all. The plain single-address
 * mode ({@link Carechain} with one account) stays available and unchanged.
 *
 * @example
 * const root = await derivePseudonymRoot(wallet, { chainId, directory: deployment.directory });
 * const patient = await PseudonymousPatient.connect({ root, deployment, provider, relayer: hospital, store, validator });
 * const { relationship } = await patient.openRelationship(hospitalAddress, { read: ["Laboratory"], expiresAt });
 * const records = await patient.listRecords();
 */
export class PseudonymousPatient {
  readonly #options: PseudonymousPatientOptions;
  readonly #contracts: CarechainContracts;
  readonly #scope: PseudonymScope;
  readonly #logs: LogReader;
  readonly #relationships = new Map<number, Relationship>();
  #opening: Promise<unknown> = Promise.resolve();

  private constructor(options: PseudonymousPatientOptions, contracts: CarechainContracts) {
    this.#options = options;
    this.#contracts = contracts;
    this.#scope = { chainId: options.deployment.chainId, directory: options.deployment.directory };
    this.#logs = options.logs instanceof LogReader ? options.logs : new LogReader(options.provider, options.logs);
  }

  /**
   * Connects to a deployment and recovers the pseudonyms already registered from the root (see {@link recover}).
   * @param options - Root, deployment, provider, relayer, store, validator.
   * @returns The patient.
   * @throws {RangeError} When the root is not 32 bytes or `gapLimit` is not a positive integer.
   * @throws {DeploymentError} When the deployment is not on the provider's chain.
   */
  static async connect(options: PseudonymousPatientOptions): Promise<PseudonymousPatient> {
    const gapLimit = options.gapLimit ?? DEFAULT_PSEUDONYM_GAP_LIMIT;
    if (!Number.isSafeInteger(gapLimit) || gapLimit < 1) {
      throw new RangeError(`gapLimit: expected a positive integer, got ${gapLimit}`);
    }
    const first = derivePseudonym(options.root, options.deployment, 0);
    const contracts = await connectContracts(options.deployment, new Wallet(first.privateKey, options.provider));
    const patient = new PseudonymousPatient(options, contracts);
    await patient.recover();
    return patient;
  }

  /** The relationships known so far, by index. */
  get relationships(): readonly Relationship[] {
    return [...this.#relationships.values()].sort((a, b) => a.index - b.index);
  }

  /**
   * Finds the pseudonyms registered from this root: derives indices 0, 1, 2, … and asks the Directory whether each
   * is a registered patient, until `gapLimit` consecutive ones are not. Nothing but the root is needed, so a new
   * device recovers every relationship; the providers of each come from its grants on chain.
   * @returns The relationships, by index.
   */
  async recover(): Promise<readonly Relationship[]> {
    const gapLimit = this.#options.gapLimit ?? DEFAULT_PSEUDONYM_GAP_LIMIT;
    for (let index = 0, gap = 0; gap < gapLimit; index++) {
      const pseudonym = derivePseudonym(this.#options.root, this.#scope, index);
      if (!(await this.#contracts.directory.isPatient(pseudonym.address))) {
        gap++;
        continue;
      }
      gap = 0;
      const client = this.#clientOf(pseudonym);
      this.#relationships.set(index, await this.#relationship(pseudonym.index, client));
    }
    return this.relationships;
  }

  /**
   * The relationship whose pseudonym has granted `provider`.
   * @param provider - The provider's address.
   * @returns The relationship, or undefined.
   */
  relationshipWith(provider: string): Relationship | undefined {
    const wanted = getAddress(provider);
    return this.relationships.find((r) => r.providers.includes(wanted));
  }

  /**
   * Opens a care relationship with `provider`: derives the next pseudonym, has it sign its Directory registration
   * and a grant to `provider`, and has the relayer send both (the pseudonym holds no ETH and is funded by nobody).
   * @param provider - The provider of the relationship.
   * @param terms - What the provider may read and write, for which purposes, until when.
   * @param options - `relayer`: who relays (default the patient's relayer), e.g. the provider's own client.
   * @returns The relationship and both transactions.
   * @throws {RangeError} When the terms are invalid (nothing is sent).
   * @throws {ConsentGranteeNotRegisteredError} When `provider` is not a registered provider.
   */
  openRelationship(
    provider: string,
    terms: GrantTerms,
    options: { relayer?: PseudonymRelay } = {},
  ): Promise<OpenedRelationship> {
    const next = this.#opening.then(() => this.#open(getAddress(provider), terms, options.relayer));
    this.#opening = next.catch(() => undefined);
    return next;
  }

  /**
   * Every record of every pseudonym (as `listRecords` gives them per pseudonym: each anchor's `patient` names the
   * pseudonym), with what was skipped.
   * @returns The records, pseudonym by pseudonym.
   */
  async listRecords(): Promise<RecordList> {
    const all: RecordAnchor[] = [];
    const skipped: SkippedObject[] = [];
    for (const r of this.relationships) {
      const list = await r.client.listRecords(r.address);
      all.push(...list);
      skipped.push(...list.skipped);
    }
    return Object.assign(all, { skipped });
  }

  /**
   * Every grant of every pseudonym (each names its pseudonym as `patient`).
   * @returns The grants, pseudonym by pseudonym.
   */
  async listGrants(): Promise<GrantInfo[]> {
    const all: GrantInfo[] = [];
    for (const r of this.relationships) all.push(...(await r.client.listGrants(r.address)));
    return all;
  }

  /**
   * The audit trails of every pseudonym, merged in chain order.
   * @returns The entries, ordered by block (then by pseudonym).
   */
  async auditTrail(): Promise<AuditEntry[]> {
    const all: AuditEntry[] = [];
    for (const r of this.relationships) all.push(...(await r.client.auditTrail(r.address)));
    return all.sort((a, b) => a.block - b.block);
  }

  /**
   * Reads one of the patient's records as the pseudonym it belongs to (a patient's own read is not logged).
   * @param recordId - The record version.
   * @returns The verified, decrypted record.
   * @throws {PseudonymError} When the record belongs to none of this patient's pseudonyms.
   */
  async readRecord<T extends Resource = Resource>(recordId: string): Promise<ReadRecord<T>> {
    const owner = await this.#ownerOf(recordId);
    return owner.client.readRecord<T>(recordId);
  }

  /**
   * Shares a record with another relationship without linking the two pseudonyms: reads it as its own pseudonym,
   * then encrypts it afresh and anchors it under the target relationship's pseudonym, which is also its author. The
   * target's providers read it through their grant; nobody is granted access to the source pseudonym. The new
   * anchor costs gas that the target pseudonym pays: funded through `fund` when given.
   * @param recordId - A record of one of the patient's pseudonyms.
   * @param to - The provider of the target relationship (or the relationship).
   * @returns The new record and both pseudonyms.
   * @throws {PseudonymError} When the record is not the patient's, the target is unknown or is the record's own
   * relationship, or the target pseudonym has no ETH and no `fund` hook was given.
   */
  async shareRecord(recordId: string, to: string | Relationship): Promise<SharedRecord> {
    const source = await this.#ownerOf(recordId);
    const named = typeof to === "string" ? this.relationshipWith(to) : to;
    const target = named ? this.#relationships.get(named.index) : undefined;
    if (target?.address !== named?.address || !target) {
      const details = typeof to === "string" ? to : `relationship ${to.index} (${to.address})`;
      throw new PseudonymError("The target relationship is not one of this patient's.", { details });
    }
    if (target.index === source.index) {
      throw new PseudonymError("The record already belongs to the target relationship.", { details: recordId });
    }
    const { resource } = await source.client.readRecord(recordId, { logAccess: false });
    await this.#fund(target.address);
    const added = await target.client.addRecord(target.address, resource);
    return { ...added, from: source.address, to: target.address };
  }

  /** The address of the emergency locator pseudonym (for the patient's emergency card). */
  get emergencyLocator(): string {
    return derivePseudonym(this.#options.root, this.#scope, EMERGENCY_LOCATOR_INDEX).address;
  }

  /**
   * Places the list of the patient's pseudonyms in emergency custody: registers the locator pseudonym (relayed,
   * once), makes Demographics its only emergency category (once), and anchors a locator record naming every
   * relationship pseudonym (amending the last one), which the write path wraps for the emergency custodian. Call it
   * again after opening relationships. The locator sends two transactions itself, funded through `fund`.
   * @returns The locator's address and the transactions.
   * @throws {PseudonymError} When the locator has no ETH and no `fund` hook was given.
   */
  async placeLocatorInCustody(): Promise<PlacedLocator> {
    const pseudonym = derivePseudonym(this.#options.root, this.#scope, EMERGENCY_LOCATOR_INDEX);
    const client = this.#clientOf(pseudonym);
    const locator = pseudonym.address;
    const registration = (await this.#contracts.directory.isPatient(locator))
      ? undefined
      : await this.#options.relayer.relayPatientRegistration(await signPatientRegistration(client.context));
    await this.#fund(locator);
    const demographics = 1n << BigInt(Category.Demographics);
    const categories =
      (await this.#contracts.consent.emergencyCategoriesOf(locator)) === demographics
        ? undefined
        : await client.setEmergencyCategories(["Demographics"]);
    const previous = (await client.listRecords(locator)).filter((r) => !r.amended).at(-1)?.recordId;
    const resource = locatorResource(this.relationships.map((r) => r.address));
    const record = await client.addRecord(locator, resource, previous === undefined ? {} : { previous });
    return {
      locator,
      ...(registration ? { registration } : {}),
      ...(categories ? { categories } : {}),
      record,
    };
  }

  async #open(provider: string, terms: GrantTerms, relayer = this.#options.relayer): Promise<OpenedRelationship> {
    let index = 0;
    for (const r of this.#relationships.values()) index = Math.max(index, r.index + 1);
    const pseudonym = derivePseudonym(this.#options.root, this.#scope, index);
    const client = this.#clientOf(pseudonym);
    const registration = await relayer.relayPatientRegistration(await signPatientRegistration(client.context));
    const grant = await relayer.relayGrant(await signGrant(client.context, { grantee: provider, terms }));
    const relationship: Relationship = { index, address: pseudonym.address, client, providers: [provider] };
    this.#relationships.set(index, relationship);
    return { relationship, registration, grant };
  }

  /** A client acting as `pseudonym`. */
  #clientOf(pseudonym: Pseudonym): Carechain {
    const o = this.#options;
    return new Carechain({
      contracts: this.#contracts,
      signer: new Wallet(pseudonym.privateKey, o.provider),
      identity: pseudonym.identity,
      store: o.store,
      validator: o.validator,
      logs: this.#logs,
      ...(o.fromBlock === undefined ? {} : { fromBlock: o.fromBlock }),
      ...(o.index === undefined ? {} : { index: o.index }),
      ...(o.custodianUrl === undefined ? {} : { custodianUrl: o.custodianUrl }),
    });
  }

  /** The relationship of `index`, with the grantees its pseudonym has live grants to. */
  async #relationship(index: number, client: Carechain): Promise<Relationship> {
    const address = await client.address();
    const providers = [...new Set((await client.listGrants(address)).filter((g) => g.active).map((g) => g.grantee))];
    return { index, address, client, providers: providers.map((p) => getAddress(p)) };
  }

  /** The relationship whose pseudonym is the patient of `recordId`. */
  async #ownerOf(recordId: string): Promise<Relationship> {
    const reader = this.relationships[0]?.client;
    const patient = reader ? getAddress((await reader.getRecord(recordId)).patient) : undefined;
    const owner = this.relationships.find((r) => r.address === patient);
    if (!owner)
      throw new PseudonymError("The record is not about any of this patient's pseudonyms.", { details: recordId });
    return owner;
  }

  /** Makes sure `pseudonym` can pay for a transaction it must send itself. */
  async #fund(pseudonym: string): Promise<void> {
    if (this.#options.fund) {
      await this.#options.fund(pseudonym);
      return;
    }
    if ((await this.#options.provider.getBalance(pseudonym)) === 0n) {
      throw new PseudonymError("The pseudonym holds no ETH for its own transaction and no fund hook was given.", {
        details: pseudonym,
      });
    }
  }
}
