/**
 * Large files as FHIR `Attachment`s: streamed encryption under their own key, stored by CID, with a SHA-1 and size the Attachment carries.
 * @module
 */
import type { Attachment } from "@medplum/fhirtypes";
import { sha1 } from "@noble/hashes/legacy.js";
import { CID } from "multiformats/cid";

import type { BlobStore } from "../content/blob-store.js";
import { concatBytes, fromBase64, fromHex, toBase64, utf8 } from "../crypto/bytes.js";
import { decryptStream, encryptStream, generateDek, type ByteSource } from "../crypto/envelope.js";
import { FormatError, IntegrityError } from "../errors/data.js";

/**
 * Large files (imaging, scanned documents) as FHIR `Attachment`s: the bytes are encrypted in a stream
 * (XChaCha20-Poly1305 STREAM, bounded memory) under their own key and stored by CID; the Attachment carries the
 * CID (`url: ipfs://…`), the plaintext size and SHA-1 hash as FHIR defines them, and the key in an extension.
 *
 * The key in the extension is why an Attachment must only travel inside an encrypted record: put it in a
 * `DocumentReference.content.attachment` or `Media.content` and add that record with `addRecord`. Whoever can
 * read the record can read the file; nobody else can.
 */

/** Extension URL of the attachment key (base64, 32 bytes). */
export const ATTACHMENT_KEY_EXTENSION = "urn:carechain:attachment-key";
const CONTEXT = utf8("carechain/attachment/v1");

/** What {@link encryptAttachment} needs besides the bytes. */
export interface AttachmentOptions {
  /** MIME type, e.g. `application/pdf`, `image/jpeg`, `application/dicom`. */
  readonly contentType: string;
  /** Human title. */
  readonly title?: string;
}

/** The AEAD context of an attachment: binds it to its patient. */
function attachmentContext(patient: string): Uint8Array {
  return concatBytes(CONTEXT, fromHex("patient", patient, 20));
}

/** Counts and SHA-1-hashes bytes as they pass. */
async function* measured(source: ByteSource, into: { size: number; hash: ReturnType<typeof sha1.create> }) {
  for await (const piece of source) {
    into.size += piece.length;
    into.hash.update(piece);
    yield piece;
  }
}

/**
 * Encrypts `source` for `patient` into `store` and returns the FHIR Attachment that points at it.
 * Uses the store's streaming put when it has one (the filesystem store does), so memory stays bounded.
 */
export async function encryptAttachment(
  store: BlobStore,
  patient: string,
  source: Uint8Array | ByteSource,
  options: AttachmentOptions,
): Promise<Attachment> {
  const dek = generateDek();
  const stats = { size: 0, hash: sha1.create() };
  const pieces = source instanceof Uint8Array ? [source] : source;
  const sealed = encryptStream(dek, measured(pieces, stats), attachmentContext(patient), { chunkSizeLog2: 20 });
  let cid: CID;
  if (store.putStream) {
    cid = await store.putStream(sealed);
  } else {
    const parts: Uint8Array[] = [];
    for await (const part of sealed) parts.push(part);
    cid = await store.put(concatBytes(...parts));
  }
  return {
    contentType: options.contentType,
    url: `ipfs://${cid.toString()}`,
    size: stats.size,
    hash: toBase64(stats.hash.digest()),
    ...(options.title ? { title: options.title } : {}),
    creation: new Date().toISOString(),
    extension: [{ url: ATTACHMENT_KEY_EXTENSION, valueBase64Binary: toBase64(dek) }],
  };
}

/**
 * Decrypts an attachment made by {@link encryptAttachment}, piece by piece (bounded memory). Every piece is
 * authenticated; size, FHIR hash and the blob's CID are checked at the end — treat the output as complete only
 * once the iteration finished without an error.
 * @throws {FormatError} When the Attachment has no Carechain URL or key.
 * @throws {DecryptionError | IntegrityError | BlobNotFoundError}
 */
export async function* decryptAttachment(
  store: BlobStore,
  patient: string,
  attachment: Attachment,
): AsyncGenerator<Uint8Array> {
  const { cid, key } = parseAttachment(attachment);
  const source = store.getStream
    ? store.getStream(cid)
    : (async function* () {
        yield await store.get(cid);
      })();
  const stats = { size: 0, hash: sha1.create() };
  yield* measured(decryptStream(key, source, attachmentContext(patient)), stats);
  if (attachment.size !== undefined && attachment.size !== stats.size) {
    throw new IntegrityError("The attachment's size differs from the decrypted bytes.", {
      details: `${attachment.size} ≠ ${stats.size}`,
    });
  }
  if (attachment.hash !== undefined && attachment.hash !== toBase64(stats.hash.digest())) {
    throw new IntegrityError("The attachment's SHA-1 hash differs from the decrypted bytes.");
  }
}

function parseAttachment(attachment: Attachment): { cid: CID; key: Uint8Array } {
  const url = attachment.url ?? "";
  if (!url.startsWith("ipfs://")) throw new FormatError("The attachment has no ipfs:// URL.", { details: url });
  const keyText = attachment.extension?.find((e) => e.url === ATTACHMENT_KEY_EXTENSION)?.valueBase64Binary;
  if (!keyText) throw new FormatError("The attachment carries no Carechain key.");
  let cid: CID;
  try {
    cid = CID.parse(url.slice("ipfs://".length));
  } catch (cause) {
    throw new FormatError("The attachment URL holds no valid CID.", { details: url, cause });
  }
  const key = fromBase64("attachment key", keyText);
  if (key.length !== 32) throw new FormatError("The attachment key is not 32 bytes.");
  return { cid, key };
}
