/**
 * Encrypted attachments in the page: a streaming byte source over a File that reports progress as it is read,
 * the progress bar, and the download of a record's encrypted attachments (decrypted and verified in the page).
 */
import { useState } from "preact/hooks";
import { ATTACHMENT_KEY_EXTENSION } from "carechain";

import type { NameOf } from "./errors.js";
import type { Session } from "./session.js";
import { ErrorNotice, Status, useAction } from "./ui.js";

/** A FHIR Attachment as the SDK writes and reads it. */
export type FhirAttachment = Parameters<Session["client"]["readAttachment"]>[1];

/** How much of the file is read at a time (the browser's own file streams hand out 2 MiB pieces: too coarse a bar). */
const PIECE_BYTES = 256 * 1024;

/**
 * The file's bytes as a stream of 256 KiB pieces (never the whole file in memory at once), calling `onRead` with the
 * count read so far after each piece.
 * @param file - The file the person chose.
 * @param onRead - Hears the bytes read so far.
 * @returns A `ByteSource` (an async iterable of byte pieces) for `addAttachment`.
 */
export async function* fileSource(file: Blob, onRead: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < file.size; offset += PIECE_BYTES) {
    const piece = new Uint8Array(await file.slice(offset, offset + PIECE_BYTES).arrayBuffer());
    onRead(offset + piece.length);
    yield piece;
  }
}

/** Bytes as MiB with one decimal. */
export const mib = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MiB`;

/** A labelled progress bar with the bytes done so far. */
export function Progress({ id, label, done, total }: { id: string; label: string; done: number; total: number }) {
  return (
    <p class="progress">
      <label for={id}>{label} </label>
      <progress id={id} max={total} value={done} />{" "}
      <span aria-hidden="true">
        {mib(done)} of {mib(total)}
      </span>
    </p>
  );
}

/** The encrypted attachments (key extension, `ipfs://` URL) of a DocumentReference or Media. */
export function encryptedAttachments(resource: object): FhirAttachment[] {
  const r = resource as { resourceType?: string; content?: unknown };
  const candidates: unknown[] =
    r.resourceType === "DocumentReference" && Array.isArray(r.content)
      ? r.content.map((c) => (c as { attachment?: unknown }).attachment)
      : r.resourceType === "Media"
        ? [r.content]
        : [];
  return candidates.filter((a): a is FhirAttachment => {
    const x = a as { url?: unknown; extension?: { url?: unknown }[] } | undefined;
    return (
      typeof x?.url === "string" &&
      x.url.startsWith("ipfs://") &&
      (x.extension ?? []).some((e) => e.url === ATTACHMENT_KEY_EXTENSION)
    );
  });
}

/** Saves bytes as a file (a Blob URL, revoked right after). */
function saveFile(parts: Uint8Array[], filename: string, contentType: string): void {
  const url = URL.createObjectURL(new Blob(parts as BlobPart[], { type: contentType }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Download buttons for a record's encrypted attachments: fetched, decrypted and verified piece by piece. */
export function AttachmentDownloads({
  session,
  patient,
  resource,
  name,
}: {
  session: Session;
  patient: string;
  resource: object;
  name: NameOf;
}) {
  const found = encryptedAttachments(resource);
  const [done, setDone] = useState(0);
  const [total, setTotal] = useState(0);
  const download = useAction(async (attachment: FhirAttachment, index: number) => {
    setTotal(attachment.size ?? 0);
    setDone(0);
    const parts: Uint8Array[] = [];
    let read = 0;
    // Each piece is authenticated as it comes; size, SHA-1 and CID are checked when the stream ends.
    for await (const part of session.client.readAttachmentStream(patient, attachment)) {
      parts.push(part);
      read += part.length;
      setDone(read);
    }
    const filename = attachment.title ?? `attachment-${index + 1}`;
    saveFile(parts, filename, attachment.contentType ?? "application/octet-stream");
    return `${filename} (${mib(read)}) decrypted and verified`;
  });
  if (found.length === 0) return null;
  return (
    <div class="attachments">
      {found.map((a, i) => (
        <button type="button" key={i} disabled={download.busy} onClick={() => void download.run(a, i)}>
          Download {a.title ?? `attachment ${i + 1}`} ({mib(a.size ?? 0)}, encrypted)
        </button>
      ))}
      {download.busy && (
        <Progress id="download-progress" label="Decrypting" done={done} total={Math.max(done, total)} />
      )}
      {download.result && <Status kind="ok">Downloaded {download.result}.</Status>}
      <ErrorNotice error={download.error} name={name} />
    </div>
  );
}
