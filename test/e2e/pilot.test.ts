import { existsSync } from "node:fs";

import { hexlify } from "ethers";
import { describe, expect, it } from "vitest";

import { MemoryBlobStore } from "../../sdk/index.js";
import { fhirBundleSource } from "../../scripts/pilot/data.js";
import { privacyScan } from "../../scripts/pilot/privacy.js";
import { renderMarkdown } from "../../scripts/pilot/report.js";
import { runPilot } from "../../scripts/pilot/run.js";
import { identifyingStrings, syntheticPatient } from "../../scripts/pilot/synthetic.js";
import consortium from "../../scripts/scenarios/consortium.js";
import foundation from "../../scripts/scenarios/foundation.js";
import { createChain } from "../helpers/chain.js";

describe("the foundation pilot", () => {
  it("runs every step as expected, with no PHI on chain and every record intact", async () => {
    const connection = await createChain();
    const { report, passed, failure } = await runPilot({
      scenario: foundation,
      connection,
      store: new MemoryBlobStore(),
      log: () => {},
    });
    expect(failure).toBeUndefined();
    expect(passed).toBe(true);
    expect(report.records).toBe(3);
    expect(report.steps.map((s) => [s.name, s.ok])).toContainEqual(["read without consent", true]);
    expect(report.steps.find((s) => s.name === "read without consent")?.refusedWith).toBe(
      "RecordReadConsentRequiredError",
    );
    expect(report.steps.find((s) => s.name === "add record after revoke")?.refusedWith).toBe(
      "RecordWriteConsentRequiredError",
    );
    expect(report.steps.find((s) => s.name === "add Observation")!.gasUsed).toBeGreaterThan(21_000);
    // The scan looked at real traffic, for the strings of the input records, and found none of them.
    expect(report.privacy.transactions).toBeGreaterThan(10);
    expect(report.privacy.needles).toBeGreaterThan(20);
    expect(report.privacy.findings).toEqual([]);
    expect(report.integrity).toEqual({ checked: 3, failures: [], tamperCaught: 0 });
    expect(report.audit.map((a) => a.event)).toEqual(
      expect.arrayContaining([
        "ProviderRegistered",
        "PatientRegistered",
        "ConsentGranted",
        "RecordAnchored",
        "ConsentRevoked",
      ]),
    );
    await connection.close();
  });

  it("the default consortium pilot: every episode as expected, the planted tamper caught, no PHI on chain", async () => {
    const connection = await createChain();
    const { report, passed, failure } = await runPilot({
      scenario: consortium,
      connection,
      store: new MemoryBlobStore(),
      log: () => {},
      patients: 2,
    });
    expect(failure).toBeUndefined();
    expect(passed).toBe(true);
    const outcome = (name: string) => report.steps.find((s) => s.name === name);
    expect(outcome("read problem for payment")?.ok).toBe(true);
    expect(outcome("read problem for treatment")?.refusedWith).toBe("RecordReadConsentRequiredError");
    expect(outcome("read lab result for research")?.ok).toBe(true);
    expect(outcome("read problem list for research")?.refusedWith).toBe("RecordReadConsentRequiredError");
    expect(outcome("read allergies via the custodian")?.ok).toBe(true);
    expect(outcome("read after break-glass closed")?.refusedWith).toBe("RecordReadConsentRequiredError");
    expect(outcome("sign referral grant (patient holds no ETH)")?.transactions).toBe(0);
    expect(outcome("read the referred problem")?.ok).toBe(true);
    expect(outcome("grant before being a delegate")?.refusedWith).toBe("ConsentUnauthorizedActorError");
    expect(outcome("grant clinic for the minor")?.ok).toBe(true);
    expect(outcome("read a tampered record")?.refusedWith).toBe("IntegrityError");
    expect(report.integrity.failures).toEqual([]);
    expect(report.integrity.tamperCaught).toBe(1);
    expect(report.privacy.findings).toEqual([]);
    expect(report.privacy.storageSlots).toBeGreaterThan(50); // every slot the contracts wrote was searched too
    expect(report.patients).toBe(2);
    expect(report.steps.filter((s) => s.name === "register patient")).toHaveLength(3); // patient 1, the minor, patient 2
    // One address per patient: an outside observer links every relationship of a patient by address reuse.
    const { linkability } = report.privacy;
    const patient1 = linkability.perPatient.find((p) => p.patient === "Patient 1")!;
    expect(patient1.accounts).toBe(1);
    expect(patient1.relationships).toBeGreaterThanOrEqual(6); // hospital, lab, insurer, research, emergency, specialist
    expect(patient1.linked).toBe(patient1.pairs);
    expect(linkability.pairs).toBeGreaterThanOrEqual(16); // and patient 2's hospital and lab
    expect(linkability.linked).toBe(linkability.pairs);
    expect(linkability.byEvidence.address).toBe(linkability.pairs);
    expect(linkability.crossPatientLinks).toBe(0);
    expect(linkability.keyringsUnavailable).toBe(0);
    const markdown = renderMarkdown(report);
    expect(markdown).toContain("## Linkability (an outside observer)");
    expect(markdown).toContain(`| **any hard evidence, combined** | **${linkability.pairs}** | ${linkability.pairs} |`);
    expect(markdown).toContain(`- Linkability: ${linkability.linked} of ${linkability.pairs} pairs`);
    await connection.close();
  });

  it("the privacy scan finds PHI planted on chain, in each encoding", async () => {
    const connection = await createChain();
    const [sender] = await connection.ethers.getSigners();
    const { patient } = syntheticPatient(7, 0);
    const name = (patient.name as { family: string }[])[0]!.family;
    const birthDate = patient.birthDate as string;
    const mrn = (patient.identifier as { value: string }[])[0]!.value;
    const from = (await connection.ethers.provider.getBlockNumber()) + 1;
    const plant = async (data: Uint8Array) =>
      (await sender!.sendTransaction({ to: sender!.address, data: hexlify(data) })).wait();
    await plant(new TextEncoder().encode(`note: ${name}`));
    await plant(Buffer.from(birthDate, "utf16le"));
    await plant(new TextEncoder().encode(Buffer.from(mrn).toString("base64")));
    // A throwaway contract whose constructor writes the patient's name into storage slot 0.
    const word = Buffer.alloc(32);
    Buffer.from(name).copy(word);
    // PUSH32 word, PUSH1 0, SSTORE, PUSH1 0, PUSH1 0, RETURN (an empty runtime).
    const initcode = `0x7f${word.toString("hex")}60005560006000f3`;
    await (await sender!.sendTransaction({ data: initcode })).wait();
    const result = await privacyScan(connection.ethers.provider, identifyingStrings([patient]), from);
    expect(result.storageSkipped).toBeUndefined();
    expect(result.storageSlots).toBeGreaterThan(0);
    expect(result.findings.some((f) => f.needle === name && f.where.startsWith("storage of"))).toBe(true);
    expect(result.findings.map((f) => [f.needle, f.encoding])).toEqual(
      expect.arrayContaining([
        [name, "utf8"],
        [birthDate, "utf16le"],
        [mrn, "base64"],
      ]),
    );
    await connection.close();
  });
});

describe("the pilot on real Synthea patients (--data)", () => {
  const dir = new URL("../../../shared/data/fhir/synthea", import.meta.url).pathname;
  const present = existsSync(dir);
  if (!present) console.warn(`skipping the --data pilot test: ${dir} is absent (a clone without ../shared)`);
  it.skipIf(!present)("runs the default scenario on Synthea bundles with no PHI on chain", async () => {
    const connection = await createChain();
    const source = await fhirBundleSource(dir);
    expect(source.size).toBe(16);
    const { report, passed, failure } = await runPilot({
      scenario: consortium,
      connection,
      store: new MemoryBlobStore(),
      log: () => {},
      patients: 3,
      source,
    });
    expect(failure).toBeUndefined();
    expect(passed).toBe(true);
    expect(report.privacy.needles).toBeGreaterThan(100);
    expect(report.privacy.findings).toEqual([]);
    await connection.close();
  });
});
