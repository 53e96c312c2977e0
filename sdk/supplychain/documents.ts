/**
 * Encrypted supply-chain documents (EPCIS events, unit passports, suspect alerts) in a BlobStore, shared with the
 * trading partners who need them through keyrings — the same envelope and keyring format as patient records.
 * @module
 */
import type { CID } from "multiformats/cid";

import type { BlobStore } from "../content/blob-store.js";
import { verifyCid } from "../content/cid.js";
import { toHex, utf8 } from "../crypto/bytes.js";
import { decryptEnvelope, encryptEnvelope, generateDek, verifyEnvelopeKey } from "../crypto/envelope.js";
import type { IdentityKeyPair } from "../crypto/identity.js";
import { createKeyring, decodeKeyring, encodeKeyring, openKeyring } from "../crypto/keyring.js";
import { FormatError } from "../errors/data.js";

/** What a sealed document is (bound into the envelope's associated data, so one kind never opens as another). */
export type SupplyChainDocumentKind = "epcis" | "passports" | "alert";

/** Where a sealed document is: its ciphertext and its keyring. */
export interface SealedDocument {
  /** CID of the envelope. */
  readonly ciphertext: CID;
  /** CID of the keyring that wraps the envelope's key for the recipients. */
  readonly keyring: CID;
}

const context = (kind: SupplyChainDocumentKind): Uint8Array => utf8(`carechain/supplychain/${kind}/v1`);

/**
 * Encrypts a JSON document, wraps its key for each recipient, and stores both.
 * @param store - Where to put the envelope and the keyring.
 * @param kind - What the document is.
 * @param json - The document.
 * @param recipients - X25519 public keys of the partners who may read it (include your own to read it back).
 * @returns The CIDs of the envelope and the keyring.
 * @throws {RangeError} When `recipients` is empty.
 * @throws {InvalidPublicKeyError} When a recipient key is not a usable X25519 key.
 */
export async function sealDocument(
  store: BlobStore,
  kind: SupplyChainDocumentKind,
  json: unknown,
  recipients: readonly Uint8Array[],
): Promise<SealedDocument> {
  const dek = generateDek();
  const envelope = encryptEnvelope(dek, utf8(JSON.stringify(json)), context(kind));
  const ciphertext = await store.put(envelope);
  const keyring = await store.put(encodeKeyring(await createKeyring(ciphertext, dek, recipients)));
  return { ciphertext, keyring };
}

/**
 * Fetches, authenticates and decrypts a sealed document.
 * @param store - The store holding it (never trusted: every blob is checked against its CID).
 * @param kind - What the document must be.
 * @param sealed - Its CIDs.
 * @param identity - The reader's identity key pair.
 * @returns The parsed document.
 * @throws {IntegrityError} When the store returns bytes that do not match a CID.
 * @throws {NotARecipientError} When the document was not shared with `identity`.
 * @throws {DecryptionError} When the envelope does not authenticate (altered, or another kind of document).
 * @throws {FormatError} When the plaintext is not JSON.
 */
export async function openDocument(
  store: BlobStore,
  kind: SupplyChainDocumentKind,
  sealed: SealedDocument,
  identity: IdentityKeyPair,
): Promise<unknown> {
  // The store is never trusted: every blob is checked against its CID here, whatever the adapter does.
  const [envelope, keyringBytes] = await Promise.all([
    store.get(sealed.ciphertext).then((bytes) => verifyCid(sealed.ciphertext, bytes)),
    store.get(sealed.keyring).then((bytes) => verifyCid(sealed.keyring, bytes)),
  ]);
  const ctx = context(kind);
  const dek = await openKeyring(decodeKeyring(keyringBytes), sealed.ciphertext, identity, (key) =>
    verifyEnvelopeKey(key, envelope, ctx),
  );
  const text = new TextDecoder("utf-8", { fatal: true }).decode(decryptEnvelope(dek, envelope, ctx));
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new FormatError("The supply-chain document is not JSON.", { cause });
  }
}

/**
 * The SHA-256 digest of a sealed document's envelope (its CID's digest), as anchored in `reportSuspect`.
 * @param sealed - The sealed document.
 * @returns The digest as `0x…`.
 */
export function sealedDigest(sealed: SealedDocument): `0x${string}` {
  return toHex(sealed.ciphertext.multihash.digest);
}
