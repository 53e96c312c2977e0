/**
 * Internal: parsing the Carechain indexer's answers. Every value is checked for shape (addresses, 32-byte ids,
 * CIDs, integers); a bad one is an {@link IndexResponseError} naming the field.
 * @internal
 */
import { getAddress } from "ethers";
import { CID } from "multiformats/cid";

import { categoriesOfMask } from "../fhir/categories.js";
import { fromHex } from "../crypto/bytes.js";
import { IndexResponseError } from "../errors/index-source.js";
import type { IndexedAnchor, IndexHead } from "./index-source.js";

/** A JSON object of an answer. */
export type Json = Record<string, unknown>;

/** The `error.code` of an error answer, if it has one. */
export function errorCode(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } } | null)?.error?.code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}

export function invalid(field: string, value: unknown): never {
  throw new IndexResponseError("The indexer's answer has a malformed value.", {
    details: `${field}: ${(JSON.stringify(value) as string | undefined)?.slice(0, 120) ?? "undefined"}`,
  });
}

export function object(value: unknown, field: string): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : invalid(field, value);
}

export function array(value: unknown, field: string): unknown[] {
  return Array.isArray(value) ? value : invalid(field, value);
}

export function string(value: unknown, field: string): string {
  return typeof value === "string" ? value : invalid(field, value);
}

export function boolean(value: unknown, field: string): boolean {
  return typeof value === "boolean" ? value : invalid(field, value);
}

export function integer(value: unknown, field: string): number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : invalid(field, value);
}

export function bigintOf(value: unknown, field: string): bigint {
  return typeof value === "string" && /^\d{1,78}$/.test(value) ? BigInt(value) : invalid(field, value);
}

export function address(value: unknown, field: string): string {
  return typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value) ? getAddress(value) : invalid(field, value);
}

export function bytes32(value: unknown, field: string): string {
  return typeof value === "string" && /^0x[0-9a-fA-F]{64}$/.test(value) ? value.toLowerCase() : invalid(field, value);
}

/** A transaction hash: 32 bytes of hex. */
export const hash = bytes32;

export function bytes(value: unknown, field: string, length: number): Uint8Array {
  return typeof value === "string" && new RegExp(`^0x[0-9a-fA-F]{${2 * length}}$`).test(value)
    ? fromHex(field, value, length)
    : invalid(field, value);
}

export function cid(value: unknown, field: string): CID {
  if (typeof value !== "string" || !/^0x([0-9a-fA-F]{2}){1,256}$/.test(value)) return invalid(field, value);
  try {
    return CID.decode(fromHex(field, value));
  } catch {
    return invalid(field, value);
  }
}

export function head(value: unknown): IndexHead {
  const h = object(value, "head");
  return { block: integer(h.block, "head.block"), timestamp: integer(h.timestamp, "head.timestamp") };
}

export function anchor(r: Json): IndexedAnchor {
  const categoryMask = bigintOf(r.categories, "categories");
  return {
    recordId: bytes32(r.recordId, "recordId"),
    patient: address(r.patient, "patient"),
    author: address(r.author, "author"),
    originalAuthor: address(r.originalAuthor, "originalAuthor"),
    categories: categoriesOfMask(categoryMask),
    categoryMask,
    version: integer(r.version, "version"),
    previous: bytes32(r.previous, "previous"),
    anchoredAt: integer(r.anchoredAt, "anchoredAt"),
    amended: boolean(r.amended, "amended"),
    // Indexers before the erasure mark do not answer it; a read checks the chain anyway.
    ...(r.erased === undefined ? {} : { erased: boolean(r.erased, "erased") }),
    contentCid: cid(r.contentCid, "contentCid"),
    keyringCid: cid(r.keyringCid, "keyringCid"),
    block: integer(r.block, "block"),
    tx: hash(r.tx, "tx"),
  };
}
