/**
 * The reader's and the writer's side of threshold custody (k-of-n custodian nodes, sdk/crypto/custody.ts): a writer
 * splits a record key among the nodes and publishes the custody document on chain; a reader logs its access on chain
 * (`RecordRegistry.logAccess`, which reverts without consent or an open break-glass), signs one request naming that
 * transaction, asks every node for its share, checks each answer against its commitment, and rebuilds the key from
 * the first k valid shares. Each node checks the logged access and the chain's consent on its own before answering.
 * @module
 */
import { getAddress, hashMessage, verifyMessage, type Signer } from "ethers";
import { CID } from "multiformats/cid";

import type { CarechainContracts } from "../chain/deployment.js";
import { LogReader } from "../chain/logs.js";
import { PurposeOfUse, type PurposeCode } from "../chain/purpose.js";
import { withRevertDecoding } from "../chain/revert.js";
import type { BlobStore } from "../content/blob-store.js";
import { fromHex, toHex } from "../crypto/bytes.js";
import {
  combineShares,
  decodeCustodyDocument,
  encodeCustodyDocument,
  openReleasedShare,
  splitRecordKey,
  type CustodyDocument,
} from "../crypto/custody.js";
import type { IdentityKeyPair } from "../crypto/identity.js";
import { CarechainError } from "../errors/base.js";
import { DecryptionError, FormatError } from "../errors/data.js";
import { CustodyThresholdError } from "../errors/privacy.js";
import { postToCustodian, type RequestKeyReleaseOptions } from "./custodian.js";

/** One custodian node of a set: its X25519 key (as in custody documents) and its service URL. */
export interface CustodianNode {
  /** The node's X25519 public key. */
  readonly key: Uint8Array;
  /** The node's service base URL. */
  readonly url: string;
}

/** A k-of-n custodian set. */
export interface CustodianSet {
  /** Shares needed to rebuild a key (k, at least 2). */
  readonly threshold: number;
  /** The n nodes. */
  readonly nodes: readonly CustodianNode[];
}

/** A reader's signed request for its share, sent to each node with that node's share entry. */
export interface ShareReleaseRequest {
  /** Decimal chain id. */
  readonly chainId: string;
  /** The RecordRegistry address. */
  readonly registry: string;
  /** The record version (0x + 64 lower-case hex digits). */
  readonly recordId: string;
  /** The reader's address (its Directory key receives the share). */
  readonly reader: string;
  /** The purpose the access was logged for. */
  readonly purpose: PurposeCode;
  /** Hash of the reader's `logAccess` transaction for this record and purpose. */
  readonly accessTx: string;
  /** Unix seconds when the reader signed. */
  readonly issuedAt: number;
  /** The node's entry of the custody document (not signed: it is bound to the record by its HPKE info). */
  readonly share: { readonly index: number; readonly enc: string; readonly wrapped: string };
  /** EIP-191 signature of {@link shareReleaseMessage} by `reader`. */
  readonly signature: string;
}

/** What is signed: everything but the share entry (one signature serves every node). */
export type UnsignedShareRelease = Omit<ShareReleaseRequest, "signature" | "share">;

/**
 * The message a reader signs to ask the custodian nodes for their shares: domain-separated, versioned, bound to the
 * chain, the RecordRegistry, the record, the purpose and the access-log transaction.
 * @param request - The request without signature and share.
 * @returns The EIP-191 message text.
 * @throws {TypeError} When `registry` or `reader` is not an address.
 */
export function shareReleaseMessage(request: UnsignedShareRelease): string {
  return [
    "Carechain custody share release, version 1.",
    `Chain: ${request.chainId}`,
    `Registry: ${getAddress(request.registry)}`,
    `Record: ${request.recordId}`,
    `Purpose: ${request.purpose}`,
    `Access log: ${request.accessTx}`,
    `Reader: ${getAddress(request.reader)}`,
    `Issued at: ${request.issuedAt}`,
  ].join("\n");
}

