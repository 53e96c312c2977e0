/**
 * Batch manifests for the indexer: fetched by CID from a content gateway (`CARECHAIN_MANIFEST_URL`), then checked
 * against the chain's `BatchAnchored` event before any entry is indexed — the bytes must hash to the CID's digest,
 * the manifest must name the event's patient and author, hold `count` entries whose record ids are the ones their
 * content CIDs give (`recordIdOf`), and its OpenZeppelin StandardMerkleTree of `(recordId, categories,
 * keyringDigest)` leaves must have the event's root. A manifest is public (ids, category indices and CIDs of
 * encrypted objects; no PHI); the SDK checks the indexed entries against the on-chain root again before using them.
 * Pure but for the one fetch.
 * @module
 */
import { encodeAbiParameters, keccak256, sha256, type Address, type Hex } from "viem";

/** One checked manifest entry, as the `batch_entry` table stores it (CIDs as the raw bytes in 0x hex). */
export interface ManifestEntry {
  readonly recordId: Hex;
  readonly categories: bigint;
  readonly contentCid: Hex;
  readonly keyringCid: Hex;
}

/** The on-chain facts of a batch (its `BatchAnchored` event). */
export interface AnchoredBatch {
  readonly patient: Address;
  readonly author: Address;
  readonly root: Hex;
  readonly count: number;
  /** The raw CID bytes (0x hex), as in the event. */
  readonly manifestCid: Hex;
}

/** The SDK's limits on a manifest (sdk/limits.ts): a bigger one is not read. */
export const MAX_MANIFEST_BYTES = 4 * 2 ** 20;
export const MAX_MANIFEST_ENTRIES = 10_000;
const FETCH_TIMEOUT_MS = 10_000;

/** Why a manifest's entries were not indexed. */
export class ManifestRefused extends Error {}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

/** The CID's string form (multibase base32 lower case, `b…`), as gateways and the SDK's manifests write it. */
export function cidString(bytes: Uint8Array): string {
  let out = "b";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32.charAt((value << (5 - bits)) & 31);
  return out;
}

