import type { ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { JsonRpcProvider } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { Carechain, createFhirValidator, generateIdentity, MemoryBlobStore } from "../../sdk/index.js";
import { loadFhirDefinitions, loadIgnitionDeployment } from "../../sdk/node.js";
import { freePort, ROOT, run, startHardhatNode, stop } from "../helpers/processes.js";
import { ifAssigned } from "../helpers/teardown.js";

describe("a separately started hardhat node", () => {
  let node: ChildProcess;
  let url: string;
  const deploymentId = `test-${process.pid}-${Date.now()}`;
  const ignitionDir = join(ROOT, "ignition");

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    node = await startHardhatNode(port);
  });

  afterAll(async () => {
    if (ifAssigned(node)) await stop(node);
    await rm(join(ignitionDir, "deployments", deploymentId), { recursive: true, force: true });
  });

  it("an Ignition deployment loads into the SDK, which then works against the node", async () => {
    await run(
      "hardhat",
      [
        "ignition",
        "deploy",
        "ignition/modules/Carechain.ts",
        "--network",
        "localhost",
        "--deployment-id",
        deploymentId,
      ],
      { CARECHAIN_LOCALHOST_URL: url },
    );
    const deployment = await loadIgnitionDeployment(31337n, { ignitionDir, deploymentId });
    const addresses = JSON.parse(
      await readFile(join(ignitionDir, "deployments", deploymentId, "deployed_addresses.json"), "utf8"),
    ) as Record<string, string>;
    expect(deployment.directory).toBe(addresses["Carechain#Directory"]);

    const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
    const [registrarSigner, hospitalSigner] = await Promise.all([provider.getSigner(0), provider.getSigner(1)]);
    const shared = { deployment, store: new MemoryBlobStore(), validator: createFhirValidator(loadFhirDefinitions()) };
    const registrar = await Carechain.connect({ ...shared, signer: registrarSigner, identity: generateIdentity() });
    const hospital = await Carechain.connect({ ...shared, signer: hospitalSigner, identity: generateIdentity() });
    await registrar.registerProvider(await hospital.address(), "hospital", hospital.identity.publicKey);
    expect(await registrar.contracts.directory.isActiveProvider(await hospital.address())).toBe(true);
    provider.destroy();
  });

  it("npm run pilot -- --network localhost completes against it", async () => {
    const started = Date.now();
    const out = await mkdtemp(join(tmpdir(), "carechain-pilot-"));
    try {
      const output = await run(
        "tsx",
        [
          "--conditions=carechain-source",
          "scripts/pilot.ts",
          "--network",
          "localhost",
          "--out",
          out,
          "--store",
          join(out, "store"),
        ],
        {
          CARECHAIN_LOCALHOST_URL: url,
        },
      );
      expect(output).toContain("on localhost (chain 31337)");
      const report = JSON.parse(await readFile(join(out, "pilot-report.json"), "utf8")) as {
        network: string;
        steps: { ok: boolean }[];
        privacy: { findings: unknown[] };
      };
      expect(report.network).toBe("localhost");
      expect(report.steps.every((s: { ok: boolean }) => s.ok)).toBe(true);
      expect(report.privacy.findings).toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
      for (const dir of await readdir(join(ignitionDir, "deployments"))) {
        if (dir.startsWith("pilot-") && Number(dir.slice(6)) >= started) {
          await rm(join(ignitionDir, "deployments", dir), { recursive: true, force: true });
        }
      }
    }
  });
});
