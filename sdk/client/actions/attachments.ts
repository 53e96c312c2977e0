/** Attachment actions: encrypt a large file for a patient, and read one back (whole or streamed, verified). */
import type { Attachment } from "@medplum/fhirtypes";
import { getAddress } from "ethers";

import { concatBytes } from "../../crypto/bytes.js";
import type { ByteSource } from "../../crypto/envelope.js";
import { decryptAttachment, encryptAttachment, type AttachmentOptions } from "../attachments.js";
import type { CarechainContext } from "../context.js";

/** Parameters of {@link addAttachment}. */
export interface AddAttachmentParameters {
  /** The patient's address. */
  readonly patient: string;
  /** The file: bytes or a byte stream. */
  readonly source: Uint8Array | ByteSource;
  /** Content type, title and chunking. */
  readonly options: AttachmentOptions;
}
/** The result of {@link addAttachment}. */
export type AddAttachmentReturnType = Attachment;

/**
 * Encrypts a large file for a patient (streamed, bounded memory with a streaming store) and returns the FHIR
 * `Attachment` to put in a `DocumentReference` or `Media` that is then added with `addRecord`. The Attachment holds
 * the file's key: it must only travel inside an encrypted record.
 * @param ctx - The client context.
 * @param params - The patient, the file and its options.
 * @returns The Attachment (URL, size, hash and key extension).
 */
export async function addAttachment(
  ctx: CarechainContext,
  params: AddAttachmentParameters,
): Promise<AddAttachmentReturnType> {
  return encryptAttachment(ctx.store, getAddress(params.patient), params.source, params.options);
}

/** Parameters of {@link readAttachment} and {@link readAttachmentStream}. */
export interface ReadAttachmentParameters {
  /** The patient's address. */
  readonly patient: string;
  /** The Attachment, from a record the client read. */
  readonly attachment: Attachment;
}
/** The result of {@link readAttachment}. */
export type ReadAttachmentReturnType = Uint8Array;
/** The result of {@link readAttachmentStream}. */
export type ReadAttachmentStreamReturnType = AsyncGenerator<Uint8Array>;

/**
 * Reads an attachment into memory; see {@link readAttachmentStream}.
 * @param ctx - The client context.
 * @param params - The patient and the Attachment.
 * @returns The file's bytes, verified.
 * @throws {FormatError | DecryptionError | IntegrityError | BlobNotFoundError}
 */
export async function readAttachment(
  ctx: CarechainContext,
  params: ReadAttachmentParameters,
): Promise<ReadAttachmentReturnType> {
  const parts: Uint8Array[] = [];
  for await (const part of readAttachmentStream(ctx, params)) parts.push(part);
  return concatBytes(...parts);
}

/**
 * Reads an attachment piece by piece: each piece authenticated; size, hash and CID checked at the end.
 * @param ctx - The client context.
 * @param params - The patient and the Attachment.
 * @returns The pieces.
 * @throws {FormatError | DecryptionError | IntegrityError | BlobNotFoundError}
 */
export function readAttachmentStream(
  ctx: CarechainContext,
  params: ReadAttachmentParameters,
): ReadAttachmentStreamReturnType {
  return decryptAttachment(ctx.store, getAddress(params.patient), params.attachment);
}
