/**
 * Batched views on the in-process chain: `deployCarechain` puts a Multicall3 on this local chain and a batch is one
 * `aggregate3` call with the same answers as one call at a time; without Multicall3 code (the canonical address here),
 * or with code that is not Multicall3, or with a view that reverts, the views are made one by one and each view's
 * own error is what the caller sees.
 */
import type {} from "@nomicfoundation/hardhat-ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { connectContracts, type CarechainContracts } from "../../../sdk/chain/deployment.js";
import { MULTICALL3_ADDRESS, ViewBatcher, type ViewCall } from "../../../sdk/chain/multicall.js";
import { deployCarechain } from "../../../sdk/contracts/deploy.js";
import { generateIdentity } from "../../../sdk/crypto/identity.js";
import { toHex } from "../../../sdk/crypto/bytes.js";
import { createChain, type ChainConnection } from "../../helpers/chain.js";

let contracts: CarechainContracts;
let multicall: string;
let provider: ConstructorParameters<typeof ViewBatcher>[0];
let accounts: string[];
let keys: string[];
let connection: ChainConnection | undefined;

beforeAll(async () => {
  connection = await createChain();
  const signers = await connection.ethers.getSigners();
  const deployment = await deployCarechain(signers[0]!);
  expect(deployment.multicall).toBeDefined();
  multicall = deployment.multicall!;
  contracts = await connectContracts(deployment, signers[0]!);
  provider = connection.ethers.provider;
  accounts = [signers[1]!.address, signers[2]!.address, signers[3]!.address];
  keys = [];
  for (const account of accounts.slice(0, 2)) {
    const key = toHex(generateIdentity().publicKey);
    keys.push(key);
    await (await contracts.directory.registerProvider(account, 1, key)).wait();
  }
});

afterAll(async () => {
  await connection?.close();
});

/** Each account's Directory key and whether it is an active provider. */
const views = (): ViewCall[] =>
  accounts.flatMap((a) => [
    { contract: contracts.directory, method: "encryptionKeyOf", args: [a] },
    { contract: contracts.directory, method: "isActiveProvider", args: [a] },
  ]);
const expected = () => [keys[0], true, keys[1], true, `0x${"00".repeat(32)}`, false];

describe("ViewBatcher", () => {
  it("makes a batch in one aggregate3 call through the Multicall3 deployCarechain put on this local chain", async () => {
    const batcher = new ViewBatcher(provider, multicall);
    expect(await batcher.available()).toBe(true);
    expect(await batcher.call(views())).toEqual(expected());
    expect(batcher.stats()).toEqual({ aggregated: 1, sequential: 0 });
  });

  it("falls back to one call at a time where no Multicall3 code is (the canonical address on this chain)", async () => {
    expect(await provider.getCode(MULTICALL3_ADDRESS)).toBe("0x");
    const batcher = new ViewBatcher(provider);
    expect(await batcher.available()).toBe(false);
    expect(await batcher.call(views())).toEqual(expected());
    expect(batcher.stats()).toEqual({ aggregated: 0, sequential: 1 });
    const off = new ViewBatcher(provider, false);
    expect(await off.call(views())).toEqual(expected());
    expect(off.stats()).toEqual({ aggregated: 0, sequential: 1 });
  });

  it("code at the address that is not Multicall3 gives no answer to trust: the views are made one by one", async () => {
    const batcher = new ViewBatcher(provider, await contracts.consent.getAddress());
    expect(await batcher.call(views())).toEqual(expected());
    expect(batcher.stats()).toEqual({ aggregated: 0, sequential: 1 });
  });

  it("a view that reverts in a batch surfaces as that view's own error", async () => {
    const batcher = new ViewBatcher(provider, multicall);
    const missing = `0x${"ab".repeat(32)}`;
    const reverting: ViewCall = { contract: contracts.records, method: "record", args: [missing] };
    const caught = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );
    const direct = await caught(contracts.records.record(missing));
    const batched = await caught(batcher.call([...views(), reverting]));
    expect(direct).toBeInstanceOf(Error);
    expect(batched).toBeInstanceOf(Error);
    // The same failure as the view made on its own (the revert of RecordNotFound), not an aggregate3 failure.
    expect((batched as Error).message).toBe((direct as Error).message);
    expect((batched as Error).message).toContain("RecordNotFound");
    expect(batcher.stats()).toEqual({ aggregated: 0, sequential: 1 });
  });
});