/**
 * The digest of what a share request says, independent of its signature's encoding (a node's replay guard key).
 * @param request - The request (signature and share ignored).
 * @returns 0x-prefixed 32-byte hex.
 */
export function shareReleaseDigest(request: UnsignedShareRelease): string {
  return hashMessage(shareReleaseMessage(request));
}

/**
 * Recovers the signer of a share request.
 * @param request - The signed request.
 * @returns The checksummed address that signed it.
 * @throws {Error} When the signature is malformed (ethers' error).
 */
export function shareReleaseSigner(request: Omit<ShareReleaseRequest, "share">): string {
  return verifyMessage(shareReleaseMessage(request), request.signature);
}

/** A `KeyringPublished` event of a record: who published which CID (0x hex of the CID bytes). */
export interface PublishedKeyring {
  /** The publisher's address. */
  readonly publisher: string;
  /** The published CID's bytes, 0x hex. */
  readonly keyringCid: string;
}

/** What a writer or reader of custodied records needs: contracts, account, identity and store. */
export interface CustodyContext {
  /** The three contracts, bound to `signer`. */
  readonly contracts: CarechainContracts;
  /** The account that sends and signs. */
  readonly signer: Signer;
  /** The account's identity key pair (its public key is its Directory key). */
  readonly identity: IdentityKeyPair;
  /** Where custody documents and envelopes are stored. */
  readonly store: BlobStore;
  /**
   * The paged log reader for the record's events (a client's `ctx.logs`); default: a reader with default paging on
   * the contracts' provider.
   */
  readonly logs?: LogReader;
  /** First block to read events from (the deployment's block); default 0. */
  readonly fromBlock?: number;
}

/**
 * Splits `dek` among `set` and publishes the custody document as a keyring of the record (`publishKeyrings`; the
 * caller must be the patient, a delegate, or the author). Call it when writing a record in emergency or must-log
 * categories, with the record key the writer holds.
 * @param ctx - Writer context.
 * @param params - `recordId` (anchored), `dek` and the custodian `set`.
 * @returns The custody document's CID and the publishing transaction hash.
 * @throws {RangeError} When the set is malformed (see {@link splitRecordKey}).
 * @throws {ContractRevertError} When the caller may not publish for the record.
 */
export async function placeInCustody(
  ctx: CustodyContext,
  params: { recordId: string; dek: Uint8Array; set: CustodianSet },
): Promise<{ custodyCid: CID; tx: string }> {
  const { contentCid } = await anchoredRecord(ctx, params.recordId);
  const document = await splitRecordKey({
    recordId: params.recordId,
    record: contentCid,
    dek: params.dek,
    custodians: params.set.nodes.map((n) => n.key),
    threshold: params.set.threshold,
  });
  const custodyCid = await ctx.store.put(encodeCustodyDocument(document));
  const sent = await withRevertDecoding("publishKeyrings", async () => {
    const tx = await ctx.contracts.records.publishKeyrings([params.recordId], [custodyCid.bytes]);
    await tx.wait();
    return tx;
  });
  return { custodyCid, tx: sent.hash };
}

/**
 * The custody documents of a record, from keyrings published on chain by its patient, a delegate of the patient, or
 * its author (newest first); anything else published for the record is passed over.
 * @param ctx - Reader context (contracts and store).
 * @param recordId - The record version.
 * @param published - The record's `KeyringPublished` events in chain order, when the caller has them (e.g. from its
 * paged log reader or the indexer); default: read with `ctx.logs` from `ctx.fromBlock`.
 * @returns The documents whose `recordId` and `record` match the anchor.
 */
