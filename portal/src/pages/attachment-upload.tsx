/**
 * A provider uploads a large file as an encrypted attachment (streamed through the SDK's `addAttachment`, with a
 * progress bar as the file is read and encrypted), written as a DocumentReference (documents) or a Media (images,
 * video, audio) record for the patient.
 */
import { useState } from "preact/hooks";

import { fileSource, mib, Progress, type FhirAttachment } from "../attachments.js";
import type { NameOf } from "../errors.js";
import type { Session } from "../session.js";
import { ErrorNotice, Status, useAction } from "../ui.js";

interface FhirResource {
  readonly resourceType: "Media" | "DocumentReference";
  readonly [element: string]: unknown;
}

const isMedia = (contentType: string) => /^(image|video|audio)\//.test(contentType);

/** The record that carries the attachment: a Media for images, video and audio, else a DocumentReference. */
function recordFor(patient: string, attachment: FhirAttachment, title: string): FhirResource {
  const subject = { reference: `Patient/${patient}` };
  const now = new Date().toISOString();
  if (isMedia(attachment.contentType ?? ""))
    return {
      resourceType: "Media",
      status: "completed",
      subject,
      createdDateTime: now,
      content: attachment,
    };
  return {
    resourceType: "DocumentReference",
    status: "current",
    subject,
    date: now,
    description: title,
    content: [{ attachment }],
  };
}

/** The upload form of the "Add a record" page, for the patient chosen there. */
export function AttachmentUpload({ session, patient, name }: { session: Session; patient: string; name: NameOf }) {
  const [file, setFile] = useState<File | undefined>();
  const [read, setRead] = useState(0);
  const upload = useAction(async () => {
    if (!file) throw new RangeError("choose a file to upload.");
    const contentType = file.type || "application/octet-stream";
    setRead(0);
    upload.setProgress(`Encrypting ${file.name} in the page…`);
    const attachment = await session.client.addAttachment(patient, fileSource(file, setRead), {
      contentType,
      title: file.name,
    });
    const resource = recordFor(patient, attachment, file.name);
    upload.setProgress(`Anchoring the ${resource.resourceType} that points at it (confirm in your wallet)…`);
    const added = await session.client.addRecord(patient, resource);
    return `${file.name} (${mib(file.size)}) encrypted and stored; ${resource.resourceType} anchored in block ${added.blockNumber}`;
  });
  return (
    <form
      class="attachment-upload"
      aria-labelledby="attachment-title"
      onSubmit={(e) => {
        e.preventDefault();
        void upload.run();
      }}
    >
      <h3 id="attachment-title">Or attach a file (a scan, an image, a document)</h3>
      <p>
        <label for="attachment-file">File </label>
        <input
          id="attachment-file"
          type="file"
          onChange={(e) => {
            setFile((e.target as HTMLInputElement).files?.[0]);
            setRead(0);
            upload.reset();
          }}
        />
      </p>
      <p class="muted">
        The file is encrypted in the page under a key of its own and stored by its content address; the record (a Media
        for images, video and audio, else a DocumentReference) carries that key and is encrypted like any record.
      </p>
      <button type="submit" class="primary" disabled={upload.busy || !file}>
        Encrypt and attach
      </button>
      {upload.busy && file && (
        <Progress id="upload-progress" label="Read and encrypted" done={read} total={file.size} />
      )}
      {upload.busy && <Status>{upload.progress}</Status>}
      {upload.result && <Status kind="ok">Attached: {upload.result}.</Status>}
      <ErrorNotice error={upload.error} name={name} />
    </form>
  );
}
