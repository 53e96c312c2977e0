/**
 * The envelope chunk cipher of every platform but Node (`#chunk-cipher` under the `default` condition): the portable
 * @noble/ciphers backend. Node's choice is sdk/node/default-chunk-cipher.ts.
 * @module
 */
import { PORTABLE_CHUNK_CIPHER, type ChunkCipher } from "./_chunk-cipher.js";

/** The backend envelopes use until `setChunkCipher` says otherwise. */
export const DEFAULT_CHUNK_CIPHER: ChunkCipher = PORTABLE_CHUNK_CIPHER;