export async function findCustodyDocuments(
  ctx: Pick<CustodyContext, "contracts" | "store" | "logs" | "fromBlock">,
  recordId: string,
  published?: readonly PublishedKeyring[],
): Promise<CustodyDocument[]> {
  const { records, consent } = ctx.contracts;
  const { contentCid, patient, author } = await anchoredRecord(ctx, recordId);
  const events =
    published ??
    (await logReader(ctx).query(records, records.filters.KeyringPublished(recordId), ctx.fromBlock ?? 0)).map((e) => ({
      publisher: e.args.publisher,
      keyringCid: e.args.keyringCid,
    }));
  const found: CustodyDocument[] = [];
  for (const event of [...events].reverse()) {
    const publisher = getAddress(event.publisher);
    if (publisher !== author && !(await consent.isPatientOrDelegate(patient, publisher))) continue;
    try {
      const document = decodeCustodyDocument(await ctx.store.get(CID.decode(fromHex("keyringCid", event.keyringCid))));
      if (document.recordId === recordId.toLowerCase() && document.record === contentCid.toString())
        found.push(document);
    } catch {
      // A keyring (not a custody document), or a blob that is gone or malformed: not a custody document.
    }
  }
  return found;
}

/** Options of {@link readCustodiedKey}. */
export interface ReadCustodiedKeyOptions extends RequestKeyReleaseOptions {
  /** Checks a rebuilt key (e.g. that it opens the record's envelope); throw or return false to refuse it. */
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a check that returns nothing (only throws) is a valid `accept`; `undefined` would refuse such a function at compile time
  readonly accept?: (dek: Uint8Array) => boolean | void;
}

/** The outcome of {@link readCustodiedKey}. */
export interface CustodiedKey {
  /** The record key. */
  readonly dek: Uint8Array;
  /** Hash of the `logAccess` transaction every node checked. */
  readonly accessTx: string;
  /** Gas the access log used. */
  readonly gasUsed: bigint;
  /** Indices of the shares combined. */
  readonly used: readonly number[];
  /** Each node that failed (down, refused, or lied), by share index. */
  readonly failures: ReadonlyMap<number, unknown>;
}

/**
 * The reader's side of a custodied read: logs the access on chain, asks every node of `set` for its share (in
 * parallel, one signature), checks each answer against the document's commitment (a lying node is skipped), and
 * rebuilds the key from the first `threshold` valid shares.
 * @param ctx - Reader context.
 * @param params - `recordId`, `purpose` (BTG or ETREAT under break-glass; any purpose with consent for must-log
 * records), the custodian `set` (node URLs by key), and optionally the `document` (default: the newest found by
 * {@link findCustodyDocuments}).
 * @param options - Per-node timeout, fetch, and a check of the rebuilt key.
 * @returns The key, the access-log transaction, the shares used and the failures.
 * @throws {ContractRevertError} When the chain refuses the access log (no consent, no open break-glass).
 * @throws {FormatError} When no custody document of the record is published.
 * @throws {CustodyThresholdError} When fewer than `threshold` nodes answered with a valid share.
 * @throws {DecryptionError} When the rebuilt key is refused by `accept`.
 */
