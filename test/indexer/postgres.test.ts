/**
 * The indexer on PostgreSQL (`DATABASE_URL`): a server of its own (Debian's postgresql package, initdb in a temp
 * dir, loopback port), the same history and the same differential check as with PGlite.
 */
import type { ChildProcess } from "node:child_process";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { HttpIndexSource } from "../e2e/_sdk.js";
import {
  indexerMissing,
  postgresMissing,
  startIndexer,
  startPostgres,
  waitForBlock,
  type RunningIndexer,
  type TestPostgres,
} from "../helpers/indexer.js";
import { freePort, startHardhatNode, stop } from "../helpers/processes.js";
import { deployOnNode, expectIndexEqualsRpc, runScenario, type World } from "./_scenario.js";
import { ifAssigned } from "../helpers/teardown.js";

const missing = indexerMissing() ?? postgresMissing();
if (missing) console.warn(`skipping the indexer's PostgreSQL test: ${missing}`);

describe.skipIf(missing !== undefined)("the indexer (PostgreSQL)", () => {
  let node: ChildProcess;
  let postgres: TestPostgres;
  let world: World;
  let indexer: RunningIndexer;
  let patients: string[];

  beforeAll(async () => {
    const rpcUrl = `http://127.0.0.1:${await freePort()}`;
    [node, postgres] = await Promise.all([startHardhatNode(Number(new URL(rpcUrl).port)), startPostgres()]);
    world = await deployOnNode(rpcUrl);
    ({ patients } = await runScenario(world));
    indexer = await startIndexer({
      deployment: world.deployment,
      rpcUrl,
      startBlock: world.startBlock,
      databaseUrl: postgres.url,
    });
    await waitForBlock(indexer, await world.provider.getBlockNumber());
  });

  afterAll(async () => {
    ifAssigned(world)?.provider.destroy();
    if (ifAssigned(indexer)) await indexer.stop();
    if (ifAssigned(node)) await stop(node);
    if (ifAssigned(postgres)) await postgres.stop();
  });

  it("answers every query as the RPC path does", async () => {
    const index = new HttpIndexSource(indexer.url, { deployment: world.deployment });
    expect(await expectIndexEqualsRpc(index, world.patient, patients)).toBeGreaterThan(40);
    expect(indexer.output()).toMatch(/"msg":"Connected to database","type":"postgres"/);
  });
});
