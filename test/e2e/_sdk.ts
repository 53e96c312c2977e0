// The SDK's public entry point plus the hex helper tests use (not part of the public API).
export * from "../../sdk/index.js";
export { toHex } from "../../sdk/crypto/bytes.js";