export async function readCustodiedKey(
  ctx: CustodyContext,
  params: { recordId: string; purpose: PurposeCode; set: CustodianSet; document?: CustodyDocument },
  options: ReadCustodiedKeyOptions = {},
): Promise<CustodiedKey> {
  const recordId = toHex(fromHex("recordId", params.recordId, 32));
  const document = params.document ?? (await findCustodyDocuments(ctx, recordId))[0];
  if (!document) throw new FormatError("No custody document is published for this record.", { details: recordId });
  const urls = new Map(params.set.nodes.map((n) => [toHex(n.key), n.url]));
  const { sent, receipt } = await withRevertDecoding("logAccess", async () => {
    const tx = await ctx.contracts.records.logAccess(recordId, PurposeOfUse[params.purpose]);
    const mined = await tx.wait();
    if (!mined) throw new CarechainError("CHAIN", "The access log transaction has no receipt.", { details: tx.hash });
    return { sent: tx, receipt: mined };
  });
  const provider = ctx.signer.provider;
  if (!provider) throw new CarechainError("CHAIN", "The signer has no provider to reach the chain.");
  const unsigned: UnsignedShareRelease = {
    chainId: (await provider.getNetwork()).chainId.toString(),
    registry: await ctx.contracts.records.getAddress(),
    recordId,
    reader: getAddress(await ctx.signer.getAddress()),
    purpose: params.purpose,
    accessTx: sent.hash,
    issuedAt: Math.floor(Date.now() / 1000),
  };
  const signature = await ctx.signer.signMessage(shareReleaseMessage(unsigned));
  const failures = new Map<number, unknown>();
  const valid = new Map<number, Uint8Array>();
  await new Promise<void>((resolve) => {
    let pending = document.shares.length;
    const settle = () => {
      if (--pending === 0 || valid.size >= document.threshold) resolve();
    };
    for (const share of document.shares) {
      const url = urls.get(share.custodian);
      if (!url) {
        failures.set(share.index, new RangeError(`set: no URL for custodian ${share.custodian}`));
        settle();
        continue;
      }
      const request: ShareReleaseRequest = {
        ...unsigned,
        share: { index: share.index, enc: share.enc, wrapped: share.wrapped },
        signature,
      };
      postToCustodian(url, "/v1/share", request, options)
        .then((answer) =>
          openReleasedShare(ctx.identity, document, share.index, decodeShareAnswer(answer, share.index)),
        )
        .then((part) => void valid.set(share.index, part))
        .catch((error: unknown) => void failures.set(share.index, error))
        .finally(settle);
    }
  });
  if (valid.size < document.threshold)
    throw new CustodyThresholdError(document.threshold, valid.size, new Map(failures));
  const chosen = [...valid].slice(0, document.threshold);
  const used = chosen.map(([index]) => index);
  const dek = await combineShares(
    document,
    chosen.map(([, part]) => part),
  );
  try {
    if (options.accept?.(dek) === false) throw new DecryptionError("The rebuilt key is not this record's key.");
  } catch (cause) {
    throw cause instanceof DecryptionError
      ? cause
      : new DecryptionError("The rebuilt key is not this record's key.", { cause });
  }
  // A snapshot: nodes still answering after the first k valid shares are not waited for.
  return { dek, accessTx: sent.hash, gasUsed: receipt.gasUsed, used, failures: new Map(failures) };
}

/**
 * Parses a node's answer: JSON `{"index":i,"enc":"0x…","wrapped":"0x…"}` for the share asked for.
 * @param bytes - The answer.
 * @param index - The share asked for.
 * @returns The sealed share.
 * @throws {FormatError} When the answer is malformed or for another share.
 */
export function decodeShareAnswer(bytes: Uint8Array, index: number): { enc: Uint8Array; ciphertext: Uint8Array } {
  try {
    const a = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as {
      index?: unknown;
      enc?: string;
      wrapped?: string;
    };
    if (a.index !== index) throw new RangeError(`answer for share ${String(a.index)}`);
    return { enc: fromHex("enc", String(a.enc), 32), ciphertext: fromHex("wrapped", String(a.wrapped)) };
  } catch (cause) {
    throw new FormatError(`Custodian ${index}'s answer is malformed.`, { cause });
  }
}

/** The anchor of a version: its content CID (from its RecordAnchored event), patient and author. */
async function anchoredRecord(
  ctx: Pick<CustodyContext, "contracts" | "logs" | "fromBlock">,
  recordId: string,
): Promise<{ contentCid: CID; patient: string; author: string }> {
  const records = ctx.contracts.records;
  const [event] = await logReader(ctx).query(records, records.filters.RecordAnchored(recordId), ctx.fromBlock ?? 0);
  if (!event) throw new FormatError("The record is not anchored as a single record.", { details: recordId });
  return {
    contentCid: CID.decode(fromHex("contentCid", event.args.contentCid)),
    patient: getAddress(event.args.patient),
    author: getAddress(event.args.author),
  };
}

/** The context's log reader, or one with default paging on the contracts' provider when it brings none. */
function logReader(ctx: Pick<CustodyContext, "contracts" | "logs">): LogReader {
  if (ctx.logs) return ctx.logs;
  const provider = ctx.contracts.records.runner?.provider;
  if (!provider) throw new CarechainError("CHAIN", "The contracts have no provider to read the chain's logs.");
  return new LogReader(provider);
}
