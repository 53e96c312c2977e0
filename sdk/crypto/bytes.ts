/**
 * Byte helpers, the one place for them in the SDK: argument checks, concatenation, comparison, hex, base64 and
 * UTF-8. Internal: the public API takes and returns `Uint8Array`s.
 * @internal
 */

/** Throws a `TypeError` naming `name` unless `value` is a `Uint8Array` of `length` bytes (any length if omitted). */
export function checkBytes(name: string, value: unknown, length?: number): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new TypeError(`${name}: expected Uint8Array, got ${value === null ? "null" : typeof value}`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${name}: expected ${length} bytes, got ${value.length}`);
  }
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Lower-case hex with a `0x` prefix. */
export function toHex(bytes: Uint8Array): `0x${string}` {
  let hex = "0x";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex as `0x${string}`;
}

/** Parses hex (with or without `0x`) into bytes; throws a `TypeError` naming `name` on bad input. */
export function fromHex(name: string, hex: string, length?: number): Uint8Array {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) throw new TypeError(`${name}: not a hex string`);
  const out = new Uint8Array(body.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(body.slice(2 * i, 2 * i + 2), 16);
  if (length !== undefined && out.length !== length) {
    throw new RangeError(`${name}: expected ${length} bytes, got ${out.length}`);
  }
  return out;
}

/** Whether `a` and `b` hold the same bytes; constant-shape (no early exit) for equal lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  // In bounds (equal lengths); `?? 0` only satisfies the index type (`undefined ^ x` is `x` too).
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** UTF-8 encoding of `text`. */
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/**
 * The text of strict UTF-8 bytes (a leading byte-order mark is dropped, as TextDecoder does).
 * @param name - The argument's name, for the error.
 * @param bytes - The bytes.
 * @returns The text.
 * @throws {TypeError} Naming `name` when the bytes are not valid UTF-8.
 */
export function fromUtf8(name: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new TypeError(`${name}: not valid UTF-8`, { cause });
  }
}

/** Standard base64 of `bytes` (browser and Node: `btoa`). */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Bytes of standard base64 text; throws a `TypeError` naming `name` on bad input. */
export function fromBase64(name: string, text: string): Uint8Array {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    throw new TypeError(`${name}: not base64`);
  }
}

/**
 * The UTF-8 length of a string (a lone surrogate counts 3 bytes, as TextEncoder writes U+FFFD), without encoding
 * it: stops counting once past `stopAbove`.
 */
export function utf8Length(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  if (text.length > stopAbove) return text.length; // at least one byte per code unit
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
    if (bytes > stopAbove) return bytes;
  }
  return bytes;
}
