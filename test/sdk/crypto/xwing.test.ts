/**
 * The X-Wing key wrap and post-quantum key documents (sdk/crypto/xwing.ts): a document verifies against its on-chain
 * digest and its account, a substituted or re-claimed one is refused, and the key pair re-derives from the identity.
 */
import { Wallet } from "ethers";
import { describe, expect, it } from "vitest";

import {
  DecryptionError,
  deriveXWingKeyPair,
  encodePqKeyDocument,
  generateIdentity,
  generateXWingKeyPair,
  identityFromSecretKey,
  pqKeyCommitment,
  unwrapKeyXWing,
  verifyPqKeyDocument,
  wrapKeyXWing,
  XWING_ENC_BYTES,
  XWING_PUBLIC_KEY_BYTES,
} from "../../../sdk/index.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("the X-Wing key wrap", () => {
  it("round-trips; another key or info does not open; sizes are the suite's", async () => {
    const pq = await generateXWingKeyPair();
    const info = new TextEncoder().encode("info");
    const dek = crypto.getRandomValues(new Uint8Array(32));
    const wrapped = await wrapKeyXWing(pq.publicKey, dek, info);
    expect(pq.publicKey.length).toBe(XWING_PUBLIC_KEY_BYTES);
    expect(wrapped.enc.length).toBe(XWING_ENC_BYTES);
    expect(hex(await unwrapKeyXWing(pq.secretKey, wrapped, info))).toBe(hex(dek));
    await expect(unwrapKeyXWing((await generateXWingKeyPair()).secretKey, wrapped, info)).rejects.toBeInstanceOf(
      DecryptionError,
    );
    await expect(unwrapKeyXWing(pq.secretKey, wrapped, new TextEncoder().encode("other"))).rejects.toBeInstanceOf(
      DecryptionError,
    );
    await expect(wrapKeyXWing(new Uint8Array(32), dek, info)).rejects.toThrow(RangeError);
  });
});

describe("post-quantum key documents", () => {
  it("verify against their digest and account; a substituted or re-claimed document is refused", async () => {
    const account = Wallet.createRandom().address;
    const pq = await generateXWingKeyPair();
    const bytes = encodePqKeyDocument(account, pq.publicKey);
    const { digest, cid } = pqKeyCommitment(bytes);
    expect(`0x${hex(cid.multihash.digest)}`).toBe(digest);
    expect(hex(verifyPqKeyDocument(bytes, { digest, account }))).toBe(hex(pq.publicKey));
    const substitute = encodePqKeyDocument(account, (await generateXWingKeyPair()).publicKey);
    expect(() => verifyPqKeyDocument(substitute, { digest, account })).toThrow(/commitment/);
    // Someone else's document, committed to by this account: names another account.
    const theirs = encodePqKeyDocument(Wallet.createRandom().address, pq.publicKey);
    expect(() => verifyPqKeyDocument(theirs, { digest: pqKeyCommitment(theirs).digest, account })).toThrow(
      /another account/,
    );
  });

  it("the X-Wing key pair derives from the identity secret: the same on a new device", async () => {
    const identity = generateIdentity();
    const a = await deriveXWingKeyPair(identity.secretKey);
    const b = await deriveXWingKeyPair(identityFromSecretKey(identity.secretKey).secretKey);
    expect(hex(a.publicKey)).toBe(hex(b.publicKey));
    expect(hex(a.publicKey)).not.toBe(hex((await deriveXWingKeyPair(generateIdentity().secretKey)).publicKey));
  });
});
