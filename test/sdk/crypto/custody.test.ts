/**
 * Threshold custody documents (sdk/crypto/custody.ts): any k shares rebuild the key and k−1 do not; a share opens
 * only for its node and its record; a wrong answer fails its commitment; malformed documents are refused.
 */
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import * as raw from "multiformats/codecs/raw";
import { describe, expect, it } from "vitest";

import {
  combineShares,
  CustodyShareMismatchError,
  DecryptionError,
  decodeCustodyDocument,
  encodeCustodyDocument,
  FormatError,
  generateIdentity,
  openCustodyShare,
  openReleasedShare,
  sealShareForReader,
  splitRecordKey,
} from "../../../sdk/index.js";

const recordId = `0x${"ab".repeat(32)}`;
const otherRecord = `0x${"cd".repeat(32)}`;
const record = CID.create(1, raw.code, await sha256.digest(new Uint8Array([1, 2, 3])));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

async function setup(n: number, k: number) {
  const nodes = Array.from({ length: n }, () => generateIdentity());
  const dek = crypto.getRandomValues(new Uint8Array(32));
  const document = await splitRecordKey({
    recordId,
    record,
    dek,
    custodians: nodes.map((x) => x.publicKey),
    threshold: k,
  });
  return { nodes, dek, document };
}

/** What node `i` answers a reader, honestly (or with `tamper` applied to the payload). */
async function answer(
  nodes: ReturnType<typeof generateIdentity>[],
  document: Awaited<ReturnType<typeof setup>>["document"],
  i: number,
  reader: Uint8Array,
  tamper?: (p: Uint8Array) => void,
) {
  const payload = await openCustodyShare(nodes[i]!, recordId, document.shares[i]!);
  tamper?.(payload);
  return sealShareForReader(reader, recordId, i, payload);
}

describe("custody documents", () => {
  it.each([
    [3, 2],
    [5, 3],
  ])("%i nodes, threshold %i: every k-subset rebuilds the key; k−1 shares rebuild something else", async (n, k) => {
    const { nodes, dek, document } = await setup(n, k);
    const reader = generateIdentity();
    const shares = await Promise.all(
      nodes.map(async (_, i) =>
        openReleasedShare(reader, document, i, await answer(nodes, document, i, reader.publicKey)),
      ),
    );
    for (let start = 0; start + k <= n; start++) {
      expect(hex(await combineShares(document, shares.slice(start, start + k)))).toBe(hex(dek));
    }
    // k−1 shares: combined (the package needs two or more), or the lone share's bytes, are not the key.
    const partial =
      k - 1 >= 2
        ? await combineShares({ ...document, threshold: k - 1 }, shares.slice(0, k - 1))
        : shares[0]!.slice(0, 32);
    expect(hex(partial)).not.toBe(hex(dek));
    await expect(combineShares(document, shares.slice(0, k - 1))).rejects.toBeInstanceOf(RangeError);
  });

  it("a share opens only with its node's key and for its record", async () => {
    const { nodes, document } = await setup(3, 2);
    await expect(openCustodyShare(nodes[1]!, recordId, document.shares[0]!)).rejects.toBeInstanceOf(DecryptionError);
    await expect(openCustodyShare(nodes[0]!, otherRecord, document.shares[0]!)).rejects.toBeInstanceOf(DecryptionError);
    await expect(openCustodyShare(nodes[0]!, recordId, { ...document.shares[0]!, index: 1 })).rejects.toBeInstanceOf(
      DecryptionError,
    );
  });

  it("a lying node is caught by the commitment (a flipped bit, another node's share, a share for another reader)", async () => {
    const { nodes, document } = await setup(3, 2);
    const reader = generateIdentity();
    const flipped = await answer(nodes, document, 0, reader.publicKey, (p) => (p[5]! ^= 0x80));
    await expect(openReleasedShare(reader, document, 0, flipped)).rejects.toBeInstanceOf(CustodyShareMismatchError);
    const swapped = await sealShareForReader(
      reader.publicKey,
      recordId,
      0,
      await openCustodyShare(nodes[1]!, recordId, document.shares[1]!),
    );
    await expect(openReleasedShare(reader, document, 0, swapped)).rejects.toBeInstanceOf(CustodyShareMismatchError);
    const forOther = await answer(nodes, document, 0, generateIdentity().publicKey);
    await expect(openReleasedShare(reader, document, 0, forOther)).rejects.toBeInstanceOf(CustodyShareMismatchError);
  });

  it("encodes and decodes; refuses malformed documents", async () => {
    const { document } = await setup(3, 2);
    const bytes = encodeCustodyDocument(document);
    expect(decodeCustodyDocument(bytes)).toEqual(document);
    const bad = (mutate: (d: Record<string, unknown>) => void) => {
      const d = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
      mutate(d);
      return new TextEncoder().encode(JSON.stringify(d));
    };
    for (const mutate of [
      (d: Record<string, unknown>) => (d.v = 2),
      (d: Record<string, unknown>) => (d.threshold = 4),
      (d: Record<string, unknown>) => (d.threshold = 1),
      (d: Record<string, unknown>) => (d.record = "nope"),
      (d: Record<string, unknown>) => ((d.shares as { index: number }[])[1]!.index = 0),
      (d: Record<string, unknown>) => ((d.shares as { wrapped: string }[])[0]!.wrapped = "0x00"),
      (d: Record<string, unknown>) => (d.shares = (d.shares as unknown[]).slice(0, 1)),
    ]) {
      expect(() => decodeCustodyDocument(bad(mutate))).toThrow(FormatError);
    }
    expect(() => decodeCustodyDocument(new Uint8Array(70_000))).toThrow(FormatError);
  });

  it("refuses a bad set: threshold out of range, a repeated or unusable key", async () => {
    const keys = [generateIdentity().publicKey, generateIdentity().publicKey, generateIdentity().publicKey];
    const dek = new Uint8Array(32);
    await expect(splitRecordKey({ recordId, record, dek, custodians: keys, threshold: 1 })).rejects.toThrow(RangeError);
    await expect(splitRecordKey({ recordId, record, dek, custodians: keys, threshold: 4 })).rejects.toThrow(RangeError);
    await expect(
      splitRecordKey({ recordId, record, dek, custodians: [keys[0]!, keys[0]!], threshold: 2 }),
    ).rejects.toThrow(/twice/);
    await expect(
      splitRecordKey({ recordId, record, dek, custodians: [keys[0]!, new Uint8Array(32)], threshold: 2 }),
    ).rejects.toThrow(/small-order/);
  });
});
