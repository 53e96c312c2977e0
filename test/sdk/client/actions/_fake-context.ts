/**
 * A fake chain and client contexts on it, for driving client actions without a node: consent grants, record
 * anchors and their events, Directory keys, and receipts — each call recorded so a test can see what was sent.
 * Not a test file (vitest collects `*.test.ts` only).
 */
import { Wallet, getAddress, keccak256, toUtf8Bytes, type HDNodeWallet } from "ethers";
import { CID } from "multiformats/cid";

import type { CarechainContracts } from "../../../../sdk/chain/deployment.js";
import { LogReader } from "../../../../sdk/chain/logs.js";
import { ViewBatcher } from "../../../../sdk/chain/multicall.js";
import type { QueuedSigner } from "../../../../sdk/chain/sender.js";
import type { BlobStore } from "../../../../sdk/content/blob-store.js";
import { MemoryBlobStore } from "../../../../sdk/content/memory-store.js";
import { generateIdentity, publicKeyHex, type IdentityKeyPair } from "../../../../sdk/crypto/identity.js";
import { RecordAlreadyAnchoredError, RecordNotFoundError } from "../../../../sdk/errors/contract.js";
import { loadFhirDefinitions } from "../../../../sdk/node/fhir-definitions.js";
import { createFhirValidator, type FhirValidator } from "../../../../sdk/fhir/validator.js";
import type { CarechainContext } from "../../../../sdk/client/context.js";
import { DEFAULT_RETRY, MemoryJournal } from "../../../../sdk/client/journal.js";
import { postQuantumSettings } from "../../../../sdk/client/privacy-settings.js";
import { ReaderIndex } from "../../../../sdk/client/reader-index.js";
import { recordIdOf } from "../../../../sdk/client/record-id.js";

const ZERO_HASH = `0x${"00".repeat(32)}`;
const ZERO_ADDRESS = `0x${"00".repeat(20)}`;

let sharedValidator: FhirValidator | undefined;
/** One validator for all fake contexts (loading the definitions takes a moment). */
export function validator(): FhirValidator {
  sharedValidator ??= createFhirValidator(loadFhirDefinitions());
  return sharedValidator;
}

/** A call sent as a transaction: contract method, sender and arguments. */
export interface SentCall {
  readonly method: string;
  readonly from: string;
  readonly args: readonly unknown[];
}

interface FakeEvent {
  eventName: string;
  args: Record<string, unknown>;
  blockNumber: number;
  index: number;
  transactionHash: string;
  address: string;
}

interface FakeFilter {
  eventName: string;
  match: (args: Record<string, unknown>) => boolean;
}

interface Terms {
  readMask: bigint;
  writeMask: bigint;
  purposes: bigint;
  expiresAt: bigint;
}

interface Anchor {
  patient: string;
  author: string;
  categories: bigint;
  previous: string;
  anchoredAt: bigint;
}

/** The fake chain: state, events and every transaction sent. */
export class FakeChain {
  readonly grants = new Map<string, Terms>();
  readonly anchors = new Map<string, Anchor>();
  readonly keys = new Map<string, string>();
  readonly events: FakeEvent[] = [];
  readonly sent: SentCall[] = [];
  readonly receipts = new Map<string, { hash: string; status: number; gasUsed: bigint; blockNumber: number }>();
  block = 1;
  now = 1_900_000_000;
  /** Makes the next transaction of `method` fail like a dropped connection: before (`lost`) or after it landed. */
  failNext: { method: string; landed: boolean } | undefined;

  /** Whether `grantee` may act on `patient`'s `category` (the patient always may). */
  allows(patient: string, grantee: string, category: number, action: number): boolean {
    if (getAddress(patient) === getAddress(grantee)) return true;
    const t = this.grants.get(`${getAddress(patient)}|${getAddress(grantee)}`);
    if (!t || t.expiresAt <= BigInt(this.now)) return false;
    return (((action === 0 ? t.readMask : t.writeMask) >> BigInt(category)) & 1n) === 1n;
  }

  /** Records a transaction, mines it into a block of its own, and returns what ethers would. */
  send(method: string, from: string, args: unknown[], effect?: (hash: string, block: number) => void) {
    const failing = this.failNext?.method === method ? this.failNext : undefined;
    if (failing) this.failNext = undefined;
    if (failing && !failing.landed) throw new Error("socket hang up");
    const block = ++this.block;
    const hash = keccak256(toUtf8Bytes(`${method}:${this.sent.length}`));
    effect?.(hash, block);
    this.sent.push({ method, from, args });
    this.receipts.set(hash, { hash, status: 1, gasUsed: 21_000n, blockNumber: block });
    if (failing) throw new Error("socket hang up");
    return { hash } as never;
  }

