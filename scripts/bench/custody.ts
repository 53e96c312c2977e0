/**
 * Threshold custody figures (issue 15, item 2): the time a break-glass reader takes to get a record key from a
 * k-of-n custodian set whose nodes run as separate processes (2-of-3 with one node down or one lying, 3-of-5 with one
 * down and one lying), against the floor every release pays (the reader's on-chain access log alone), and the gas
 * per release.
 */
import { PurposeOfUse, placeInCustody, readCustodiedKey, type CustodianSet } from "../../sdk/index.js";
import { custodyWorld, startCustodianNodes } from "../../test/helpers/custodian-nodes.js";
import { stop } from "../../test/helpers/processes.js";
import { metric, type Metric } from "./metrics.js";
import { median } from "./timing.js";

/** Options: releases measured per configuration. */
export interface CustodyBenchOptions {
  readonly rounds: number;
}

/**
 * Measures custody releases on a hardhat node with custodian node processes.
 * @param options - Rounds per configuration.
 * @returns `custody.release.*.ms` (ratio to the bare access log), `custody.release.gas`, `custody.place.gas.n*`.
 */
export async function custodyMetrics(options: CustodyBenchOptions): Promise<Metric[]> {
  const world = await custodyWorld();
  const running: { stopAll: () => Promise<void> }[] = [];
  try {
    const recordId = world.allergy.recordId;
    const { dek } = await world.keyOf(world.patient, recordId);
    await world.er.openBreakGlass(await world.patient.address(), { justification: "bench", durationSeconds: 3600 });

    const floorMs: number[] = [];
    const logOnce = async () => {
      const start = performance.now();
      await (await world.er.contracts.records.logAccess(recordId, PurposeOfUse.BTG)).wait();
      floorMs.push(performance.now() - start);
    };

    const configurations: { name: string; n: number; k: number; down: number[]; liars: number[] }[] = [
      { name: "2of3.oneDown", n: 3, k: 2, down: [0], liars: [] },
      { name: "2of3.oneLying", n: 3, k: 2, down: [], liars: [2] },
      { name: "3of5.oneDownOneLying", n: 5, k: 3, down: [0], liars: [4] },
    ];
    const measured: { name: string; ms: number }[] = [];
    let gas = 0n;
    const placeGas = new Map<number, bigint>();
    for (const c of configurations) {
      const nodes = await startCustodianNodes(world.rpcUrl, world.deployment, c.n, c.k, c.liars);
      running.push(nodes);
      for (const i of c.down) await stop(nodes.nodes[i]!.child);
      const set: CustodianSet = nodes.set;
      const placed = await placeInCustody(world.patientCtx, { recordId, dek, set });
      placeGas.set(c.n, (await world.provider.getTransactionReceipt(placed.tx))!.gasUsed);
      const times: number[] = [];
      for (let r = 0; r < options.rounds + 1; r++) {
        await logOnce();
        const start = performance.now();
        const got = await readCustodiedKey(world.erCtx, { recordId, purpose: "BTG", set }, { timeoutMs: 5000 });
        if (r > 0) times.push(performance.now() - start); // the first round warms the nodes up
        gas = got.gasUsed;
      }
      measured.push({ name: c.name, ms: median(times) });
      await nodes.stopAll();
    }
    const floor = median(floorMs);
    return [
      ...measured.map((m) =>
        metric(
          `custody.release.${m.name}.ms`,
          m.ms,
          "ms",
          floor,
          "median over rounds; baseline: the reader's on-chain access log alone (every release pays it); nodes are separate processes",
        ),
      ),
      metric(
        "custody.release.gas",
        Number(gas),
        "gas",
        undefined,
        "one logAccess by the reader per release, whatever k and n; nodes send no transaction",
      ),
      ...[...placeGas].map(([n, g]) =>
        metric(
          `custody.place.gas.n${n}`,
          Number(g),
          "gas",
          undefined,
          "publishing a custody document (publishKeyrings of its CID) once per record",
        ),
      ),
    ];
  } finally {
    for (const r of running) await r.stopAll();
    await world.close();
  }
}
