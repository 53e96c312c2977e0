/**
 * Runs one share-holding custodian node (a k-of-n set member) as its own process: `tsx scripts/custodian-node.ts`
 * with RPC_URL, DEPLOYMENT (JSON: chainId and the three addresses), NODE_SECRET (the node's X25519 secret key, 0x
 * hex), and optionally PORT, HOST, LOG_PATH and MAX_ACCESS_AGE (seconds, default 300). Prints `listening <url> <public key>` once it serves, and stops
 * cleanly on SIGTERM or SIGINT. The node only reads the chain: it needs no funded account.
 */
import { hexlify, JsonRpcProvider } from "ethers";

import { connectContracts, identityFromSecretKey, parseDeployment } from "../sdk/index.js";
import { startCustodianService } from "../sdk/node.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const raw = JSON.parse(env("DEPLOYMENT")) as Record<string, unknown>;
const deployment = parseDeployment(raw, BigInt(String(raw.chainId)));
const provider = new JsonRpcProvider(env("RPC_URL"), undefined, { staticNetwork: true });
const contracts = await connectContracts(deployment, provider);
const identity = identityFromSecretKey(env("NODE_SECRET"));
const service = await startCustodianService({
  custodian: { contracts },
  shares: {
    identity,
    ...(process.env.MAX_ACCESS_AGE ? { maxAccessAgeSeconds: Number(process.env.MAX_ACCESS_AGE) } : {}),
  },
  port: Number(process.env.PORT ?? 0),
  host: process.env.HOST ?? "127.0.0.1",
  ...(process.env.LOG_PATH ? { logPath: process.env.LOG_PATH } : {}),
});
console.log(`listening ${service.url} ${hexlify(identity.publicKey)}`);

const shutdown = () => {
  void service.close().finally(() => {
    provider.destroy();
    process.exit(0);
  });
};
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
