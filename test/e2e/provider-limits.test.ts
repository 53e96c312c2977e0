import type { ChildProcess } from "node:child_process";

import { JsonRpcProvider, JsonRpcSigner, NonceManager } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  Carechain,
  createFhirValidator,
  deployCarechain,
  generateIdentity,
  MemoryBlobStore,
  type CarechainDeployment,
} from "../../sdk/index.js";
import { loadFhirDefinitions } from "../../sdk/node.js";
import { heartRate, penicillinAllergy } from "../helpers/fixtures.js";
import { LimitingRpcProxy } from "../helpers/limiting-proxy.js";
import { freePort, startHardhatNode, stop } from "../helpers/processes.js";
import { ifAssigned } from "../helpers/teardown.js";

const CHAIN_ID = 31337;
const GAP = "0xc350"; // 50,000 blocks between the steps: over 200,000 blocks of history in all

/**
 * The client's reads, through an RPC proxy that behaves like a hosted provider (2,000-block eth_getLogs cap, at most
 * 1 log per answer, bursts of 429, requests held past the client's timeout), on a chain with more than 200,000
 * blocks: every answer equals the one read straight from the node.
 */
describe("the client under hosted-provider limits, on a long chain", () => {
  let node: ChildProcess;
  let direct: JsonRpcProvider;
  let limited: JsonRpcProvider;
  let proxy: LimitingRpcProxy;
  let deployment: CarechainDeployment;
  const store = new MemoryBlobStore();
  const validator = createFhirValidator(loadFhirDefinitions());
  const identities = {
    registrar: generateIdentity(),
    hospital: generateIdentity(),
    lab: generateIdentity(),
    patient: generateIdentity(),
  };
  const logs = { baseDelayMs: 5, maxDelayMs: 40, timeoutMs: 500 };

  /** A client of node account `index`, straight to the node or through the limiting proxy. */
  const client = (provider: JsonRpcProvider, index: number, identity: (typeof identities)[keyof typeof identities]) =>
    provider
      .getSigner(index)
      .then((signer: JsonRpcSigner) => Carechain.connect({ deployment, signer, identity, store, validator, logs }));

  beforeAll(async () => {
    const port = await freePort();
    node = await startHardhatNode(port);
    direct = new JsonRpcProvider(`http://127.0.0.1:${port}`, CHAIN_ID, { staticNetwork: true });
    proxy = new LimitingRpcProxy(`http://127.0.0.1:${port}`, {
      maxBlockRange: 2_000,
      maxResults: 1,
      every429: 11,
      burst429: 2,
      everyTimeout: 97,
      timeoutHoldMs: 900,
    });
    await proxy.start();
    limited = new JsonRpcProvider(proxy.url, CHAIN_ID, { staticNetwork: true, batchMaxCount: 1 });
    deployment = await deployCarechain(new NonceManager(await direct.getSigner(0)));
  }, 120_000);

  afterAll(async () => {
    ifAssigned(limited)?.destroy();
    ifAssigned(direct)?.destroy();
    await ifAssigned(proxy)?.stop();
    if (ifAssigned(node)) await stop(node);
  });

  it("writes and reads through the proxy, and every read equals the unlimited node's", async () => {
    const mine = () => direct.send("hardhat_mine", [GAP]);
    // Writers act through the limited provider: their reader-key lookups page through it too.
    const registrar = await client(limited, 0, identities.registrar);
    const hospital = await client(limited, 1, identities.hospital);
    const lab = await client(limited, 2, identities.lab);
    const patient = await client(limited, 3, identities.patient);
    await registrar.registerProvider(await hospital.address(), "hospital", hospital.identity.publicKey);
    await registrar.registerProvider(await lab.address(), "lab", lab.identity.publicKey);
    await patient.registerPatient();
    const p = await patient.address();
    await mine();
    const expiresAt = new Date(Date.now() + 365 * 86_400_000); // the mined gaps move the chain's clock by days
    await patient.grant(await hospital.address(), {
      read: ["VitalSigns", "Allergies"],
      write: ["VitalSigns", "Allergies"],
      expiresAt,
    });
    await patient.grant(await lab.address(), { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt });
    await mine();
    const first = await hospital.addRecord(p, heartRate(71, `Patient/${p}`));
    const allergy = await hospital.addRecord(p, penicillinAllergy(`Patient/${p}`));
    await mine();
    const batch = await lab.addRecords(
      p,
      [72, 73, 74, 75, 76].map((bpm) => heartRate(bpm, `Patient/${p}`)),
    );
    const amended = await hospital.amendRecord(first.recordId, heartRate(70, `Patient/${p}`));
    await mine();
    await hospital.readRecord(allergy.recordId);
    await patient.revoke(await lab.address());
    expect(await direct.getBlockNumber()).toBeGreaterThan(200_000);

    // The same questions, straight to the node (no limits) and through the proxy.
    const straight = await client(direct, 3, identities.patient);
    const comparisons: [string, (c: Carechain) => Promise<unknown>][] = [
      ["listGrants", (c) => c.listGrants(p)],
      ["auditTrail", (c) => c.auditTrail(p)],
      ["listRecords", (c) => c.listRecords(p)],
      ["history", (c) => c.history(amended.recordId)],
      ["readRecord", async (c) => (await c.readRecord(first.recordId)).resource],
      [
        "readRecord (batch)",
        async (c) => (await c.readRecord(batch.records[2]!.recordId, { batch: batch.batchId })).resource,
      ],
    ];
    for (const [name, ask] of comparisons) {
      expect(JSON.parse(JSON.stringify(await ask(patient), bigints)), name).toEqual(
        JSON.parse(JSON.stringify(await ask(straight), bigints)),
      );
    }
    const trail = await patient.auditTrail(p);
    expect(trail.map((e) => e.kind)).toEqual(
      expect.arrayContaining(["ConsentGranted", "RecordAnchored", "BatchAnchored", "RecordAccessed", "ConsentRevoked"]),
    );
    // The limits were in the way, and the client went around every one of them.
    const { rangeRefusals, resultRefusals, tooMany, held } = proxy.stats;
    expect({ rangeRefusals, resultRefusals, tooMany, held }).not.toMatchObject({ rangeRefusals: 0 });
    expect(proxy.stats.rangeRefusals).toBeGreaterThan(0);
    expect(proxy.stats.resultRefusals).toBeGreaterThan(0);
    expect(proxy.stats.tooMany).toBeGreaterThan(0);
    expect(proxy.stats.held).toBeGreaterThan(0);
  }, 600_000);
});

function bigints(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
