/**
 * The indexer (indexer/, Ponder with PGlite) against a separately started hardhat node: every answer of the
 * SDK's HttpIndexSource equals the RPC path's, it follows a reorg of the last blocks, and the SDK refuses an
 * indexer of another deployment, a stale one, and bad input.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  categoryMask,
  HttpIndexSource,
  IndexBehindError,
  IndexMismatchError,
  IndexResponseError,
  IndexUnavailableError,
} from "../e2e/_sdk.js";
import { heartRate } from "../helpers/fixtures.js";
import { indexerMissing, waitForBlock, type RunningIndexer } from "../helpers/indexer.js";
import { freePort, startHardhatNode, stop } from "../helpers/processes.js";
import { deployOnNode, expectIndexEqualsRpc, indexWorld, runScenario, type World } from "./_scenario.js";
import { ifAssigned } from "../helpers/teardown.js";

const missing = indexerMissing();
if (missing) console.warn(`skipping the indexer tests: ${missing}`);

describe.skipIf(missing !== undefined)("the indexer (PGlite)", () => {
  let node: ChildProcess;
  let rpcUrl: string;
  let world: World;
  let indexer: RunningIndexer;
  let index: HttpIndexSource;
  let pgliteDir: string;
  let patients: string[];
  let er: string;
  let custodian: string;

  beforeAll(async () => {
    rpcUrl = `http://127.0.0.1:${await freePort()}`;
    node = await startHardhatNode(Number(new URL(rpcUrl).port));
    world = await deployOnNode(rpcUrl);
    ({ patients, er, custodian } = await runScenario(world));
    pgliteDir = await mkdtemp(join(tmpdir(), "carechain-indexer-"));
    indexer = await indexWorld(world, rpcUrl, pgliteDir);
    index = new HttpIndexSource(indexer.url, { deployment: world.deployment, pageSize: 3 });
    await waitForBlock(indexer, await world.provider.getBlockNumber());
  });

  afterAll(async () => {
    ifAssigned(world)?.provider.destroy();
    if (ifAssigned(indexer)) await indexer.stop();
    if (ifAssigned(node)) await stop(node);
    if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
  });

  it("answers every query as the RPC path does (grants, records, batches, history, audit, readers, keyrings)", async () => {
    expect(indexer.output()).toMatch(/"msg":"Connected to database","type":"pglite"/);
    const checks = await expectIndexEqualsRpc(index, world.patient, patients);
    expect(checks).toBeGreaterThan(40);
    // The scenario's facts are really there (the comparison is not between two empty lists).
    const trail = await index.auditTrail(patients[0]!);
    expect(new Set(trail.map((e) => e.kind))).toEqual(
      new Set([
        "RecordAnchored",
        "ConsentGranted",
        "KeyringPublished",
        "BatchAnchored",
        "RecordAccessed",
        "DelegateAdded",
        "DelegateRemoved",
        "EmergencyCategoriesSet",
        "BreakGlassOpened",
        "EmergencyKeyReleased",
        "BreakGlassClosed",
        "ConsentRevoked",
      ]),
    );
    const grants = await index.grants(patients[0]!);
    expect(grants.filter((g) => g.active).length).toBeGreaterThan(0);
    expect(grants.filter((g) => !g.active).length).toBeGreaterThan(0);
    const records = await index.records(patients[0]!);
    expect(records.map((r) => r.version)).toEqual([1, 1, 2, 3]);
    expect((await index.history(records[3]!.recordId)).map((r) => r.recordId)).toEqual(
      records.slice(1).map((r) => r.recordId),
    );
    expect(await index.batches(patients[0]!)).toHaveLength(1);
    expect(await index.record(`0x${"ab".repeat(32)}`)).toBeUndefined();
    // The reader index: break-glass reads an emergency category without a grant for it; a suspended grantee is out.
    const allergyReaders = (await index.readers(patients[1]!, [1])).map((r) => r.account);
    expect(allergyReaders).toEqual(expect.arrayContaining([patients[1], er]));
    expect(allergyReaders).not.toContain(custodian);
    expect((await index.readers(patients[1]!, [7])).map((r) => r.account)).toContain(er);
    expect((await index.readers(patients[1]!, [5])).map((r) => r.account)).not.toContain(er);
    // Tables the SDK does not query are there for GraphQL and SQL clients: delegates, cancelled nonces.
    const response = await fetch(`${indexer.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query:
          "{ delegates { items { patient delegate kind confirmed active } } cancelledNonces { items { signer nonce } } }",
      }),
    });
    const { data } = (await response.json()) as {
      data: { delegates: { items: Record<string, unknown>[] }; cancelledNonces: { items: Record<string, unknown>[] } };
    };
    const proxy = await world.proxy.address();
    // (Ponder keeps hex columns, addresses included, in lower case; HttpIndexSource checksums what it returns.)
    const lower = (a: string) => a.toLowerCase();
    expect(data.delegates.items).toEqual([
      { patient: lower(patients[0]!), delegate: lower(proxy), kind: 2, confirmed: true, active: false },
    ]);
    expect(data.cancelledNonces.items.map((n) => n.signer)).toEqual([lower(proxy)]);
  });

  it("indexes a batch's manifest entries, fetched from the gateway and equal to the RPC path's batch records", async () => {
    const [batch] = await index.batches(patients[0]!);
    const refusal = /entries not indexed[^\n]*/.exec(indexer.output())?.[0];
    expect(batch?.entries, refusal ?? "no refusal logged").toHaveLength(batch!.count);
    // The manifest was fetched by its CID while the BatchAnchored event was indexed.
    expect(new Set(indexer.manifestRequests)).toEqual(new Set([batch!.manifestCid.toString()]));
    const rpc = (await world.patient.listRecords(patients[0]!)).filter((r) => r.batch === batch!.batchId);
    expect(rpc).toHaveLength(batch!.count);
    expect(batch!.entries!.map((e) => [e.recordId, categoryMask(e.categories)])).toEqual(
      rpc.map((r) => [r.recordId, r.categoryMask]),
    );
    // The CIDs are the manifest's, entry by entry.
    const manifest = JSON.parse(new TextDecoder().decode(await world.patient.store.get(batch!.manifestCid))) as {
      records: { content: string; keyring: string }[];
    };
    expect(batch!.entries!.map((e) => [e.contentCid.toString(), e.keyringCid.toString()])).toEqual(
      manifest.records.map((r) => [r.content, r.keyring]),
    );
  });

  it("follows a reorg: events of reverted blocks disappear, the canonical chain's appear", async () => {
    const patient = patients[0]!;
    const hospital = await world.hospital.address();
    const snapshot = (await world.provider.send("evm_snapshot", [])) as string;
    const orphan = await world.hospital.addRecord(patient, heartRate(90));
    await world.patient.revoke(hospital);
    const orphanHead = await world.provider.getBlockNumber();
    await waitForBlock(indexer, orphanHead);
    expect(await index.record(orphan.recordId)).toBeDefined();
    expect((await index.grants(patient)).find((g) => g.grantee === hospital)?.active).toBe(false);

    expect(await world.provider.send("evm_revert", [snapshot])).toBe(true);
    // The canonical chain: a different record, no revoke, and more blocks than the orphaned branch had.
    const canonical = await world.hospital.addRecord(patient, heartRate(91));
    await world.hospital.readRecord(canonical.recordId);
    await world.provider.send("hardhat_mine", ["0x2"]);
    const head = await world.provider.getBlockNumber();
    expect(head).toBeGreaterThan(orphanHead);
    await waitForBlock(indexer, head);

    expect(await index.record(orphan.recordId)).toBeUndefined();
    expect(await index.record(canonical.recordId)).toMatchObject({ recordId: canonical.recordId, patient });
    expect((await index.grants(patient)).filter((g) => g.grantee === hospital).at(-1)?.active).toBe(true);
    await expectIndexEqualsRpc(index, world.patient, patients);
  });

  it("follows an erasure: the erased version is flagged, as on chain, and the rest is unchanged", async () => {
    const patient = patients[0]!;
    const added = await world.hospital.addRecord(patient, heartRate(77));
    await waitForBlock(indexer, await world.provider.getBlockNumber());
    expect((await index.record(added.recordId))?.erased).toBe(false);
    const erased = await world.patient.erase({ recordId: added.recordId });
    expect(erased.recordIds).toContain(added.recordId);
    await waitForBlock(indexer, await world.provider.getBlockNumber());
    expect(await index.record(added.recordId)).toMatchObject({ recordId: added.recordId, erased: true });
    expect((await world.patient.getRecord(added.recordId)).erased).toBe(true);
    await expectIndexEqualsRpc(index, world.patient, patients);
  });

  it("refuses an indexer of another deployment, a stale answer, unreachable and malformed answers", async () => {
    const other = new HttpIndexSource(indexer.url, {
      deployment: { ...world.deployment, recordRegistry: world.deployment.directory },
    });
    await expect(other.grants(patients[0]!)).rejects.toBeInstanceOf(IndexMismatchError);
    const head = (await index.info()).head!.block;
    await expect(index.records(patients[0]!, { minBlock: head + 5 })).rejects.toMatchObject({
      code: "INDEX_BEHIND",
      head,
      wanted: head + 5,
    });
    await expect(index.records(patients[0]!, { minBlock: head + 5 })).rejects.toBeInstanceOf(IndexBehindError);

    const down = new HttpIndexSource(`http://127.0.0.1:${await freePort()}`, { timeoutMs: 2_000 });
    await expect(down.grants(patients[0]!)).rejects.toBeInstanceOf(IndexUnavailableError);

    // A hostile or broken indexer: wrong shapes are refused field by field, never passed on.
    const lying = (body: unknown, status = 200) =>
      new HttpIndexSource("http://indexer.invalid", {
        fetch: async () => new Response(typeof body === "string" ? body : JSON.stringify(body), { status }),
      });
    const headJson = { block: 5, timestamp: 1 };
    await expect(lying("<html>").grants(patients[0]!)).rejects.toBeInstanceOf(IndexResponseError);
    await expect(
      lying({ head: headJson, items: [{ account: "0x1234", key: "0x00", role: "patient" }] }).readers(
        patients[0]!,
        [1],
      ),
    ).rejects.toMatchObject({ code: "INDEX_RESPONSE", details: expect.stringContaining("account") as unknown });
    await expect(
      lying({
        head: headJson,
        items: [
          {
            keyringCid: "0xdeadbeef",
            recordId: `0x${"00".repeat(32)}`,
            patient: patients[0],
            publisher: patients[0],
            source: "anchor",
            block: 1,
            tx: `0x${"00".repeat(32)}`,
          },
        ],
      }).keyrings(`0x${"00".repeat(32)}`),
    ).rejects.toMatchObject({ code: "INDEX_RESPONSE", details: expect.stringContaining("keyringCid") as unknown });
    await expect(lying({ error: "x" }, 503).grants(patients[0]!)).rejects.toBeInstanceOf(IndexUnavailableError);
    const notYet = lying({ error: { code: "NOT_INDEXED", message: "no block yet" } }, 404);
    await expect(notYet.record(`0x${"00".repeat(32)}`)).rejects.toBeInstanceOf(IndexUnavailableError);
    expect(
      await lying({ error: { code: "RECORD_NOT_INDEXED", message: "none" } }, 404).record(`0x${"00".repeat(32)}`),
    ).toBeUndefined();
    await expect(lying({ error: "x" }, 400).grants(patients[0]!)).rejects.toMatchObject({
      code: "INDEX_RESPONSE",
      status: 400,
    });

    expect(() => new HttpIndexSource("ftp://x")).toThrow(TypeError);
    await expect(index.grants("0x1234")).rejects.toThrow(TypeError);
    await expect(index.readers(patients[0]!, [64 as never])).rejects.toThrow(RangeError);
    await expect(index.readers(patients[0]!, [])).rejects.toThrow(RangeError);
    // The indexer's own API refuses bad input with 400 and a code.
    const response = await fetch(`${indexer.url}/v1/patients/0x12/grants`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: "BAD_ADDRESS", message: "patient must be a 0x address" } });
  });
});
