/**
 * Pseudonym derivation (issue 15, item 1): from one root, one account and one X25519 key per relationship index,
 * bound to chain and deployment. Checked against an independent HKDF (node:crypto), for determinism, for
 * independence across indices and deployments, and for the root's derivation from the wallet's identity signature.
 */
import { hkdfSync } from "node:crypto";

import { computeAddress, Wallet } from "ethers";
import { describe, expect, it } from "vitest";

import {
  deriveIdentity,
  derivePseudonym,
  derivePseudonymRoot,
  identityTypedData,
  MAX_PSEUDONYM_INDEX,
  pseudonymRootFromSignature,
} from "../../../sdk/index.js";
import { toHex } from "../_support.js";

const DIRECTORY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const scope = { chainId: 31337n, directory: DIRECTORY };
const root = new Uint8Array(32).map((_, i) => i + 1);
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The derivation written out again with node:crypto's HKDF, as the module documents it. */
function expected(rootBytes: Uint8Array, index: number) {
  const bound = `chain=31337|directory=${DIRECTORY.toLowerCase()}|index=${index}`;
  const salt = Buffer.from("carechain/pseudonym/v1");
  const okm = Buffer.from(hkdfSync("sha256", rootBytes, salt, Buffer.from(`secp256k1 account|${bound}`), 48));
  const scalar = (BigInt(`0x${okm.toString("hex")}`) % (N - 1n)) + 1n;
  const x25519 = Buffer.from(hkdfSync("sha256", rootBytes, salt, Buffer.from(`x25519 secret key|${bound}`), 32));
  return { privateKey: `0x${scalar.toString(16).padStart(64, "0")}`, x25519: x25519.toString("hex") };
}

describe("derivePseudonym", () => {
  it("matches an independent HKDF-SHA256 of the documented salt and info", () => {
    for (const index of [0, 1, 7, MAX_PSEUDONYM_INDEX]) {
      const p = derivePseudonym(root, scope, index);
      const want = expected(root, index);
      expect(p.privateKey).toBe(want.privateKey);
      expect(toHex(p.identity.secretKey)).toBe(want.x25519);
      expect(p.address).toBe(computeAddress(want.privateKey));
      expect(p.index).toBe(index);
    }
  });

  it("re-derives identically from the same root (a new device), whatever the Directory's letter case", () => {
    const copy = Uint8Array.from(root);
    for (let i = 0; i < 5; i++) {
      const a = derivePseudonym(root, scope, i);
      const b = derivePseudonym(copy, { chainId: 31337n, directory: DIRECTORY.toLowerCase() }, i);
      expect(b.address).toBe(a.address);
      expect(toHex(b.identity.publicKey)).toBe(toHex(a.identity.publicKey));
    }
  });

  it("gives unrelated accounts and keys for each index, chain, deployment and root", () => {
    const variants = [
      ...Array.from({ length: 20 }, (_, i) => derivePseudonym(root, scope, i)),
      derivePseudonym(root, { chainId: 1n, directory: DIRECTORY }, 0),
      derivePseudonym(root, { chainId: 31337n, directory: "0x" + "11".repeat(20) }, 0),
      derivePseudonym(new Uint8Array(32).fill(9), scope, 0),
    ];
    expect(new Set(variants.map((p) => p.address)).size).toBe(variants.length);
    expect(new Set(variants.map((p) => toHex(p.identity.publicKey))).size).toBe(variants.length);
    expect(new Set(variants.map((p) => p.privateKey)).size).toBe(variants.length);
  });

  it("the account key signs for the derived address", async () => {
    const p = derivePseudonym(root, scope, 3);
    expect(new Wallet(p.privateKey).address).toBe(p.address);
  });

  it.each([
    ["a short root", new Uint8Array(31), 0, RangeError],
    ["a long root", new Uint8Array(33), 0, RangeError],
    ["a negative index", root, -1, RangeError],
    ["a fractional index", root, 1.5, RangeError],
    ["an index over 2^32-1", root, MAX_PSEUDONYM_INDEX + 1, RangeError],
  ])("refuses %s", (_, r, index, error) => {
    expect(() => derivePseudonym(r, scope, index)).toThrow(error);
  });

  it("refuses a malformed scope", () => {
    expect(() => derivePseudonym(root, { chainId: 0n, directory: DIRECTORY }, 0)).toThrow(RangeError);
    expect(() => derivePseudonym(root, { chainId: 1n, directory: "0x1234" }, 0)).toThrow(TypeError);
  });
});

describe("derivePseudonymRoot", () => {
  const wallet = new Wallet("0x" + "42".repeat(32));

  it("comes from the wallet's identity signature (one prompt for both) and is not the identity key", async () => {
    const rootA = await derivePseudonymRoot(wallet, scope);
    const rootB = await derivePseudonymRoot(wallet, scope);
    expect(toHex(rootA)).toBe(toHex(rootB));
    const { domain, types, message } = identityTypedData({ ...scope, version: 1 });
    const signature = await wallet.signTypedData(domain, types, message);
    expect(toHex(pseudonymRootFromSignature(signature, scope))).toBe(toHex(rootA));
    const identity = await deriveIdentity(wallet, scope);
    expect(toHex(rootA)).not.toBe(toHex(identity.secretKey));
  });

  it("differs per chain and per deployment", async () => {
    const here = toHex(await derivePseudonymRoot(wallet, scope));
    expect(toHex(await derivePseudonymRoot(wallet, { ...scope, chainId: 1n }))).not.toBe(here);
    expect(toHex(await derivePseudonymRoot(wallet, { ...scope, directory: "0x" + "22".repeat(20) }))).not.toBe(here);
  });

  it("refuses a wallet whose signature is not its own", async () => {
    const liar = {
      getAddress: () => Promise.resolve(wallet.address),
      signTypedData: (...args: Parameters<Wallet["signTypedData"]>) => Wallet.createRandom().signTypedData(...args),
    };
    await expect(derivePseudonymRoot(liar, scope)).rejects.toThrow(TypeError);
  });
});
