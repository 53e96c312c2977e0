import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

import { Wallet } from "ethers";
import { describe, expect, it } from "vitest";

import { Carechain, Category, generateIdentity } from "./_sdk.js";
import { registeredFixture } from "../helpers/fixtures.js";

const dir = new URL("../../../shared/data/fhir/synthea", import.meta.url).pathname;
const present = existsSync(dir);
if (!present) console.warn(`skipping the Synthea import test: ${dir} is absent (a clone without ../shared)`);

describe("bundle import", () => {
  it.skipIf(!present)(
    "every Synthea bundle imports, anchors in batches, and reads back identical to its input resources",
    async () => {
      const f = await registeredFixture();
      const hospital = await f.hospital.address();
      const reader = new Carechain({
        contracts: f.hospital.contracts,
        signer: (await f.connection.ethers.getSigners())[1]!,
        identity: f.hospital.identity,
        store: f.store,
        validator: f.validator,
        logAccess: false,
      });
      const files = (await readdir(dir)).filter((name) => name.endsWith(".json")).sort();
      expect(files).toHaveLength(16);
      let imported = 0;
      for (const file of files) {
        const bundle = JSON.parse(await readFile(join(dir, file), "utf8")) as {
          entry: { resource: { resourceType: string } }[];
        };
        const wallet = Wallet.createRandom().connect(f.connection.ethers.provider);
        await f.connection.networkHelpers.setBalance(wallet.address, 10n ** 18n);
        const patient = await Carechain.connect({
          deployment: f.deployment,
          signer: wallet,
          identity: generateIdentity(),
          store: f.store,
          validator: f.validator,
        });
        await patient.registerPatient();
        const all = Object.values(Category);
        await patient.grant(hospital, { read: all, write: all, expiresAt: (await f.now()) + 3600 });

        const batches = await f.hospital.importBundle(wallet.address, bundle, { batchSize: 250 });
        expect(batches).toHaveLength(Math.ceil(bundle.entry.length / 250));
        const records = batches.flatMap((b) => b.records.map((r) => ({ ...r, batchId: b.batchId })));
        expect(records).toHaveLength(bundle.entry.length);
        for (const [i, record] of records.entries()) {
          const read = await reader.readRecord(record.recordId, { batch: record.batchId });
          expect(read.resource).toEqual(bundle.entry[i]!.resource);
        }
        imported += records.length;
      }
      expect(imported).toBeGreaterThan(3000);
    },
    600_000,
  );
});
