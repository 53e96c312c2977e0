/** Post-quantum key actions: publish the account's X-Wing key document and commit to it in the Directory. */
import type { CID } from "multiformats/cid";

import { pqKeyCid } from "../../crypto/xwing.js";
import type { CarechainContext } from "../context.js";
import { publishPqKey } from "../pq-keys.js";
import type { TxResult } from "../types.js";
import { confirmedTx } from "./_tx.js";

/** The result of {@link publishPostQuantumKey}: the `setPqKey` transaction, the digest and the document's CID. */
export interface PublishPostQuantumKeyReturnType extends TxResult {
  /** SHA-256 of the key document, as `Directory.pqKeyOf` now returns it. */
  readonly digest: string;
  /** CID of the key document (CIDv1, raw, sha2-256 of the same digest). */
  readonly cid: CID;
}

/**
 * Publishes the account's X-Wing public key (the client's `postQuantum.identity`, by default derived from its X25519
 * identity): stores its key document and commits to the document's SHA-256 with `Directory.setPqKey`. From then on
 * writers with policy `auto` or `required` wrap this account's record keys with X-Wing, and this client opens those
 * entries with the same key pair.
 * @param ctx - The client context (a registered patient or provider).
 * @returns The transaction, the digest on chain and the document's CID.
 * @throws {DirectoryAccountNotRegisteredError} When the account is neither a patient nor a provider.
 * @throws {PqKeyDocumentError} When the store files the document under another CID than its digest names.
 */
export async function publishPostQuantumKey(ctx: CarechainContext): Promise<PublishPostQuantumKeyReturnType> {
  const { digest, tx } = await publishPqKey(ctx, await ctx.postQuantum.keyPair());
  return { ...(await confirmedTx(ctx, tx)), digest, cid: pqKeyCid(digest) };
}