  emit(eventName: string, args: Record<string, unknown>, hash: string, block: number): void {
    this.events.push({
      eventName,
      args,
      blockNumber: block,
      index: this.events.length,
      transactionHash: hash,
      address: "0xfake",
    });
  }

  /** The contracts as `account` sees them (its calls come from it). */
  contracts(account: string): CarechainContracts {
    const filter =
      (eventName: string, fields: string[]) =>
      (...values: unknown[]): FakeFilter => ({
        eventName,
        match: (args) => fields.every((f, i) => values[i] === undefined || values[i] === null || args[f] === values[i]),
      });
    const consent = {
      grant: async (grantee: string, terms: Terms) =>
        this.send("grant", account, [grantee, terms], (hash, block) => {
          this.grants.set(`${account}|${getAddress(grantee)}`, terms);
          this.emit(
            "ConsentGranted",
            { patient: account, grantee: getAddress(grantee), actor: account, terms },
            hash,
            block,
          );
        }),
      grantFor: async (patient: string, grantee: string, terms: Terms) =>
        this.send("grantFor", account, [patient, grantee, terms]),
      revoke: async (grantee: string) =>
        this.send("revoke", account, [grantee], (hash, block) => {
          this.grants.delete(`${account}|${getAddress(grantee)}`);
          this.emit("ConsentRevoked", { patient: account, grantee: getAddress(grantee), actor: account }, hash, block);
        }),
      revokeFor: async (patient: string, grantee: string) => this.send("revokeFor", account, [patient, grantee]),
      canAccess: async (patient: string, grantee: string, category: number, action: number) =>
        this.allows(patient, grantee, category, action),
      canAccessForPurpose: async (patient: string, grantee: string, category: number, action: number) =>
        this.allows(patient, grantee, category, action),
      consentOf: async (patient: string, grantee: string) =>
        this.grants.get(`${getAddress(patient)}|${getAddress(grantee)}`) ?? {
          readMask: 0n,
          writeMask: 0n,
          purposes: 0n,
          expiresAt: 0n,
        },
      consentEpoch: async () => 0n,
      nonces: async () => 0n,
      getAddress: async () => "0x00000000000000000000000000000000000000c0",
      emergencyCategoriesOf: async () => 0n,
      isPatientOrDelegate: async (patient: string, account_: string) => getAddress(patient) === getAddress(account_),
      addDelegate: async (patient: string, delegate: string, kind: number) =>
        this.send("addDelegate", account, [patient, delegate, kind]),
      openBreakGlass: async (patient: string, justificationHash: string, duration: bigint) =>
        this.send("openBreakGlass", account, [patient, justificationHash, duration]),
      breakGlassExpiry: async () => BigInt(this.now + 3600),
      filters: {
        ConsentGranted: filter("ConsentGranted", ["patient", "grantee"]),
        ConsentRevoked: filter("ConsentRevoked", ["patient", "grantee"]),
      },
    };
    const records = {
      anchor: async (
        patient: string,
        categories: bigint,
        contentCid: Uint8Array,
        keyringCid: Uint8Array,
        previous: string,
      ) => {
        const recordId = recordIdOf(patient, account, CID.decode(contentCid));
        if (this.anchors.has(recordId)) throw new RecordAlreadyAnchoredError({ recordId });
        return this.send("anchor", account, [patient, categories, contentCid, keyringCid, previous], (hash, block) => {
          this.anchors.set(recordId, {
            patient: getAddress(patient),
            author: account,
            categories,
            previous,
            anchoredAt: BigInt(this.now),
          });
          const toHex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
          this.emit(
            "RecordAnchored",
            {
              recordId,
              patient: getAddress(patient),
              author: account,
              categories,
              previous,
              contentCid: toHex(contentCid),
              keyringCid: toHex(keyringCid),
            },
            hash,
            block,
          );
        });
      },
      record: async (recordId: string) => {
        const a = this.anchors.get(recordId);
        if (!a) throw new RecordNotFoundError({ recordId });
        return { ...a, originalAuthor: a.author, version: 1n, amended: false };
      },
      recordCount: async (patient: string) =>
        BigInt([...this.anchors.values()].filter((a) => a.patient === getAddress(patient)).length),
      recordsOf: async (patient: string, offset: number, limit: number) =>
        [...this.anchors.entries()]
          .filter(([, a]) => a.patient === getAddress(patient))
          .map(([id]) => id)
          .slice(offset, offset + limit),
      logAccess: async (recordId: string, purpose: number) => this.send("logAccess", account, [recordId, purpose]),
      logAccessBatch: async (reads: unknown[]) => this.send("logAccessBatch", account, [reads]),
      getAddress: async () => "0x00000000000000000000000000000000000000r0",
      filters: {
        RecordAnchored: filter("RecordAnchored", ["recordId", "patient"]),
        KeyringPublished: filter("KeyringPublished", ["recordId", "patient"]),
        BatchAnchored: filter("BatchAnchored", ["batchId", "patient"]),
      },
    };
    const directory = {
      encryptionKeyOf: async (who: string) => this.keys.get(getAddress(who)) ?? ZERO_HASH,
      pqKeyOf: async () => ZERO_HASH,
      emergencyCustodian: async () => ZERO_ADDRESS,
      isActiveProvider: async () => false,
      registerProvider: async (who: string, kind: number, key: string) =>
        this.send("registerProvider", account, [who, kind, key], () => this.keys.set(getAddress(who), key)),
      registerPatient: async (key: string) =>
        this.send("registerPatient", account, [key], () => this.keys.set(account, key)),
    };
    return { consent, records, directory } as unknown as CarechainContracts;
  }
}

