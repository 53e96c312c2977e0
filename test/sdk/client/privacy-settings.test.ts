/**
 * A client's privacy settings (sdk/client/privacy-settings.ts): the X-Wing key pair (derived from the identity by
 * default, from a seed, or as given, each computed once) and the policy; custodian sets checked up front, each bad
 * input named in its error.
 */
import { describe, expect, it } from "vitest";

import { checkCustodianSet, postQuantumSettings } from "../../../sdk/client/privacy-settings.js";
import { generateIdentity } from "../../../sdk/crypto/identity.js";
import { deriveXWingKeyPair, xwingKeyPairFromSeed } from "../../../sdk/crypto/xwing.js";
import { InvalidPublicKeyError } from "../../../sdk/errors/data.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("postQuantumSettings", () => {
  it("derives the X-Wing key pair from the identity by default, once, with policy auto", async () => {
    const identity = generateIdentity();
    const settings = postQuantumSettings(identity, undefined);
    expect(settings.policy).toBe("auto");
    const first = await settings.keyPair();
    expect(hex(first.publicKey)).toBe(hex((await deriveXWingKeyPair(identity.secretKey)).publicKey));
    expect(await settings.keyPair()).toBe(first);
    // Another identity derives another key.
    const other = await postQuantumSettings(generateIdentity(), {}).keyPair();
    expect(hex(other.publicKey)).not.toBe(hex(first.publicKey));
  });

  it("takes a seed (copied) or a key pair, and the policy given", async () => {
    const seed = new Uint8Array(32).fill(7);
    const settings = postQuantumSettings(generateIdentity(), { identity: seed, policy: "required" });
    seed.fill(0); // the caller reusing its buffer does not change the key
    expect(settings.policy).toBe("required");
    const expected = await xwingKeyPairFromSeed(new Uint8Array(32).fill(7));
    expect(hex((await settings.keyPair()).publicKey)).toBe(hex(expected.publicKey));
    expect(await postQuantumSettings(generateIdentity(), { identity: expected }).keyPair()).toBe(expected);
  });

  it("refuses an unknown policy, a short seed and a malformed key pair, naming the argument", async () => {
    const identity = generateIdentity();
    expect(() => postQuantumSettings(identity, { policy: "sometimes" as never })).toThrow(
      /postQuantum.policy: unknown policy sometimes/,
    );
    expect(() => postQuantumSettings(identity, { identity: new Uint8Array(31) })).toThrow(/postQuantum.identity/);
    const pair = await xwingKeyPairFromSeed(new Uint8Array(32).fill(1));
    expect(() =>
      postQuantumSettings(identity, { identity: { publicKey: pair.publicKey.slice(1), secretKey: pair.secretKey } }),
    ).toThrow(/postQuantum.identity.publicKey/);
  });
});

describe("checkCustodianSet", () => {
  const node = (i: number) => ({ key: generateIdentity().publicKey, url: `http://127.0.0.1:${9000 + i}` });

  it("passes a well-formed set, and no set", () => {
    const set = { threshold: 2, nodes: [node(0), node(1), node(2)] };
    expect(checkCustodianSet(set)).toBe(set);
    expect(checkCustodianSet(undefined)).toBeUndefined();
  });

  it.each([
    ["threshold 1", { threshold: 1, nodes: [node(0), node(1)] }, /custodianSet.threshold/],
    ["threshold above n", { threshold: 3, nodes: [node(0), node(1)] }, /custodianSet.threshold/],
    ["one node", { threshold: 2, nodes: [node(0)] }, /custodianSet.nodes: expected 2..32/],
    ["a non-http URL", { threshold: 2, nodes: [node(0), { ...node(1), url: "file:///etc/passwd" }] }, /nodes\[1\].url/],
    ["an unparsable URL", { threshold: 2, nodes: [node(0), { ...node(1), url: "not a url" }] }, /nodes\[1\].url/],
  ])("refuses %s", (_name, set, message) => {
    expect(() => checkCustodianSet(set)).toThrow(message);
  });

  it("refuses the same node key twice, and a key that is not a usable X25519 key", () => {
    const a = node(0);
    expect(() => checkCustodianSet({ threshold: 2, nodes: [a, { ...a, url: "http://127.0.0.1:9999" }] })).toThrow(
      /listed twice/,
    );
    expect(() => checkCustodianSet({ threshold: 2, nodes: [a, { ...node(1), key: new Uint8Array(32) }] })).toThrow(
      InvalidPublicKeyError,
    );
  });
});
