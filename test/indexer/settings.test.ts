/**
 * The indexer's settings (indexer/lib/settings.ts): read from the environment, every bad value refused with a
 * message naming the variable.
 */
import { describe, expect, it } from "vitest";

import { indexerMissing } from "../helpers/indexer.js";

const missing = indexerMissing();

describe.skipIf(missing !== undefined)("indexer settings", async () => {
  const { readSettings } = missing
    ? ({} as typeof import("../../indexer/lib/settings.js"))
    : await import("../../indexer/lib/settings.js");
  const deployment = {
    chainId: 31337,
    directory: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
    consentRegistry: "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
    recordRegistry: "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0",
  };

  it("reads a deployment JSON, checksums the addresses, and defaults for a local chain", () => {
    const s = readSettings({ CARECHAIN_DEPLOYMENT_JSON: JSON.stringify(deployment) });
    expect(s).toEqual({
      chainId: 31337,
      rpcUrl: "http://127.0.0.1:8545",
      directory: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      consentRegistry: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
      recordRegistry: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
      startBlock: 0,
      pollingIntervalMs: 1000,
      getLogsBlockRange: undefined,
      disableRpcCache: true,
      manifestUrl: undefined,
    });
  });

  it("takes Ignition's addresses file with CARECHAIN_CHAIN_ID, and the overrides", () => {
    const ignition = {
      "Carechain#Directory": deployment.directory,
      "Carechain#ConsentRegistry": deployment.consentRegistry,
      "Carechain#RecordRegistry": deployment.recordRegistry,
    };
    const s = readSettings({
      CARECHAIN_DEPLOYMENT_JSON: JSON.stringify(ignition),
      CARECHAIN_CHAIN_ID: "11155111",
      CARECHAIN_RPC_URL: "https://rpc.example",
      CARECHAIN_START_BLOCK: "123",
      CARECHAIN_GETLOGS_RANGE: "2000",
      CARECHAIN_MANIFEST_URL: "http://127.0.0.1:8080/ipfs/{cid}",
    });
    expect(s).toMatchObject({
      chainId: 11155111,
      rpcUrl: "https://rpc.example",
      startBlock: 123,
      getLogsBlockRange: 2000,
      disableRpcCache: false,
      manifestUrl: "http://127.0.0.1:8080/ipfs/{cid}",
    });
  });

  it.each([
    [{}, /set CARECHAIN_DEPLOYMENT/],
    [{ CARECHAIN_DEPLOYMENT_JSON: "{not json" }, /CARECHAIN_DEPLOYMENT_JSON is not JSON/],
    [{ CARECHAIN_DEPLOYMENT_JSON: "[]" }, /must hold a JSON object/],
    [
      { CARECHAIN_DEPLOYMENT_JSON: JSON.stringify({ ...deployment, directory: "0x12" }) },
      /directory must be a 0x address/,
    ],
    [{ CARECHAIN_DEPLOYMENT_JSON: JSON.stringify({ ...deployment, chainId: "x" }) }, /chainId must be an integer/],
    [
      { CARECHAIN_DEPLOYMENT_JSON: JSON.stringify(deployment), CARECHAIN_START_BLOCK: "-1" },
      /CARECHAIN_START_BLOCK must be an integer/,
    ],
    [
      { CARECHAIN_DEPLOYMENT_JSON: JSON.stringify(deployment), CARECHAIN_POLLING_MS: "0" },
      /CARECHAIN_POLLING_MS must be an integer >= 10/,
    ],
    [
      { CARECHAIN_DEPLOYMENT_JSON: JSON.stringify(deployment), CARECHAIN_MANIFEST_URL: "http://gw/ipfs/" },
      /CARECHAIN_MANIFEST_URL must be an http\(s\) URL with \{cid\}/,
    ],
    [
      { CARECHAIN_DEPLOYMENT_JSON: JSON.stringify(deployment), CARECHAIN_MANIFEST_URL: "file:///tmp/{cid}" },
      /CARECHAIN_MANIFEST_URL must be an http\(s\) URL/,
    ],
  ])("refuses %j", (env, message) => {
    expect(() => readSettings(env as NodeJS.ProcessEnv)).toThrow(message);
  });
});
