import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import type { DocumentReference, Media } from "@medplum/fhirtypes";

import { DecryptionError, IntegrityError, toCid } from "./_sdk.js";
import { FileSystemBlobStore } from "../../sdk/node.js";
import { registeredFixture } from "../helpers/fixtures.js";

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A distinctive pseudo-random "scan" of `size` bytes, generated in pieces. */
async function* scan(size: number, piece = 1 << 16) {
  let state = 0x12345678;
  for (let sent = 0; sent < size; sent += piece) {
    const out = new Uint8Array(Math.min(piece, size - sent));
    for (let i = 0; i < out.length; i++) out[i] = (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24;
    yield out;
  }
}
async function collect(source: AsyncIterable<Uint8Array>) {
  const parts: Uint8Array[] = [];
  for await (const p of source) parts.push(p);
  return Buffer.concat(parts);
}

describe("large attachments referenced from FHIR DocumentReference and Media", () => {
  it("a 5 MiB study streams into the filesystem store, travels inside an encrypted DocumentReference, and reads back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "carechain-att-"));
    dirs.push(dir);
    const store = new FileSystemBlobStore(dir);
    const f = await registeredFixture(store);
    const [patient, hospital] = [await f.patient.address(), await f.hospital.address()];
    await f.patient.grant(hospital, {
      read: ["Documents", "Imaging"],
      write: ["Documents", "Imaging"],
      expiresAt: (await f.now()) + 3600,
    });

    const size = 5 * 1024 * 1024 + 123;
    const attachment = await f.hospital.addAttachment(patient, scan(size), {
      contentType: "application/dicom",
      title: "CT chest",
    });
    expect(attachment.size).toBe(size);
    expect(attachment.url).toMatch(/^ipfs:\/\/bafk/);
    const document: DocumentReference = {
      resourceType: "DocumentReference",
      status: "current",
      subject: { reference: "Patient/example" },
      content: [{ attachment }],
    };
    const added = await f.hospital.addRecord(patient, document);
    const media = await f.hospital.addRecord(patient, {
      resourceType: "Media",
      status: "completed",
      subject: { reference: "Patient/example" },
      content: await f.hospital.addAttachment(patient, new TextEncoder().encode("tiny image"), {
        contentType: "image/png",
      }),
    });

    const read = await f.patient.readRecord<DocumentReference>(added.recordId);
    const bytes = await collect(f.patient.readAttachmentStream(patient, read.resource.content[0]!.attachment));
    expect(bytes.equals(await collect(scan(size)))).toBe(true);
    const readMedia = await f.patient.readRecord<Media>(media.recordId);
    expect(new TextDecoder().decode(await f.patient.readAttachment(patient, readMedia.resource.content))).toBe(
      "tiny image",
    );

    // The stored ciphertext holds none of the plaintext, and is bound to its patient.
    const cid = toCid(attachment.url!.slice("ipfs://".length));
    const stored = await collect(store.getStream(cid));
    const sample = (await collect(scan(4096))).subarray(1000, 1032);
    expect(stored.includes(sample)).toBe(false);
    await expect(f.patient.readAttachment(await f.lab.address(), attachment)).rejects.toBeInstanceOf(DecryptionError);

    // A tampered blob is caught.
    stored[stored.length - 100]! ^= 1;
    await writeFile(store.pathOf(cid), stored);
    const error = await f.patient.readAttachment(patient, attachment).catch((e: unknown) => e);
    expect(error instanceof DecryptionError || error instanceof IntegrityError).toBe(true);
  });
});
