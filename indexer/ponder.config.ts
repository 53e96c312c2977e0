/**
 * Ponder configuration of the Carechain indexer: one chain, the three Carechain contracts. The ABIs come from the
 * SDK's build output (sdk/contracts/generated/abi.ts, written by `npm run build` at the repository root), so a
 * contract change flows into the indexer with the next build. Addresses, chain and start block come from the
 * environment (src/settings.ts); the database is PGlite unless `DATABASE_URL` names a PostgreSQL server.
 */
import { createConfig } from "ponder";

import { CONSENT_REGISTRY_ABI, DIRECTORY_ABI, RECORD_REGISTRY_ABI } from "../sdk/contracts/generated/abi";
import { readSettings } from "./lib/settings";

const settings = readSettings();

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: process.env.CARECHAIN_PGLITE_DIR ?? ".ponder/pglite" },
  chains: {
    carechain: {
      id: settings.chainId,
      rpc: settings.rpcUrl,
      pollingInterval: settings.pollingIntervalMs,
      disableCache: settings.disableRpcCache,
      ...(settings.getLogsBlockRange ? { ethGetLogsBlockRange: settings.getLogsBlockRange } : {}),
    },
  },
  contracts: {
    Directory: {
      chain: "carechain",
      abi: DIRECTORY_ABI,
      address: settings.directory,
      startBlock: settings.startBlock,
    },
    ConsentRegistry: {
      chain: "carechain",
      abi: CONSENT_REGISTRY_ABI,
      address: settings.consentRegistry,
      startBlock: settings.startBlock,
    },
    RecordRegistry: {
      chain: "carechain",
      abi: RECORD_REGISTRY_ABI,
      address: settings.recordRegistry,
      startBlock: settings.startBlock,
    },
  },
});
