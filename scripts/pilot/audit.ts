import type { Contract, EventLog } from "ethers";

import type { CarechainContracts } from "../../sdk/index.js";
import type { AuditEntry } from "./report.js";

/** Every event of the Carechain contracts in `fromBlock..latest`, decoded, in chain order. */
export async function auditEvents(contracts: CarechainContracts, fromBlock = 0): Promise<AuditEntry[]> {
  const all: EventLog[] = [];
  for (const contract of [contracts.directory, contracts.consent, contracts.records] as unknown as Contract[]) {
    for (const log of await contract.queryFilter("*", fromBlock)) if ("args" in log) all.push(log);
  }
  all.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  return all.map((log) => ({
    block: log.blockNumber,
    tx: log.transactionHash,
    event: log.eventName,
    args: Object.fromEntries(
      log.fragment.inputs.map((input, i) => [input.name, formatArg(log.args[i])]),
    ),
  }));
}

function formatArg(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatArg).join(" ")}]`;
  return typeof value === "bigint" ? value.toString() : String(value);
}
