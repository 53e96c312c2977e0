/**
 * Post-quantum keys in the Directory: an account publishes its X-Wing key document by content address and commits
 * to its SHA-256 on chain (`Directory.setPqKey`); a writer reads the commitment, fetches the document by the CID it
 * names, verifies it against the digest and the account, and wraps for it. The facade's writers call
 * {@link keyringRecipientOf} for each reader; a reader without a commitment gets a classical (X25519) entry.
 * @module
 */
import { getAddress, ZeroHash, type Signer } from "ethers";

import type { CarechainContracts } from "../chain/deployment.js";
import { withRevertDecoding } from "../chain/revert.js";
import type { BlobStore } from "../content/blob-store.js";
import { fromHex } from "../crypto/bytes.js";
import type { KeyringRecipient } from "../crypto/keyring-v2.js";
import {
  encodePqKeyDocument,
  pqKeyCid,
  pqKeyCommitment,
  verifyPqKeyDocument,
  type XWingKeyPair,
} from "../crypto/xwing.js";
import { CarechainError } from "../errors/base.js";
import { PqKeyDocumentError, PqKeyRequiredError } from "../errors/privacy.js";

/** What publishing and looking up post-quantum keys needs. */
export interface PqKeyContext {
  /** The contracts (bound to `signer` for publishing). */
  readonly contracts: CarechainContracts;
  /** Where key documents are stored (any BlobStore: reads are verified against the CID). */
  readonly store: BlobStore;
  /** The publishing account (not needed for lookups). */
  readonly signer?: Signer;
}

/**
 * Publishes the caller's X-Wing public key: stores its key document and commits to its digest in the Directory.
 * @param ctx - Contracts, store and the account's signer.
 * @param keyPair - The X-Wing key pair (only the public key leaves).
 * @returns The document's digest (as on chain), its CID, and the transaction hash.
 * @throws {DirectoryAccountNotRegisteredError} When the account is neither a patient nor a provider.
 * @throws {PqKeyDocumentError} When the store files the document under another CID than its digest names.
 */
export async function publishPqKey(
  ctx: PqKeyContext & { readonly signer: Signer },
  keyPair: XWingKeyPair,
): Promise<{ digest: string; cid: string; tx: string }> {
  const bytes = encodePqKeyDocument(await ctx.signer.getAddress(), keyPair.publicKey);
  const { digest, cid } = pqKeyCommitment(bytes);
  const stored = await ctx.store.put(bytes);
  // Compared as strings (one string per CID): `CID.equals` is typed as a type guard, which would make `cid` `never` below.
  if (stored.toString() !== cid.toString())
    throw new PqKeyDocumentError("The store filed the key document under an unexpected CID.", {
      details: `${stored} ≠ ${cid}`,
    });
  const tx = await withRevertDecoding("setPqKey", async () => {
    const sent = await ctx.contracts.directory.setPqKey(digest);
    await sent.wait();
    return sent;
  });
  return { digest, cid: cid.toString(), tx: tx.hash };
}

/**
 * The verified X-Wing public key of `account`, or undefined when it has committed to none.
 * @param ctx - Contracts and store.
 * @param account - The account.
 * @returns The 1,216-byte public key, or undefined.
 * @throws {PqKeyDocumentError} When the committed document is missing from the store, does not match the digest,
 * is malformed, or names another account (a writer must not fall back silently: it asked for a PQ key).
 */
export async function fetchPqKey(ctx: PqKeyContext, account: string): Promise<Uint8Array | undefined> {
  const owner = getAddress(account);
  const digest = await ctx.contracts.directory.pqKeyOf(owner);
  if (digest === ZeroHash) return undefined;
  try {
    return verifyPqKeyDocument(await ctx.store.get(pqKeyCid(digest)), { digest, account: owner });
  } catch (cause) {
    if (!(cause instanceof CarechainError)) throw cause;
    throw new PqKeyDocumentError("The committed post-quantum key document could not be verified.", {
      details: `${owner} ${digest}`,
      cause,
    });
  }
}

/** When a writer wraps for a reader's post-quantum key. */
export type PostQuantumPolicy = "auto" | "required" | "never";

/**
 * The keyring recipient for `account`: its X-Wing key when it has committed to one (policy `auto`, the default, or
 * `required`), else its X25519 key. The one place a writer chooses a reader's suite.
 * @param ctx - Contracts and store.
 * @param account - The reader.
 * @param policy - `auto` (X-Wing when committed), `required` (throw without one), `never` (X25519).
 * @param classicalKey - The reader's X25519 key when the caller has already read (and checked) it; default: its
 * Directory key.
 * @returns The recipient for `sealKeyringV2`.
 * @throws {PqKeyDocumentError} When the commitment does not verify (never a silent fall back to X25519).
 * @throws {PqKeyRequiredError} When the policy is `required` and the reader has committed to no post-quantum key.
 * @throws {FormatError} When the account has no X25519 key in the Directory (and none was given).
 */
export async function keyringRecipientOf(
  ctx: PqKeyContext,
  account: string,
  policy: PostQuantumPolicy = "auto",
  classicalKey?: Uint8Array,
): Promise<KeyringRecipient> {
  if (policy !== "never") {
    const pq = await fetchPqKey(ctx, account);
    if (pq) return { suite: "xwing", publicKey: pq };
    if (policy === "required") throw new PqKeyRequiredError(getAddress(account));
  }
  if (classicalKey) return { suite: "x25519", publicKey: classicalKey };
  const key = await ctx.contracts.directory.encryptionKeyOf(getAddress(account));
  return { suite: "x25519", publicKey: fromHex("encryptionKey", key, 32) };
}