/** The bytes of a base32 CID string (`b…`); throws on anything else. */
export function cidBytes(text: string): Uint8Array {
  if (!/^b[a-z2-7]+$/.test(text)) throw new ManifestRefused(`not a base32 CID: ${text.slice(0, 80)}`);
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text.slice(1)) {
    value = (value << 5) | BASE32.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** The sha2-256 digest inside a CIDv1 the registry takes (`0x01 | codec | 0x12 0x20 | digest`), or a refusal. */
export function cidDigest(bytes: Uint8Array): Hex {
  if (bytes.length !== 36 || bytes[0] !== 0x01 || bytes[2] !== 0x12 || bytes[3] !== 0x20) {
    throw new ManifestRefused("a CID is not a CIDv1 with a sha2-256 digest");
  }
  return toHex(bytes.subarray(4));
}

function toHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes).toString("hex")}`;
}

/** `RecordRegistry.recordIdOf(patient, author, digest)`. */
export function recordIdOf(patient: Address, author: Address, contentDigest: Hex): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "address" }, { type: "address" }, { type: "bytes32" }],
      [patient, author, contentDigest],
    ),
  );
}

/** The leaf hash of a batch entry: `keccak256(keccak256(abi.encode(recordId, categories, keyringDigest)))`. */
function leafHash(recordId: Hex, categories: bigint, keyringDigest: Hex): Hex {
  const encoded = encodeAbiParameters(
    [{ type: "bytes32" }, { type: "uint64" }, { type: "bytes32" }],
    [recordId, categories, keyringDigest],
  );
  return keccak256(keccak256(encoded));
}

/** OpenZeppelin's commutative pair hash. */
function pairHash(a: Hex, b: Hex): Hex {
  const [x, y] = BigInt(a) <= BigInt(b) ? [a, b] : [b, a];
  return keccak256(`0x${x.slice(2)}${y.slice(2)}`);
}

/** The root of OpenZeppelin's StandardMerkleTree of these leaf hashes (leaves sorted, complete binary tree). */
export function standardRoot(leaves: readonly Hex[]): Hex {
  const sorted = [...leaves].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  const tree = new Array<Hex>(2 * sorted.length - 1);
  sorted.forEach((leaf, i) => (tree[tree.length - 1 - i] = leaf));
  for (let i = tree.length - 1 - sorted.length; i >= 0; i--)
    tree[i] = pairHash(node(tree, 2 * i + 1), node(tree, 2 * i + 2));
  return node(tree, 0);
}

/** A node of a tree filled from the leaves up (a gap would be a bug here). */
function node(tree: readonly Hex[], index: number): Hex {
  const value = tree[index];
  if (value === undefined) throw new Error(`standardRoot: no node at ${index}`);
  return value;
}

/** The fields of a JSON object, or undefined for anything else (null, an array, a number...). */
function fieldsOf(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Checks manifest bytes against the anchored batch and returns its entries.
 * @param bytes - The manifest as fetched.
 * @param batch - The batch's `BatchAnchored` facts.
 * @returns The entries, in manifest order.
 * @throws {ManifestRefused} When the bytes are not the anchored manifest.
 */
export function checkedEntries(bytes: Uint8Array, batch: AnchoredBatch): ManifestEntry[] {
  if (bytes.length > MAX_MANIFEST_BYTES) throw new ManifestRefused("the manifest is over the size limit");
  const manifestCid = Uint8Array.from(Buffer.from(batch.manifestCid.slice(2), "hex"));
  if (sha256(bytes) !== cidDigest(manifestCid)) throw new ManifestRefused("the bytes do not hash to the manifest CID");
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new ManifestRefused("the manifest is not UTF-8 JSON");
  }
  const m = fieldsOf(parsed);
  const same = (a: unknown, b: Address) => typeof a === "string" && a.toLowerCase() === b.toLowerCase();
  if (m?.v !== 2 || !same(m.patient, batch.patient) || !same(m.author, batch.author) || !Array.isArray(m.records)) {
    throw new ManifestRefused("not a v2 manifest of this batch's patient and author");
  }
  const records: readonly unknown[] = m.records as unknown[];
  if (records.length !== batch.count || records.length > MAX_MANIFEST_ENTRIES) {
    throw new ManifestRefused(`the manifest lists ${records.length} records, the batch ${batch.count}`);
  }
  const entries = records.map((entry): ManifestEntry => {
    const r = fieldsOf(entry);
    const categories = r?.categories;
    if (
      !r ||
      typeof r.recordId !== "string" ||
      !/^0x[0-9a-f]{64}$/.test(r.recordId) ||
      !Array.isArray(categories) ||
      categories.length === 0 ||
      !categories.every((c: unknown) => Number.isInteger(c) && (c as number) >= 0 && (c as number) < 64) ||
      typeof r.content !== "string" ||
      typeof r.keyring !== "string"
    ) {
      throw new ManifestRefused("a manifest entry is malformed");
    }
    const content = cidBytes(r.content);
    const keyring = cidBytes(r.keyring);
    if (recordIdOf(batch.patient, batch.author, cidDigest(content)) !== r.recordId) {
      throw new ManifestRefused("an entry's record id is not the one its content CID gives");
    }
    cidDigest(keyring);
    const mask = (categories as number[]).reduce((acc, c) => acc | (1n << BigInt(c)), 0n);
    return { recordId: r.recordId, categories: mask, contentCid: toHex(content), keyringCid: toHex(keyring) };
  });
  const leaves = entries.map((e) => leafHash(e.recordId, e.categories, cidDigest(hexBytes(e.keyringCid))));
  if (standardRoot(leaves) !== batch.root.toLowerCase()) {
    throw new ManifestRefused("the manifest's Merkle root is not the anchored root");
  }
  return entries;
}

function hexBytes(hex: Hex): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2), "hex"));
}

/**
 * Fetches a batch's manifest from the gateway and checks it ({@link checkedEntries}).
 * @param template - The gateway URL with `{cid}` where the manifest's CID string goes.
 * @param batch - The batch's `BatchAnchored` facts.
 * @returns The entries.
 * @throws {ManifestRefused} When it can't be fetched (HTTP error, timeout, over the size limit) or is not the
 * anchored manifest.
 */
export async function fetchManifestEntries(template: string, batch: AnchoredBatch): Promise<ManifestEntry[]> {
  const url = template.replace("{cid}", cidString(hexBytes(batch.manifestCid)));
  let bytes: Uint8Array;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new ManifestRefused(`the gateway answered ${response.status}`);
    const length = Number(response.headers.get("content-length") ?? 0);
    if (length > MAX_MANIFEST_BYTES) throw new ManifestRefused("the manifest is over the size limit");
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    if (error instanceof ManifestRefused) throw error;
    throw new ManifestRefused(`the manifest could not be fetched: ${(error as Error).message}`);
  }
  return checkedEntries(bytes, batch);
}
