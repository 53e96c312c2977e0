/**
 * Finding a record's key: the anchored keyring, then published keyrings (either version, with the context's X25519
 * and X-Wing keys), then the threshold custodian set (a custodied record: after an on-chain access log), then, in an
 * emergency, the single custodian.
 */
import { CID } from "multiformats/cid";

import type { PurposeCode } from "../../chain/purpose.js";
import { fromHex, toHex } from "../../crypto/bytes.js";
import { decodeCustodyDocument } from "../../crypto/custody.js";
import { verifyEnvelopeKey } from "../../crypto/envelope.js";
import type { Keyring } from "../../crypto/keyring.js";
import {
  decodeAnyKeyring,
  openAnyKeyring,
  xwingKeyId,
  type KeyringV2,
  type ReaderKeys,
} from "../../crypto/keyring-v2.js";
import type { XWingKeyPair } from "../../crypto/xwing.js";
import {
  decodeKeyringV3,
  holdsBatchKey,
  isKeyringV3,
  openBatchKeyKeyring,
  openBatchRecordKeyring,
  type BatchKey,
  type BatchRecordKeyring,
} from "../../crypto/keyring-batch.js";
import type { CarechainError } from "../../errors/base.js";
import { FormatError, NotARecipientError } from "../../errors/data.js";
import { checkLimit } from "../../limits.js";
import type { CarechainContext } from "../context.js";
import { keyReleaseMessage, requestKeyRelease } from "../custodian.js";
import { findCustodyDocuments, readCustodiedKey } from "../threshold-custody.js";
import type { SkippedObject, TxResult } from "../types.js";
import { publishedKeyringEvents, type PublishedKeyring } from "./_anchors.js";
import { batchProof } from "./_batches.js";
import { isObjectFault } from "./_records.js";
import { confirmedTx } from "./_tx.js";
import { getAccountAddress } from "./directory.js";

/** A keyring of either version. */
type AnyKeyring = Keyring | KeyringV2;

/** What {@link openRecordKey} needs to know about the record. */
export interface RecordKeyQuery {
  /** The record version id (0x hex). */
  readonly recordId: string;
  /** CID of its ciphertext. */
  readonly contentCid: CID;
  /** CID of its anchored keyring. */
  readonly keyringCid: CID;
  /** Its AEAD context (see `recordContext`). */
  readonly context: Uint8Array;
  /** The purpose of the read: BTG and ETREAT may ask the custodian. */
  readonly purpose?: PurposeCode;
  /** The batch that anchored it, for a batch record. */
  readonly batch?: string;
}

/** The result of {@link openRecordKey}. */
export interface OpenedRecordKey {
  /** The record key. */
  readonly dek: Uint8Array;
  /** The ciphertext it opens (size checked). */
  readonly envelope: Uint8Array;
  /** Keyrings passed over on the way. */
  readonly skipped: SkippedObject[];
  /** The on-chain access log the custodian nodes checked, when the key came from the threshold custodian set. */
  readonly accessLog?: TxResult;
  /** Whether the anchored keyring marks the record must-log (see `KeyringV2.custody`). */
  readonly mustLog: boolean;
}

/**
 * The context's keys that `keyring` holds an entry for: its X25519 identity, and its X-Wing key pair (derived, on
 * first use, only for a keyring with X-Wing entries).
 * @param ctx - The client context.
 * @param keyring - A keyring of either version.
 * @returns The keys to open it with, or undefined when no entry is for this context.
 */
export async function myKeysIn(ctx: CarechainContext, keyring: AnyKeyring): Promise<ReaderKeys | undefined> {
  const mine = toHex(ctx.identity.publicKey);
  if (keyring.v === 1) return keyring.recipients.some((e) => e.key === mine) ? { identity: ctx.identity } : undefined;
  const classical = keyring.recipients.some((e) => e.suite === "x25519" && e.key === mine);
  let xwing: XWingKeyPair | undefined;
  if (keyring.recipients.some((e) => e.suite === "xwing")) {
    const pair = await ctx.postQuantum.keyPair();
    const id = xwingKeyId(pair.publicKey);
    if (keyring.recipients.some((e) => e.suite === "xwing" && e.key === id)) xwing = pair;
  }
  if (!classical && !xwing) return undefined;
  return { ...(classical ? { identity: ctx.identity } : {}), ...(xwing ? { xwing } : {}) };
}

