import { createRequire } from "node:module";

import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatIgnitionEthers from "@nomicfoundation/hardhat-ignition-ethers";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";
import hardhatTypechain from "@nomicfoundation/hardhat-typechain";
import { configVariable, defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

/** solc from the `solc` npm package: no compiler download at build time. */
const SOLC_VERSION = "0.8.28";
const solcPath = require.resolve("solc/soljson.js");

export default defineConfig({
  plugins: [hardhatEthers, hardhatTypechain, hardhatIgnitionEthers, hardhatNetworkHelpers],
  solidity: {
    version: SOLC_VERSION,
    path: solcPath,
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      evmVersion: "cancun",
    },
  },
  paths: {
    tests: { solidity: "./test/contracts" },
  },
  test: {
    solidity: {
      fuzz: { runs: 256 },
    },
  },
  typechain: {
    outDir: "sdk/contracts/typechain",
  },
  networks: {
    // `npx hardhat node`; CARECHAIN_LOCALHOST_URL points elsewhere (e.g. another port). Not a secret.
    localhost: {
      type: "http",
      chainType: "l1",
      url: process.env.CARECHAIN_LOCALHOST_URL ?? "http://127.0.0.1:8545",
    },
    // The tests' chains under CARECHAIN_TEST_RPC=limits (test/helpers/chain.ts): each connection overrides the URL with
    // its limiting proxy's.
    testRpc: {
      type: "http",
      url: "http://127.0.0.1:8545",
    },
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("SEPOLIA_PRIVATE_KEY")],
    },
  },
});
