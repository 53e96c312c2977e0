import { EventLog, type Contract } from "ethers";

import { LogReader, type CarechainContracts } from "../../sdk/index.js";
import type { AuditEntry } from "./report.js";

/**
 * Every event of the Carechain contracts in `fromBlock..latest`, decoded, in chain order, read in pages under the
 * provider's limits (a {@link LogReader}).
 */
export async function auditEvents(contracts: CarechainContracts, fromBlock = 0): Promise<AuditEntry[]> {
  const all: EventLog[] = [];
  const reader = new LogReader(contracts.directory.runner!.provider!);
  for (const contract of [contracts.directory, contracts.consent, contracts.records] as unknown as Contract[]) {
    for (const log of await reader.getLogs({ address: await contract.getAddress(), topics: [] }, fromBlock)) {
      const fragment = contract.interface.getEvent(log.topics[0]!);
      if (fragment) all.push(new EventLog(log, contract.interface, fragment));
    }
  }
  all.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  return all.map((log) => ({
    block: log.blockNumber,
    tx: log.transactionHash,
    event: log.eventName,
    args: Object.fromEntries(log.fragment.inputs.map((input, i) => [input.name, formatArg(log.args[i])])),
  }));
}

function formatArg(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatArg).join(" ")}]`;
  return typeof value === "bigint" ? value.toString() : String(value);
}
