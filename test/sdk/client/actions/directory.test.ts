/** Directory actions against a fake chain: provider kinds and keys checked before anything is sent. */
import { describe, expect, it } from "vitest";

import { getAccountAddress, registerProvider } from "../../../../sdk/client/actions/directory.js";
import { generateIdentity } from "../../../../sdk/crypto/identity.js";
import { InvalidPublicKeyError } from "../../../../sdk/errors/data.js";
import { FakeChain, fakeAccount } from "./_fake-context.js";

describe("directory actions", () => {
  it("registers a provider with the kind's on-chain index", async () => {
    const chain = new FakeChain();
    const registrar = fakeAccount(chain);
    const { publicKey } = generateIdentity();
    await registerProvider(registrar.ctx, { account: registrar.address, kind: "lab", publicKey });
    expect(chain.sent.map((s) => [s.method, s.args[1]])).toEqual([["registerProvider", 3]]);
  });

  it.each([
    [{ kind: "none" }, /kind: expected one of hospital, clinic, lab/],
    [{ kind: "wizard" }, /kind: expected one of hospital, clinic, lab/],
    [{ publicKey: new Uint8Array(32) }, InvalidPublicKeyError],
    [{ publicKey: new Uint8Array(31).fill(7) }, /^publicKey: expected 32 bytes, got 31$/],
  ])("refuses %o before anything is sent", async (override, expected) => {
    const chain = new FakeChain();
    const registrar = fakeAccount(chain);
    const params = { account: registrar.address, kind: "lab", publicKey: generateIdentity().publicKey, ...override };
    await expect(registerProvider(registrar.ctx, params as never)).rejects.toThrow(expected);
    expect(chain.sent).toEqual([]);
  });

  it("reads the account's address once and caches it in the context", async () => {
    const chain = new FakeChain();
    const account = fakeAccount(chain);
    expect(await getAccountAddress(account.ctx)).toBe(account.address);
    expect(account.ctx.state.address).toBe(account.address);
  });
});
