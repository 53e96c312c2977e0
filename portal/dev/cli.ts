/**
 * `npm run portal`: builds the portal (vite build), starts the demo (hardhat node, deployment, seed, custodian
 * service, portal server), prints the URL and the demo accounts, and stops everything on Ctrl-C.
 */
import { join } from "node:path";

import { stopAll } from "../../scripts/package/consumer.mjs";
import { startDemo, type Demo } from "./demo.js";
import { PORTAL_DIR, buildPortal } from "./build.js";

const running: { demo?: Demo } = {};
// Installed first: a Ctrl-C while the demo starts stops the node it has started too (its own process group).
const stopping = async (signal: string) => {
  console.log(`\nportal: ${signal}, stopping the node, the custodian service and the server`);
  await (running.demo ? running.demo.stop() : stopAll());
  process.exit(0);
};
process.once("SIGINT", () => void stopping("SIGINT"));
process.once("SIGTERM", () => void stopping("SIGTERM"));

const started = performance.now();
buildPortal();
const demo = await startDemo({
  distDir: join(PORTAL_DIR, "dist"),
  onProgress: (line) => console.log(`portal: ${line}`),
});
running.demo = demo;
console.log(`
Carechain portal: ${demo.url}   (ready in ${((performance.now() - started) / 1000).toFixed(0)} s)
Chain: ${demo.rpcUrl} (chain id ${demo.config.chainId}, a local hardhat node)

Demo accounts (the node's public test accounts; pick them in the portal's "Development wallet"):`);
for (const a of demo.config.accounts) console.log(`  ${a.address}  ${a.role.padEnd(9)}  ${a.name}`);
console.log("\nCtrl-C stops everything.");
