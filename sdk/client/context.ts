/**
 * The client context: what every action of the client needs (contracts, signer, provider, identity, store,
 * validator, journal, caches, log reader, index), built once by {@link createCarechainContext}.
 * @module
 */
import type { Provider, Signer } from "ethers";

import type { CarechainContracts, CarechainDeployment } from "../chain/deployment.js";
import type { IndexSource } from "../chain/index-source.js";
import type { LogReader, LogReaderOptions } from "../chain/logs.js";
import type { ViewBatcher } from "../chain/multicall.js";
import type { QueuedSigner } from "../chain/sender.js";
import type { BlobStore } from "../content/blob-store.js";
import type { IdentityKeyPair } from "../crypto/identity.js";
import type { XWingKeyPair } from "../crypto/xwing.js";
import type { BatchKey } from "../crypto/keyring-batch.js";
import type { FhirValidator } from "../fhir/validator.js";
import type { BatchManifest } from "./batch.js";
import type { IndexedReads } from "./index-reads.js";
import type { RetryPolicy, WriteJournal } from "./journal.js";
import type { PostQuantumPolicy } from "./pq-keys.js";
import type { CustodianSet } from "./threshold-custody.js";

/** How a client uses post-quantum (X-Wing) keys, as {@link CarechainOptions.postQuantum} takes it. */
export interface PostQuantumOptions {
  /**
   * The account's X-Wing key pair, or its 32-byte seed; default: derived from the X25519 identity secret key
   * (`deriveXWingKeyPair`), so nothing more needs backing up. Reads use it to open X-Wing keyring entries, and
   * {@link Carechain.publishPqKey} publishes its public half.
   */
  readonly identity?: XWingKeyPair | Uint8Array;
  /**
   * When a write wraps a record key for a reader's X-Wing key: `auto` (default: for every reader with a verified
   * Directory commitment; the others get X25519), `required` (every reader must have one, else
   * `PqKeyRequiredError` and nothing is anchored), `never` (X25519 only, version 1 keyrings).
   */
  readonly policy?: PostQuantumPolicy;
}

/** A context's post-quantum settings: the policy, and the X-Wing key pair (derived once, on first use). */
export interface PostQuantumSettings {
  /** The write policy. */
  readonly policy: PostQuantumPolicy;
  /** The options as given (kept for a context with another identity). */
  readonly options: PostQuantumOptions | undefined;
  /** The account's X-Wing key pair. */
  readonly keyPair: () => Promise<XWingKeyPair>;
}
import type { ReaderIndex } from "./reader-index.js";

/** What a {@link Carechain} client (or {@link createCarechainContext}) needs. */
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
  /**
   * A k-of-n set of custodian nodes (threshold custody, see docs/privacy.md): `addRecord(…, { custody })` and
   * {@link Carechain.placeInCustody} split record keys among them, and reads that no keyring opens (an emergency
   * under break-glass, a must-log record) log the access on chain and rebuild the key from k nodes' shares. With a
   * set, break-glass reads go through it rather than through `custodianUrl`.
   */
  readonly custodianSet?: CustodianSet;
  /** Post-quantum keys: the account's X-Wing key pair and the write policy (default policy `auto`). */
  readonly postQuantum?: PostQuantumOptions;
  /**
   * Multicall3's address, through which the client batches its views (a write's reader and consent checks in one
   * `eth_call`); default the canonical 0xcA11bde05977b3631167028862bE2a173976CA11 (see `deployCarechain`, which
   * deploys one on local chains). Where no code is at the address, or with `false`, views are made one at a time.
   */
  readonly multicall?: string | false;
  /** Journal of writes stored but not yet anchored (default: in memory; `FileJournal` survives a crash). */
  readonly journal?: WriteJournal;
  /** Bounded retries with backoff for anchoring when the chain is unreachable (default {@link DEFAULT_RETRY}). */
  readonly retry?: Partial<RetryPolicy>;
}

/** {@link CarechainOptions} with a deployment instead of bound contracts. */
export type CarechainConnectOptions = Omit<CarechainOptions, "contracts"> & {
  readonly deployment: CarechainDeployment;
};

/** A batch manifest verified against its on-chain entry, as the context caches it. */
export interface LoadedBatch {
  /** The manifest, checked against the anchored root, patient, author and count. */
  readonly manifest: BatchManifest;
  /** The batch as the chain holds it. */
  readonly batch: {
    readonly patient: string;
    readonly author: string;
    readonly anchoredAt: bigint;
    readonly root: string;
    readonly categories: bigint;
    readonly count: bigint;
  };
  /** The anchoring transaction. */
  readonly anchorTx: string;
}

/** The mutable part of a context: what the client learns as it runs. */
export interface CarechainContextState {
  /** The block of this client's last confirmed transaction: index answers must include it (read your writes). */
  lastBlock: number;
  /** The checksummed account address, once read from the signer. */
  address?: string;
  /** The emergency custodian the Directory last named: checked in the same view as a write's readers. */
  custodian?: string;
}

/**
 * One account's client context: every action takes it as its first argument. Build it with
 * {@link createCarechainContext}; a {@link Carechain} holds one.
 */
export interface CarechainContext {
  /** Tells a context from {@link CarechainOptions}. */
  readonly kind: "carechain-context";
  /** The contracts, bound to {@link CarechainContext.sender}. */
  readonly contracts: CarechainContracts;
  /** The account's signer, as given. */
  readonly signer: Signer;
  /** `signer` behind its account's send queue; the contracts are bound to it. */
  readonly sender: QueuedSigner;
  /** The signer's provider (checked once, when the context is built). */
  readonly provider: Provider;
  /** The account's X25519 identity key pair. */
  readonly identity: IdentityKeyPair;
  /** Where ciphertext, keyrings and manifests are kept. */
  readonly store: BlobStore;
  /** FHIR validator applied before encryption and after decryption. */
  readonly validator: FhirValidator;
  /** Whether reads are logged on chain by default. */
  readonly logAccess: boolean;
  /** First block searched for events. */
  readonly fromBlock: number;
  /** The paged event-log reader. */
  readonly logs: LogReader;
  /** The emergency custodian service's URL, if any. */
  readonly custodianUrl: string | undefined;
  /** The threshold custodian set, if any (checked when the context is built). */
  readonly custodianSet: CustodianSet | undefined;
  /** The post-quantum policy and X-Wing key pair. */
  readonly postQuantum: PostQuantumSettings;
  /** The journal of writes stored but not yet anchored. */
  readonly journal: WriteJournal;
  /** Retries of the anchor transaction. */
  readonly retry: RetryPolicy;
  /** The index source, if any. */
  readonly index: IndexSource | undefined;
  /** Reads through `index`, or undefined without one. */
  readonly indexed: IndexedReads | undefined;
  /** Batched views (Multicall3, or one by one where the chain has none). */
  readonly views: ViewBatcher;
  /** Candidate readers per patient from the consent events, kept current (each is checked on chain before use). */
  readonly readerIndex: ReaderIndex;
  /** Batch keys this identity opened, by batch-key keyring CID (v3 keyrings; `undefined`: not a recipient). */
  readonly batchKeys: Map<string, Promise<BatchKey | undefined>>;
  /** Verified batch manifests by batch id (batches are immutable once anchored). */
  readonly batches: Map<string, Promise<LoadedBatch>>;
  /** What the client learns as it runs. */
  readonly state: CarechainContextState;
}