/**
 * Opens a keyring of either version with the context's X25519 and X-Wing keys.
 * @param ctx - The client context.
 * @param keyring - The keyring.
 * @param contentCid - CID of the record ciphertext.
 * @param accept - Optional check of a candidate key (e.g. that it opens the envelope).
 * @returns The record key.
 * @throws {NotARecipientError} When no entry is for this context's keys.
 * @throws {FormatError | DecryptionError} As `openAnyKeyring`.
 */
export async function openWithMyKeys(
  ctx: CarechainContext,
  keyring: AnyKeyring,
  contentCid: CID,
  accept?: (dek: Uint8Array) => unknown,
): Promise<Uint8Array> {
  const keys = await myKeysIn(ctx, keyring);
  if (!keys) throw new NotARecipientError("This record's key was not wrapped for your keys.");
  return openAnyKeyring(keyring, contentCid, keys, accept);
}

/** Whether `bytes` are a custody document (published as a keyring of a custodied record, never a keyring). */
function isCustodyDocument(bytes: Uint8Array): boolean {
  try {
    decodeCustodyDocument(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * The record key, from the first keyring that holds the context's identity and whose key authenticates the record's
 * envelope: the anchored keyring; then keyrings published later (grants, key rotation), the patient's own first,
 * then other publishers', newest first in each; then, for a single record with a custody document published by its
 * patient, a delegate or its author, the context's threshold custodian set (the access is logged on chain first,
 * for the read's purpose, and returned as `accessLog`); then, for an emergency purpose, the custodian service (with
 * the batch id and the Merkle proof for a batch record). Keyrings of both versions open, with the context's X25519
 * identity and its X-Wing key pair. A keyring that is missing, malformed or oversized, or whose key
 * for this identity does not open the envelope (a publisher's wrong key), is passed over and reported in `skipped`;
 * only when no keyring yields the key does this throw. The envelope is fetched once, when a keyring first holds this
 * identity's key, its size checked before anything else.
 * @param ctx - The client context.
 * @param query - The record, its CIDs and context, the purpose and batch.
 * @returns The key, the envelope it opens, and the keyrings passed over.
 * @throws {NotARecipientError} When no keyring holds this identity's key.
 * @throws {CustodyThresholdError} When the record is custodied and fewer than k nodes answered with a valid share.
 * @throws {ContractRevertError} When the chain refuses the access log a custodied read needs.
 * @throws {DecryptionError | IntegrityError | BlobNotFoundError | FormatError} The first keyring fault, when no
 * keyring yields the key.
 */
export async function openRecordKey(ctx: CarechainContext, query: RecordKeyQuery): Promise<OpenedRecordKey> {
  const { recordId, contentCid, keyringCid, context, purpose, batch } = query;
  // The envelope is fetched (size first) once a keyring holds this identity's key: its first chunk is what each
  // candidate key is checked against. A failure to fetch it is about the record, not a keyring: it propagates.
  let envelope: Uint8Array | undefined;
  const loadEnvelope = async (): Promise<Uint8Array> => {
    if (!envelope) {
      const bytes = await ctx.store.get(contentCid);
      checkLimit("recordEnvelopeBytes", bytes.length, "record");
      envelope = bytes;
    }
    return envelope;
  };
  const mine = toHex(ctx.identity.publicKey);
  const skipped: SkippedObject[] = [];
  let custodied = false;
  let mustLog = false;
  let accessLog: TxResult | undefined;
  let firstError: CarechainError | undefined;
  const skip = (source: string | undefined, error: unknown): void => {
    if (!isObjectFault(error)) throw error;
    firstError ??= error;
    skipped.push(source ? { recordId, keyringCid: source, error } : { recordId, error });
  };
  const attempt = async (
    source: string | undefined,
    load: () => Promise<AnyKeyring | undefined>,
  ): Promise<Uint8Array | undefined> => {
    let keyring: AnyKeyring | undefined;
    try {
      keyring = await load();
    } catch (error) {
      skip(source, error);
      return undefined;
    }
    const keys = keyring && (await myKeysIn(ctx, keyring));
    if (!keyring || !keys) return undefined;
    const sealed = await loadEnvelope();
    try {
      return await openAnyKeyring(keyring, contentCid, keys, (dek) => verifyEnvelopeKey(dek, sealed, context));
    } catch (error) {
      skip(source, error);
      return undefined;
    }
  };
  // A v3 keyring (a batch record's): its batch key, opened once per batch, then the record key sealed under it.
  const attemptBatch = async (source: string, bytes: Uint8Array): Promise<Uint8Array | undefined> => {
    let opened: { ring: BatchRecordKeyring; batchKey: BatchKey | undefined };
    try {
      const ring = decodeKeyringV3(bytes, "record");
      opened = { ring, batchKey: await openedBatchKey(ctx, CID.parse(ring.batchKeyring)) };
    } catch (error) {
      skip(source, error);
      return undefined;
    }
    if (!opened.batchKey) return undefined;
    const sealed = await loadEnvelope();
    try {
      const dek = openBatchRecordKeyring(opened.ring, contentCid, opened.batchKey);
      verifyEnvelopeKey(dek, sealed, context);
      return dek;
    } catch (error) {
      skip(source, error);
      return undefined;
    }
  };
  // A stored keyring: a v3 (batch) keyring through its batch key, any other through `decode` (v1 or v2).
  const attemptStored = async (
    cid: CID,
    decode: (bytes: Uint8Array) => AnyKeyring | undefined,
  ): Promise<Uint8Array | undefined> => {
    const source = cid.toString();
    let bytes: Uint8Array;
    try {
      bytes = await ctx.store.get(cid);
    } catch (error) {
      skip(source, error);
      return undefined;
    }
    if (isKeyringV3(bytes)) return attemptBatch(source, bytes);
    return attempt(source, () => Promise.resolve(decode(bytes)));
  };
  const found = async (): Promise<Uint8Array | undefined> => {
    // The anchored keyring first; published keyrings and the custodian only when it does not yield the key.
    const anchoredKey = await attemptStored(keyringCid, (bytes) => {
      const anchored = decodeAnyKeyring(bytes);
      mustLog = anchored.v === 2 && anchored.custody === "must-log";
      return anchored;
    });
    if (anchoredKey) return anchoredKey;
    // The index's list first, when there is one; then (the index may not have reached a keyring published a moment
    // ago by another client) the chain's events, each keyring tried once.
    const tried = new Set<string>();
    const indexed = await ctx.indexed?.publishedKeyrings(recordId);
    let onChain: PublishedKeyring[] = [];
    for (const fromIndex of indexed ? [indexed, undefined] : [undefined]) {
      const published: PublishedKeyring[] = fromIndex ?? (await publishedKeyringEvents(ctx, recordId));
      if (!fromIndex) onChain = [...published];
      // The patient's own keyrings first (its shares and rotations), then everyone else's; newest first in each.
      const rank = (e: PublishedKeyring) => (e.publisher === e.patient ? 0 : 1);
      published.sort((a, b) => rank(a) - rank(b) || b.order - a.order);
      for (const event of published) {
        let cid: CID;
        try {
          if (event.keyringCid) cid = event.keyringCid;
          else if (event.rawCid !== undefined) cid = CID.decode(fromHex("keyringCid", event.rawCid));
          else throw new FormatError("The published keyring event carries no CID.");
        } catch (cause) {
          skipped.push({ recordId, error: new FormatError("A published keyring CID does not decode.", { cause }) });
          continue;
        }
        if (tried.has(cid.toString())) continue;
        tried.add(cid.toString());
        const key = await attemptStored(cid, (bytes) => {
          // A custody document is not a keyring: noted for the custodian set below, not reported as skipped.
          if (!isCustodyDocument(bytes)) return decodeAnyKeyring(bytes);
          custodied = true;
          return undefined;
        });
        if (key) return key;
      }
    }
    const set = ctx.custodianSet;
    if (set && custodied && !batch) {
      // The chain's own events only: the custody document's publisher decides whether it is trusted.
      const events = onChain.flatMap((e) => (e.rawCid === undefined ? [] : [{ ...e, keyringCid: e.rawCid }]));
      const [document] = await findCustodyDocuments(ctx, recordId, events);
      if (document) {
        const sealed = await loadEnvelope();
        const custodial = await readCustodiedKey(
          ctx,
          { recordId, purpose: purpose ?? "TREAT", set, document },
          { accept: (dek) => verifyEnvelopeKey(dek, sealed, context) },
        );
        accessLog = await confirmedTx(ctx, custodial.accessTx);
        return custodial.dek;
      }
    }
    const custodianUrl = ctx.custodianUrl;
    if ((purpose === "BTG" || purpose === "ETREAT") && custodianUrl) {
      return attempt(undefined, async () =>
        decodeAnyKeyring(await requestEmergencyKey(ctx, custodianUrl, recordId, batch)),
      );
    }
    return undefined;
  };
  const dek = await found();
  if (dek) return { dek, envelope: await loadEnvelope(), skipped, mustLog, ...(accessLog ? { accessLog } : {}) };
  if (firstError) throw firstError;
  throw new NotARecipientError("No keyring of this record holds your identity key.", {
    details: `record=${recordId} publicKey=${mine}`,
  });
}

/** Asks the custodian service for the record's key, signed by this account (with the Merkle proof for a batch). */
async function requestEmergencyKey(
  ctx: CarechainContext,
  custodianUrl: string,
  recordId: string,
  batchId?: string,
): Promise<Uint8Array> {
  const provider = await getAccountAddress(ctx);
  const chainId = (await ctx.provider.getNetwork()).chainId.toString();
  const batch = batchId ? { batchId, proof: (await batchProof(ctx, batchId, recordId)).proof } : undefined;
  const registry = await ctx.contracts.records.getAddress();
  const unsigned = {
    chainId,
    registry,
    recordId,
    provider,
    issuedAt: Math.floor(Date.now() / 1000),
    ...(batch ? { batch } : {}),
  };
  const signature = await ctx.signer.signMessage(keyReleaseMessage(unsigned));
  return requestKeyRelease(custodianUrl, { ...unsigned, signature });
}

/**
 * The batch key of the batch-key keyring `cid` for the context's identity, opened once per context (a failure is
 * not cached), or `undefined` when the keyring holds no entry for it.
 * @param ctx - The client context.
 * @param cid - CID of a v3 batch-key keyring.
 * @returns The batch key, or `undefined`.
 * @throws {FormatError | BlobNotFoundError | DecryptionError} When the keyring can't be read or opened.
 */
function openedBatchKey(ctx: CarechainContext, cid: CID): Promise<BatchKey | undefined> {
  const id = cid.toString();
  let cached = ctx.batchKeys.get(id);
  if (!cached) {
    cached = (async () => {
      const ring = decodeKeyringV3(await ctx.store.get(cid), "batch-key");
      if (!holdsBatchKey(ring, ctx.identity.publicKey)) return undefined;
      return openBatchKeyKeyring(ring, ctx.identity);
    })();
    cached.catch(() => ctx.batchKeys.delete(id));
    ctx.batchKeys.set(id, cached);
  }
  return cached;
}
