/** Finding a record's key: the anchored keyring, then published keyrings, then (in an emergency) the custodian. */
import { CID } from "multiformats/cid";

import type { PurposeCode } from "../../chain/purpose.js";
import { fromHex, toHex } from "../../crypto/bytes.js";
import { verifyEnvelopeKey } from "../../crypto/envelope.js";
import { decodeKeyring, openKeyring, type Keyring } from "../../crypto/keyring.js";
import type { CarechainError } from "../../errors/base.js";
import { FormatError, NotARecipientError } from "../../errors/data.js";
import { checkLimit } from "../../limits.js";
import type { CarechainContext } from "../context.js";
import { keyReleaseMessage, requestKeyRelease } from "../custodian.js";
import type { SkippedObject } from "../types.js";
import { publishedKeyringEvents, type PublishedKeyring } from "./_anchors.js";
import { batchProof } from "./_batches.js";
import { isObjectFault } from "./_records.js";
import { getAccountAddress } from "./directory.js";

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
}

/**
 * The record key, from the first keyring that holds the context's identity and whose key authenticates the record's
 * envelope: the anchored keyring; then keyrings published later (grants, key rotation), the patient's own first,
 * then other publishers', newest first in each; then, for an emergency purpose, the custodian service (with the
 * batch id and the Merkle proof for a batch record). A keyring that is missing, malformed or oversized, or whose key
 * for this identity does not open the envelope (a publisher's wrong key), is passed over and reported in `skipped`;
 * only when no keyring yields the key does this throw. The envelope is fetched once, when a keyring first holds this
 * identity's key, its size checked before anything else.
 * @param ctx - The client context.
 * @param query - The record, its CIDs and context, the purpose and batch.
 * @returns The key, the envelope it opens, and the keyrings passed over.
 * @throws {NotARecipientError} When no keyring holds this identity's key.
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
  let firstError: CarechainError | undefined;
  const skip = (source: string | undefined, error: unknown): void => {
    if (!isObjectFault(error)) throw error;
    firstError ??= error;
    skipped.push(source ? { recordId, keyringCid: source, error } : { recordId, error });
  };
  const attempt = async (source: string | undefined, load: () => Promise<Keyring>): Promise<Uint8Array | undefined> => {
    let keyring: Keyring;
    try {
      keyring = await load();
    } catch (error) {
      skip(source, error);
      return undefined;
    }
    if (!keyring.recipients.some((e) => e.key === mine)) return undefined;
    const sealed = await loadEnvelope();
    try {
      return await openKeyring(keyring, contentCid, ctx.identity, (dek) => verifyEnvelopeKey(dek, sealed, context));
    } catch (error) {
      skip(source, error);
      return undefined;
    }
  };
  const found = async (): Promise<Uint8Array | undefined> => {
    // The anchored keyring first; published keyrings and the custodian only when it does not yield the key.
    const anchoredKey = await attempt(keyringCid.toString(), async () =>
      decodeKeyring(await ctx.store.get(keyringCid)),
    );
    if (anchoredKey) return anchoredKey;
    // The index's list first, when there is one; then (the index may not have reached a keyring published a moment
    // ago by another client) the chain's events, each keyring tried once.
    const tried = new Set<string>();
    const indexed = await ctx.indexed?.publishedKeyrings(recordId);
    for (const fromIndex of indexed ? [indexed, undefined] : [undefined]) {
      const published: PublishedKeyring[] = fromIndex ?? (await publishedKeyringEvents(ctx, recordId));
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
        const key = await attempt(cid.toString(), async () => decodeKeyring(await ctx.store.get(cid)));
        if (key) return key;
      }
    }
    const custodianUrl = ctx.custodianUrl;
    if ((purpose === "BTG" || purpose === "ETREAT") && custodianUrl) {
      return attempt(undefined, async () =>
        decodeKeyring(await requestEmergencyKey(ctx, custodianUrl, recordId, batch)),
      );
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
