/**
 * A writer process for the exactly-once test (test/e2e/exactly-once.test.ts): adds heart-rate records for one patient
 * through an RPC URL (the chaos proxy), retrying each on any error the way a natural caller does, with a journal on
 * disk. Mode `write` adds records FROM..FROM+COUNT-1; mode `resume` first calls resume() and prints its result, then
 * adds the records listed in TODO (the ones the killed process did not confirm). One line per outcome on stdout:
 * `ok <i> <recordId>`, `err <i> <carechain?> <class> <mayHaveLanded>`, `resumed <json>`.
 */
import { JsonRpcProvider, Wallet } from "ethers";

import {
  Carechain,
  CarechainError,
  createFhirValidator,
  identityFromSecretKey,
  WriteError,
  type CarechainDeployment,
} from "../../../sdk/index.js";
import { FileJournal, FileSystemBlobStore, loadFhirDefinitions } from "../../../sdk/node.js";
import { heartRate } from "../../helpers/fixtures.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

/** A caller's pause before trying again: 100 ms more each time, at most 1 s (ethers keeps a failed read for 250 ms). */
const pause = (attempt: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1_000)));

const provider = new JsonRpcProvider(env("RPC_URL"), undefined, {
  staticNetwork: true,
  polling: true,
  pollingInterval: 50,
});
const connect = () =>
  Carechain.connect({
    deployment: JSON.parse(env("DEPLOYMENT"), (k, v: unknown) =>
      k === "chainId" ? BigInt(v as string) : v,
    ) as CarechainDeployment,
    signer: new Wallet(env("WRITER_KEY"), provider),
    identity: identityFromSecretKey(env("IDENTITY_SECRET")),
    store: new FileSystemBlobStore(env("STORE_DIR")),
    validator: createFhirValidator(loadFhirDefinitions()),
    journal: new FileJournal(env("JOURNAL_DIR")),
    retry: { attempts: 3, baseDelayMs: 20, minedTimeoutMs: 5_000 },
    logs: { baseDelayMs: 20, maxDelayMs: 200 },
  });
let writer: Carechain | undefined;
for (let attempt = 1; !writer; attempt++) {
  // Connecting reads the chain (chain id, contract code): retried like any call over a faulty network.
  writer = await connect().catch((error: unknown) => {
    if (!(error instanceof CarechainError) || attempt >= 20) throw error;
    return pause(attempt).then(() => undefined);
  });
}
const patient = env("PATIENT");
const base = Number(env("VALUE_BASE"));

if (env("MODE") === "resume") {
  const resumed = await writer.resume();
  console.log(
    `resumed ${JSON.stringify({
      anchored: resumed.anchored,
      alreadyAnchored: resumed.alreadyAnchored,
      failed: resumed.failed.map((f) => `${f.error.constructor.name}: ${f.error.shortMessage}`),
    })}`,
  );
}
const indices =
  env("MODE") === "resume"
    ? env("TODO").split(",").filter(Boolean).map(Number)
    : Array.from({ length: Number(env("COUNT")) }, (_, k) => Number(env("FROM")) + k);
for (const i of indices) {
  for (let attempt = 1; ; attempt++) {
    try {
      const added = await writer.addRecord(patient, heartRate(base + i));
      console.log(`ok ${i} ${added.recordId}`);
      break;
    } catch (error) {
      const landed = error instanceof WriteError ? error.mayHaveLanded : "";
      console.log(
        `err ${i} ${error instanceof CarechainError} ${error instanceof Error ? error.constructor.name : typeof error} ${landed}`,
      );
      if (attempt >= 40) throw error;
      await pause(attempt);
    }
  }
}
provider.destroy();
