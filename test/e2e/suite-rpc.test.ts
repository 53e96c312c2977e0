/**
 * Where the suite's chains come from (test/helpers/chain.ts): in-process by default; under
 * `CARECHAIN_TEST_RPC=limits` (`npm run test:limits`) a served chain with 200,000 blocks of history behind the
 * limiting proxy, which the SDK's reads page through and which passes time travel through.
 */
import { describe, expect, it } from "vitest";

import { chainProxies, SUITE_HISTORY_BLOCKS, THROUGH_LIMITS } from "../helpers/chain.js";
import { heartRate, registeredFixture } from "../helpers/fixtures.js";

describe("the suite's chains", () => {
  it.skipIf(THROUGH_LIMITS)("by default: in-process, no JSON-RPC and no proxy", async () => {
    const f = await registeredFixture();
    expect(chainProxies).toEqual([]);
    expect(f.connection.networkConfig.type).toBe("edr-simulated");
  });

  it.runIf(THROUGH_LIMITS)(
    "under CARECHAIN_TEST_RPC=limits: over JSON-RPC through the limiting proxy, on a long chain, reads paged and refused",
    async () => {
      const f = await registeredFixture();
      const proxy = chainProxies.at(-1)!;
      expect(f.connection.networkConfig.type).toBe("http");
      expect(await f.connection.ethers.provider.getBlockNumber()).toBeGreaterThan(SUITE_HISTORY_BLOCKS);
      const patient = await f.patient.address();
      const expiresAt = (await f.now()) + 86_400 * 30;
      await f.patient.grant(await f.hospital.address(), { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt });
      const written = await f.hospital.addRecord(patient, heartRate(64, `Patient/${patient}`));
      expect((await f.patient.readRecord(written.recordId)).resource).toMatchObject({ resourceType: "Observation" });
      const trail = await f.patient.auditTrail(patient);
      expect(trail.length).toBeGreaterThan(0);
      // Every read from block 0 paged past the proxy's block-range cap; the proxy refused and rate-limited for real.
      expect(proxy.stats.getLogs).toBeGreaterThan(SUITE_HISTORY_BLOCKS / 5_000);
      expect(proxy.stats.rangeRefusals).toBeGreaterThan(0);
      expect(proxy.stats.tooMany).toBeGreaterThan(0);
      // Time travel (evm_increaseTime, evm_mine) passes through.
      const before = await f.now();
      await f.advanceTime(86_400);
      expect(await f.now()).toBeGreaterThanOrEqual(before + 86_400);
    },
  );
});
