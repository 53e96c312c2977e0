/**
 * Helpers shared by the SDK unit tests (not a test file: vitest only collects `*.test.ts`).
 * Hex helpers live here because the SDK's own byte helpers (sdk/crypto/bytes.ts) are internal.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Path of a file under ../shared/data (relative to the project root), and whether it exists. */
export function sharedData(relative: string): { path: string; exists: boolean } {
  const path = fileURLToPath(new URL(`../../../shared/data/${relative}`, import.meta.url));
  const exists = existsSync(path);
  if (!exists) {
    console.warn(
      `[carechain tests] SKIPPING: ../shared/data/${relative} is absent (the shared test-data folder ../shared/data ` +
        "is not next to this clone); the tests that need it are skipped.",
    );
  }
  return { path, exists };
}

/** Lower-case hex without prefix → bytes (strict: even length, hex digits only). */
export function hex(text: string): Uint8Array {
  const body = text.startsWith("0x") ? text.slice(2) : text;
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) throw new Error(`bad hex in test data: ${text}`);
  return Uint8Array.from(body.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** Bytes → lower-case hex without prefix. */
export function toHex(bytes: Uint8Array | ArrayBuffer): string {
  return Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString("hex");
}

/** UTF-8 bytes of `text`. */
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A copy of `bytes` with bit `bit` of byte `index` flipped (negative index counts from the end). */
export function flipBit(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const out = bytes.slice();
  const i = index < 0 ? out.length + index : index;
  out[i] = out[i]! ^ (1 << bit);
  return out;
}

/** Whether `haystack` contains `needle` as a contiguous run. */
export function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(Buffer.from(needle)) !== -1;
}
