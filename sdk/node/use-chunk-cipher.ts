/**
 * Switches envelopes between the node:crypto and the portable chunk cipher at run time (benchmarks, differential
 * tests, a FIPS build without ChaCha20-Poly1305). Importing it changes nothing.
 * @module
 */
import { getChunkCipher, PORTABLE_CHUNK_CIPHER, setChunkCipher } from "../crypto/_aead.js";
import { NODE_CHUNK_CIPHER, nodeChunkCipherAvailable } from "./fast-aead.js";

/**
 * Makes envelopes use node:crypto (when this Node has ChaCha20-Poly1305), or the portable backend when `enabled`
 * is false. Node already starts on node:crypto; this is for switching. The format does not change.
 * @param enabled - `true` (default) for node:crypto, `false` for the portable backend.
 * @returns The name of the backend now in use.
 */
export function useNodeChunkCipher(enabled = true): string {
  setChunkCipher(enabled && nodeChunkCipherAvailable() ? NODE_CHUNK_CIPHER : PORTABLE_CHUNK_CIPHER);
  return getChunkCipher().name;
}