/** A {@link LogReader} over the fake chain's events. */
function fakeLogs(chain: FakeChain): LogReader {
  return {
    query: async (_contract: unknown, filter: FakeFilter, from = 0, to: number | "latest" = "latest") =>
      chain.events.filter(
        (e) =>
          e.eventName === filter.eventName &&
          filter.match(e.args) &&
          e.blockNumber >= from &&
          (to === "latest" || e.blockNumber <= to),
      ),
  } as unknown as LogReader;
}

/** The fake chain's head and a patient's ConsentGranted/ConsentRevoked events, for a context's reader index. */
function fakeConsentEvents(chain: FakeChain): ConstructorParameters<typeof ReaderIndex>[0] {
  return {
    head: async () => chain.block,
    events: async (patient, from, to) =>
      chain.events
        .filter(
          (e) =>
            (e.eventName === "ConsentGranted" || e.eventName === "ConsentRevoked") &&
            e.args.patient === patient &&
            e.blockNumber >= from &&
            e.blockNumber <= to,
        )
        .map((e) => ({ granted: e.eventName === "ConsentGranted", grantee: String(e.args.grantee) })),
  };
}

/** What a fake context is made of, for a test to reach into. */
export interface FakeAccount {
  readonly ctx: CarechainContext;
  readonly address: string;
  readonly identity: IdentityKeyPair;
  readonly wallet: HDNodeWallet;
}

/**
 * A client context of a new random account on `chain`, its identity key registered in the fake Directory.
 * @param chain - The fake chain.
 * @param options - `store` to share one store between accounts (default a new {@link MemoryBlobStore}).
 */
export function fakeAccount(chain: FakeChain, options: { store?: BlobStore; logAccess?: boolean } = {}): FakeAccount {
  const wallet = Wallet.createRandom();
  const address = getAddress(wallet.address);
  const identity = generateIdentity();
  chain.keys.set(address, publicKeyHex(identity));
  const provider = {
    getTransactionReceipt: async (hash: string) => chain.receipts.get(hash) ?? null,
    getBlock: async () => ({ timestamp: chain.now }),
    getBlockNumber: async () => chain.block,
    getNetwork: async () => ({ chainId: 31337n }),
  };
  const sender = { provider, getAddress: async () => address } as unknown as QueuedSigner;
  const ctx: CarechainContext = {
    kind: "carechain-context",
    contracts: chain.contracts(address),
    signer: wallet,
    sender,
    provider: provider as never,
    identity,
    store: options.store ?? new MemoryBlobStore(),
    validator: validator(),
    logAccess: options.logAccess ?? true,
    fromBlock: 0,
    logs: fakeLogs(chain),
    custodianUrl: undefined,
    custodianSet: undefined,
    postQuantum: postQuantumSettings(identity, undefined),
    journal: new MemoryJournal(),
    retry: { ...DEFAULT_RETRY, attempts: 1 },
    index: undefined,
    indexed: undefined,
    views: new ViewBatcher(provider as never, false),
    readerIndex: new ReaderIndex(fakeConsentEvents(chain), 0),
    batchKeys: new Map(),
    batches: new Map(),
    state: { lastBlock: 0 },
  };
  return { ctx, address, identity, wallet };
}

/** A small valid FHIR Observation (category Laboratory) about `subject`. */
export function labObservation(value = 5.4): Record<string, unknown> {
  return {
    resourceType: "Observation",
    status: "final",
    category: [
      { coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "laboratory" }] },
    ],
    code: { coding: [{ system: "http://loinc.org", code: "2345-7", display: "Glucose" }] },
    valueQuantity: { value, unit: "mmol/L", system: "http://unitsofmeasure.org", code: "mmol/L" },
  };
}
