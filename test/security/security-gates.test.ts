/**
 * The security gates themselves: the Solidity lint is configured and clean, it still catches what it should, the
 * coverage gate reads lcov as intended, `npm run test:security` wires them together, and docs/security.md keeps a
 * section for every attacker of the threat model — plus the front-runner squatting batch roots, whose "cannot" the
 * contract and SDK must uphold. Fast: no Solidity test run; the squatter runs on in-process chains.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { getBytes } from "ethers";
import { CID } from "multiformats/cid";
import { describe, expect, it } from "vitest";

import { parseLcov, parseStatementTable } from "../../scripts/coverage.js";
import { batchTree, decodeManifest, encodeManifest } from "../../sdk/client/batch.js";
import { batchIdOf, Carechain, Category, DecryptionError, IntegrityError, recordIdOf } from "../e2e/_sdk.js";
import { heartRate, registeredFixture } from "../helpers/fixtures.js";
import { ROOT, run } from "../helpers/processes.js";

const SOLHINT_ARGS = ["--disc", "--noPoster", "--max-warnings", "0"];

describe("Solidity lint (solhint)", () => {
  it("has a committed .solhint.json that extends solhint:recommended", async () => {
    const path = join(ROOT, ".solhint.json");
    expect(existsSync(path), ".solhint.json exists").toBe(true);
    const config = JSON.parse(await readFile(path, "utf8")) as { extends?: string; rules?: Record<string, unknown> };
    expect(config.extends).toBe("solhint:recommended");
    // The security rules of the recommended set are never switched off.
    for (const rule of [
      "avoid-tx-origin",
      "reentrancy",
      "avoid-low-level-calls",
      "no-inline-assembly",
      "state-visibility",
    ]) {
      expect(config.rules?.[rule], rule).toBeUndefined();
    }
  });

  it("passes on contracts/**/*.sol with no warning", async () => {
    const output = await run("solhint", [...SOLHINT_ARGS, "contracts/**/*.sol"]);
    expect(output).not.toMatch(/warning|error/i);
  });

  it("still fails on a contract that breaks a recommended rule (the gate is not vacuous)", async () => {
    const dir = join(ROOT, ".carechain", `solhint-${process.pid}`);
    await mkdir(dir, { recursive: true });
    const file = join(dir, "Bad.sol");
    await writeFile(
      file,
      [
        "// SPDX-License-Identifier: Apache-2.0",
        "pragma solidity ^0.8.28;",
        "",
        "/// @title Bad",
        "/// @notice Uses tx.origin for authorisation.",
        "contract Bad {",
        "    /// @notice The original sender.",
        "    function who() external view returns (address) {",
        "        return tx.origin;",
        "    }",
        "}",
        "",
      ].join("\n"),
    );
    try {
      const relative = join(".carechain", `solhint-${process.pid}`, "Bad.sol");
      await expect(run("solhint", [...SOLHINT_ARGS, "-c", ".solhint.json", relative])).rejects.toThrow(
        /avoid-tx-origin/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("coverage gate (scripts/coverage.ts)", () => {
  it("reads LF/LH and BRF/BRH of contracts/ files only, and counts DA/BRDA when summaries are missing", () => {
    const lcov = [
      "TN:",
      "SF:contracts/A.sol",
      "DA:1,1",
      "DA:2,0",
      "LH:1",
      "LF:2",
      "end_of_record",
      "SF:contracts/B.sol",
      "DA:1,3",
      "DA:2,1",
      "BRDA:2,0,0,1",
      "BRDA:2,0,1,-",
      "end_of_record",
      "SF:test/contracts/T.t.sol",
      "LH:0",
      "LF:9",
      "end_of_record",
    ].join("\n");
    expect(parseLcov(lcov)).toEqual([
      { file: "contracts/A.sol", linesFound: 2, linesHit: 1 },
      { file: "contracts/B.sol", linesFound: 2, linesHit: 2, branchesFound: 2, branchesHit: 1 },
    ]);
  });

  it("reads statement percentages from Hardhat's printed table", () => {
    const table = [
      "║ File Path                     │ Line % │ Statement % │ Uncovered Lines       ║",
      "║ contracts/Directory.sol       │ 100.00 │ 100.00      │ -                     ║",
      "║ \u001b[33mcontracts/RecordRegistry.sol\u001b[39m  │ 91.49  │ 90.60       │ 109-112               ║",
      "║ Total                         │ 96.54  │ 96.14       │                       ║",
    ].join("\n");
    const { files, total } = parseStatementTable(table);
    expect(Object.fromEntries(files)).toEqual({ "contracts/Directory.sol": 100, "contracts/RecordRegistry.sol": 90.6 });
    expect(total).toBe(96.14);
  });
});

describe("npm scripts", () => {
  it("lint:sol, coverage and test:security are wired as documented", async () => {
    const { scripts } = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(scripts["lint:sol"]).toContain("solhint");
    expect(scripts["lint:sol"]).toContain("--max-warnings 0");
    expect(scripts["lint:sol"]).toContain("contracts/**/*.sol");
    expect(scripts.coverage).toContain("scripts/coverage.ts");
    const security = scripts["test:security"] ?? "";
    expect(security).toContain("npm run -s lint:sol");
    expect(security).toContain("npm run -s coverage");
    for (const file of [
      "test/security",
      "test/sdk/crypto",
      "test/sdk/errors",
      "test/sdk/fhir/strict.test.ts",
      "test/e2e/signed-consent.test.ts",
      "test/e2e/break-glass.test.ts",
      "test/e2e/consent-and-integrity.test.ts",
    ]) {
      expect(security, file).toContain(file);
      expect(existsSync(join(ROOT, file)), `${file} exists`).toBe(true);
    }
    // The folders hold the security suites (run as folders, not listed one by one).
    for (const file of [
      "test/security/security-gates.test.ts",
      "test/security/consent-properties.test.ts",
      "test/security/hostile-writers.test.ts",
      "test/security/hostile-objects.test.ts",
      "test/sdk/crypto/envelope.test.ts",
      "test/sdk/crypto/keyring.test.ts",
      "test/sdk/crypto/keywrap.test.ts",
      "test/sdk/errors/errors.test.ts",
    ]) {
      expect(existsSync(join(ROOT, file)), `${file} exists`).toBe(true);
    }
  });
});

describe("docs/security.md", () => {
  /** The threat model's sections: every asset list, actor list and attacker has its own heading. */
  const HEADINGS = [
    "## Assets",
    "## Actors",
    "## Trust assumptions",
    "## Attackers",
    "### An observer with chain access",
    "### A validator",
    "### An attacker with store access",
    "### A network attacker",
    "### A stolen provider key",
    "### A malicious relayer",
    "### A malicious or compromised custodian",
    "### A malicious grantee after revocation",
    "### A front-runner squatting record or batch ids",
    "### A malicious registrar or admin",
    "### A malicious delegate",
    "### A malicious author",
    "## What is protected",
    "## What is not protected",
    "## Recovering from a lost key",
    "## Static analysis and coverage",
  ];

  it("has a heading for each asset group, actor list and attacker", async () => {
    const doc = await readFile(join(ROOT, "docs", "security.md"), "utf8");
    const headings = new Set(
      doc
        .split("\n")
        .filter((l) => l.startsWith("#"))
        .map((l) => l.trim()),
    );
    const missing = HEADINGS.filter((h) => ![...headings].some((line) => line === h || line.startsWith(`${h} `)));
    expect(missing).toEqual([]);
  });

  it("each attacker section says what it can and cannot do, and names its mitigations", async () => {
    const doc = await readFile(join(ROOT, "docs", "security.md"), "utf8");
    const attackers = doc.slice(doc.indexOf("## Attackers"), doc.indexOf("## What is protected"));
    const sections = attackers.split(/\n(?=### )/).slice(1);
    expect(sections.length).toBeGreaterThanOrEqual(12);
    for (const section of sections) {
      const title = section.split("\n")[0];
      expect(section, title).toMatch(/\*\*Can\*\*/);
      expect(section, title).toMatch(/\*\*Cannot\*\*/);
      expect(section, title).toMatch(/\*\*Mitigations\*\*/);
      // Mitigations name code: a contract function or SDK call in backticks.
      expect(section, title).toMatch(/`[A-Za-z]+[.(][^`]*`|`[a-z][A-Za-z]+`/);
    }
  });

  it("names the assets and actors of the threat model", async () => {
    const doc = await readFile(join(ROOT, "docs", "security.md"), "utf8");
    const assets = doc.slice(doc.indexOf("## Assets"), doc.indexOf("## Actors"));
    for (const asset of [
      "Plaintext records",
      "Record keys",
      "Identity keys",
      "Consent state",
      "Audit trail",
      "Who-treats-whom metadata",
    ]) {
      expect(assets, asset).toContain(asset);
    }
    const actors = doc.slice(doc.indexOf("## Actors"), doc.indexOf("## Trust assumptions"));
    for (const actor of [
      "Patient",
      "Delegate",
      "Provider",
      "Registrar",
      "Emergency provider",
      "Custodian",
      "Relayer",
      "Store operator",
      "Chain observer",
      "Validator",
      "Network attacker",
    ]) {
      expect(actors, actor).toContain(actor);
    }
  });
});

describe("docs/security.md: a front-runner squatting record or batch ids", () => {
  it("a hostile patient or writer anchoring the root first blocks nothing, and its batch never shows the records", async () => {
    // Chain A: what the hospital is about to anchor for alice (its manifest, blobs and root), as seen in the mempool.
    const a = await registeredFixture();
    const alice = await a.patient.address();
    const hospital = await a.hospital.address();
    await a.patient.grant(hospital, { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt: (await a.now()) + 3600 });
    const batch = await a.hospital.addRecords(alice, [heartRate(70), heartRate(71)]);
    const event = (
      await a.hospital.context.logs.query(
        a.hospital.contracts.records,
        a.hospital.contracts.records.filters.BatchAnchored(batch.batchId),
        0,
      )
    )[0]!;
    const manifestCid = event.args.manifestCid;
    const categories = 1n << BigInt(Category.VitalSigns);
    const recordId = batch.records[0]!.recordId;

    // Chain B, same store: bob (a registered patient, on his own records) and the lab (a writer alice granted)
    // anchor alice's root first, with the manifest CID they saw.
    const b = await registeredFixture(a.store);
    const bob = await b.stranger.address();
    const lab = await b.lab.address();
    await b.stranger.registerPatient();
    await b.patient.grant(hospital, { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt: (await b.now()) + 3600 });
    await b.patient.grant(lab, { write: ["VitalSigns"], expiresAt: (await b.now()) + 3600 });
    await (await b.stranger.contracts.records.anchorBatch(bob, batch.root, categories, 2, manifestCid)).wait();
    await (await b.lab.contracts.records.anchorBatch(alice, batch.root, categories, 2, manifestCid)).wait();
    // The hospital's pending anchor still lands, under its own id.
    await (await b.hospital.contracts.records.anchorBatch(alice, batch.root, categories, 2, manifestCid)).wait();
    const onChain = await b.hospital.contracts.records.batch(batch.batchId);
    expect([onChain.patient, onChain.author, onChain.root]).toEqual([alice, hospital, batch.root]);

    const hospitalB = await Carechain.connect({
      deployment: b.deployment,
      signer: (await b.connection.ethers.getSigners())[1]!,
      identity: a.hospital.identity,
      store: a.store,
      validator: a.validator,
    });
    expect((await hospitalB.readRecord(recordId, { batch: batch.batchId })).resource).toEqual(heartRate(70));
    expect((await hospitalB.proveBatchRecord(batch.batchId, recordId)).verifiedOnChain).toBe(true);
    // The squatters' batches never show alice's records as theirs: the manifest names another patient or author.
    for (const squat of [batchIdOf(bob, bob, batch.root), batchIdOf(alice, lab, batch.root)]) {
      await expect(hospitalB.readRecord(recordId, { batch: squat })).rejects.toBeInstanceOf(IntegrityError);
      await expect(hospitalB.proveBatchRecord(squat, recordId)).rejects.toBeInstanceOf(IntegrityError);
    }

    // Chain C: bob rewrites the manifest to name himself as patient and author (its record ids no longer match,
    // so it is refused as malformed) — and even with ids recomputed for himself, a record never decrypts as bob's:
    // each envelope's associated data binds alice, the hospital and the category.
    const c = await registeredFixture(a.store);
    const bobC = await c.stranger.address();
    await c.stranger.registerPatient();
    const original = decodeManifest(await a.store.get(CID.decode(getBytes(manifestCid))));
    const rewritten = {
      ...original,
      patient: bobC,
      author: bobC,
      records: original.records.map((r) => ({ ...r, recordId: recordIdOf(bobC, bobC, CID.parse(r.content)) })),
    };
    const rewrittenCid = await a.store.put(encodeManifest(rewritten));
    const rewrittenRoot = batchTree(rewritten).root;
    await (
      await c.stranger.contracts.records.anchorBatch(bobC, rewrittenRoot, categories, 2, rewrittenCid.bytes)
    ).wait();
    await c.stranger.grant(hospital, { read: ["VitalSigns"], expiresAt: (await c.now()) + 3600 });
    const hospitalC = await Carechain.connect({
      deployment: c.deployment,
      signer: (await c.connection.ethers.getSigners())[1]!,
      identity: a.hospital.identity,
      store: a.store,
      validator: a.validator,
    });
    const squatC = batchIdOf(bobC, bobC, rewrittenRoot);
    const bobsId = rewritten.records[0]!.recordId;
    expect((await hospitalC.proveBatchRecord(squatC, bobsId)).verifiedOnChain).toBe(true);
    await expect(hospitalC.readRecord(bobsId, { batch: squatC })).rejects.toBeInstanceOf(DecryptionError);
  });
});
