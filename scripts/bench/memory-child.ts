/**
 * Child process of the memory benchmark: streams `bytes` of generated plaintext through encryptStream (the SDK's
 * streaming path, node:crypto chunk cipher) without ever holding the input or the output, and prints one JSON
 * line with the process's peak RSS. Usage: node --conditions=carechain-source --import tsx scripts/bench/memory-child.ts BYTES
 */
import { createHash } from "node:crypto";

import { encryptStream, generateDek, getChunkCipher } from "../../sdk/index.js";
import "../../sdk/node.js";

const total = Number(process.argv[2]);
if (!Number.isSafeInteger(total) || total < 0)
  throw new RangeError(`bytes: expected a byte count, got ${process.argv[2]}`);
const PIECE = 64 * 1024; // what a file read stream hands over

/** Fresh pieces of plaintext, like reading a file: nothing is kept once it has been handed over. */
async function* generate(): AsyncGenerator<Uint8Array> {
  for (let at = 0, i = 0; at < total; at += PIECE, i++) {
    const piece = new Uint8Array(Math.min(PIECE, total - at));
    piece.fill(i & 0xff);
    piece[0] = i >>> 8;
    yield piece;
  }
}

const rssMiB = () => process.memoryUsage.rss() / 2 ** 20;
const before = rssMiB();
const start = performance.now();
const digest = createHash("sha256");
let written = 0;
for await (const piece of encryptStream(generateDek(), generate(), new TextEncoder().encode("carechain/record/v1"))) {
  digest.update(piece); // stands in for the store upload; keeps nothing
  written += piece.length;
}
const seconds = (performance.now() - start) / 1000;
console.log(
  JSON.stringify({
    bytes: total,
    written,
    seconds,
    idleRssMiB: before,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    cipher: getChunkCipher().name,
    sha256: digest.digest("hex"),
  }),
);
