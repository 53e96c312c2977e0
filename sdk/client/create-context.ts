/** Builds a client context from options, once: contracts bound to the account's send queue, provider checked. */
import { dataSlice, getAddress, zeroPadValue } from "ethers";

import { LogReader } from "../chain/logs.js";
import { ViewBatcher } from "../chain/multicall.js";
import { queuedSigner } from "../chain/sender.js";
import type { IdentityKeyPair } from "../crypto/identity.js";
import type { CarechainContext, CarechainOptions } from "./context.js";
import { IndexedReads } from "./index-reads.js";
import { DEFAULT_RETRY, MemoryJournal } from "./journal.js";
import { ReaderIndex, type ReaderIndexSource } from "./reader-index.js";
import { mayAll } from "./actions/_access.js";
import { getRecord } from "./actions/records-read.js";
import { checkCustodianSet, postQuantumSettings } from "./privacy-settings.js";

/**
 * Builds a client context. The contracts are bound again to the signer behind its account's send queue (see
 * {@link QueuedSigner}), so every transaction of the context, and of `ctx.contracts.*`, goes out one at a time with
 * managed nonces. The provider is checked here, once (by {@link queuedSigner}, which refuses a signer without one).
 * @param options - Bound contracts, signer, identity, store, validator and settings.
 * @returns The context every action takes.
 * @throws {CarechainError} `CHAIN` when the signer has no provider.
 * @throws {RangeError | InvalidPublicKeyError} When the custodian set or the post-quantum options are malformed.
 */
export function createCarechainContext(options: CarechainOptions): CarechainContext {
  const sender = queuedSigner(options.signer);
  const provider = sender.provider;
  const contracts = {
    directory: options.contracts.directory.connect(sender),
    consent: options.contracts.consent.connect(sender),
    records: options.contracts.records.connect(sender),
  };
  const state: CarechainContext["state"] = { lastBlock: 0 };
  // The index's reads check the chain with this context's own actions (called once `ctx` below is built).
  const indexed = options.index
    ? new IndexedReads({
        index: options.index,
        contracts,
        provider,
        minBlock: () => state.lastBlock,
        getRecord: (recordId) => getRecord(ctx, { recordId }),
        mayRead: (patient, grantee, categories) => mayAll(ctx, { patient, grantee, categories, action: "read" }),
      })
    : undefined;
  const logs = options.logs instanceof LogReader ? options.logs : new LogReader(provider, options.logs);
  const fromBlock = options.fromBlock ?? 0;
  const ctx: CarechainContext = {
    kind: "carechain-context",
    contracts,
    signer: options.signer,
    sender,
    provider,
    identity: options.identity,
    store: options.store,
    validator: options.validator,
    logAccess: options.logAccess ?? true,
    fromBlock,
    logs,
    custodianUrl: options.custodianUrl,
    custodianSet: checkCustodianSet(options.custodianSet),
    postQuantum: postQuantumSettings(options.identity, options.postQuantum),
    journal: options.journal ?? new MemoryJournal(),
    retry: { ...DEFAULT_RETRY, ...options.retry },
    index: options.index,
    indexed,
    views: new ViewBatcher(provider, options.multicall),
    readerIndex: new ReaderIndex(consentEventSource(contracts.consent, logs), fromBlock),
    batchKeys: new Map(),
    batches: new Map(),
    state,
  };
  return ctx;
}

/**
 * A new context of the same account, store, journal and settings with another identity key pair (fresh caches:
 * what the old key could open says nothing of the new one; an X-Wing key pair derived from the old identity is
 * derived again from the new one).
 * @param ctx - The context to copy.
 * @param identity - The new identity key pair.
 * @returns The new context.
 */
export function contextWithIdentity(ctx: CarechainContext, identity: IdentityKeyPair): CarechainContext {
  return createCarechainContext({
    contracts: ctx.contracts,
    signer: ctx.signer,
    identity,
    store: ctx.store,
    validator: ctx.validator,
    logAccess: ctx.logAccess,
    fromBlock: ctx.fromBlock,
    logs: ctx.logs,
    index: ctx.index,
    custodianUrl: ctx.custodianUrl,
    custodianSet: ctx.custodianSet,
    postQuantum: ctx.postQuantum.options,
    multicall: ctx.views.address,
    journal: ctx.journal,
    retry: ctx.retry,
  });
}

/**
 * Whether `value` is a context (rather than options).
 * @param value - Options or a context.
 * @returns True for a {@link CarechainContext}.
 */
export function isCarechainContext(value: CarechainOptions | CarechainContext): value is CarechainContext {
  return (value as { kind?: unknown }).kind === "carechain-context";
}

/**
 * The chain's head and a patient's ConsentGranted/ConsentRevoked events (one paged `eth_getLogs` for both), for the
 * context's {@link ReaderIndex}.
 */
function consentEventSource(consent: CarechainContext["contracts"]["consent"], logs: LogReader): ReaderIndexSource {
  return {
    head: () => logs.head(),
    events: async (patient, fromBlock, toBlock) => {
      const granted = consent.interface.getEvent("ConsentGranted").topicHash;
      const revoked = consent.interface.getEvent("ConsentRevoked").topicHash;
      const address = await consent.getAddress();
      const topics = [[granted, revoked], zeroPadValue(patient, 32)];
      const found = await logs.getLogs({ address, topics }, fromBlock, toBlock);
      return found.map((log) => ({
        granted: log.topics[0] === granted,
        grantee: getAddress(dataSlice(log.topics[2] ?? ZERO_TOPIC, 12)),
      }));
    },
  };
}

const ZERO_TOPIC = `0x${"00".repeat(32)}`;
