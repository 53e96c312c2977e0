/**
 * The envelope chunk cipher in Node (`#chunk-cipher` under the `node` condition): OpenSSL's ChaCha20-Poly1305
 * through node:crypto when this Node build has it, else the portable backend. Same bytes either way.
 * @module
 */
import { PORTABLE_CHUNK_CIPHER, type ChunkCipher } from "../crypto/_chunk-cipher.js";
import { NODE_CHUNK_CIPHER, nodeChunkCipherAvailable } from "./fast-aead.js";

/** The backend envelopes use until `setChunkCipher` says otherwise. */
export const DEFAULT_CHUNK_CIPHER: ChunkCipher = nodeChunkCipherAvailable() ? NODE_CHUNK_CIPHER : PORTABLE_CHUNK_CIPHER;
