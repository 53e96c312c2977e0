/**
 * The pilot the way CI runs it on a real network's terms: `npm run pilot -- --rpc-limits --indexer` starts a
 * hardhat node with 10,000 blocks of history, puts the limiting RPC proxy (block-range and result caps, 429 bursts,
 * held requests) in front of it, starts the indexer against the node, and every actor reads through the index (with
 * the chain checks) and the proxy.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { indexerMissing } from "../helpers/indexer.js";
import { run } from "../helpers/processes.js";

const missing = indexerMissing();
if (missing) console.warn(`the pilot-through-limits test runs without --indexer: ${missing}`);

describe("the pilot through hosted-provider limits, with the indexer", () => {
  it("npm run pilot -- --rpc-limits --indexer: every step as expected, reads answered by the index and paged through the proxy", async () => {
    const out = await mkdtemp(join(tmpdir(), "carechain-pilot-limits-"));
    try {
      const args = [
        "--conditions=carechain-source",
        "scripts/pilot.ts",
        "--rpc-limits",
        "--out",
        out,
        "--store",
        join(out, "store"),
      ];
      if (!missing) args.push("--indexer");
      const output = await run("tsx", args);
      expect(output).toContain("clients through the limiting proxy");
      const report = JSON.parse(await readFile(join(out, "pilot-report.json"), "utf8")) as {
        network: string;
        steps: { ok: boolean }[];
        privacy: { findings: unknown[] };
        integrity: { failures: unknown[]; tamperCaught: number };
        index: unknown;
      };
      expect(report.network).toBe("localhost");
      expect(report.steps.filter((s: { ok: boolean }) => !s.ok)).toEqual([]);
      expect(report.privacy.findings).toEqual([]);
      expect(report.integrity.failures).toEqual([]);
      expect(report.integrity.tamperCaught).toBe(1);
      // The proxy refused and rate-limited for real, and the run still passed.
      const limits =
        /RPC limits: (\d+) requests through the proxy, (\d+) eth_getLogs, (\d+) range and (\d+) result-count refusals, (\d+) answered 429/.exec(
          output,
        );
      expect(limits).not.toBeNull();
      const [, , getLogs, ranges, , tooMany] = limits!.map(Number);
      expect(getLogs).toBeGreaterThan(10);
      expect(ranges).toBeGreaterThan(0);
      expect(tooMany).toBeGreaterThan(0);
      if (!missing) {
        const index = report.index as {
          index: Record<string, number>;
          rpc: Record<string, number>;
          refusedReaders: number;
        };
        const n = (query: string) => index.index[query] ?? 0;
        expect(output).toMatch(/Index: \d+ reads from the index/);
        expect(n("anchor")).toBeGreaterThan(0);
        expect(n("auditTrail") + n("listGrants") + n("listRecords") + n("readers") + n("keyrings")).toBeGreaterThan(0);
        expect(index.refusedReaders).toBe(0);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
