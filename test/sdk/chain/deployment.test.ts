import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CarechainError, DeploymentError, IGNITION_IDS, parseDeployment } from "../../../sdk/index.js";
import { loadDeploymentFile, loadIgnitionDeployment } from "../../../sdk/node.js";

// Hardhat's first three deterministic deployment addresses (lower-case and checksummed).
const DIRECTORY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const CONSENT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const RECORDS = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";
const lower = (a: string) => a.toLowerCase();

const expected = { chainId: 31337n, directory: DIRECTORY, consentRegistry: CONSENT, recordRegistry: RECORDS };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(
        `expected a rejection, got ${JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`,
      );
    },
    (error: unknown) => error,
  );
}

describe("parseDeployment", () => {
  it("uses Ignition's future ids", () => {
    expect(IGNITION_IDS).toEqual({
      directory: "Carechain#Directory",
      consentRegistry: "Carechain#ConsentRegistry",
      recordRegistry: "Carechain#RecordRegistry",
    });
  });

  it.each([
    {
      name: "Ignition's deployed_addresses.json shape (checksummed)",
      json: {
        "Carechain#Directory": DIRECTORY,
        "Carechain#ConsentRegistry": CONSENT,
        "Carechain#RecordRegistry": RECORDS,
      },
    },
    {
      name: "Ignition's shape, lower-case addresses",
      json: {
        "Carechain#Directory": lower(DIRECTORY),
        "Carechain#ConsentRegistry": lower(CONSENT),
        "Carechain#RecordRegistry": lower(RECORDS),
      },
    },
    {
      name: "Ignition's shape with other futures in the file",
      json: {
        "Other#Token": "0x0000000000000000000000000000000000000001",
        "Carechain#Directory": DIRECTORY,
        "Carechain#ConsentRegistry": CONSENT,
        "Carechain#RecordRegistry": RECORDS,
      },
    },
    { name: "the plain shape", json: { directory: DIRECTORY, consentRegistry: CONSENT, recordRegistry: RECORDS } },
    {
      name: "the plain shape, upper-case hex digits",
      json: {
        directory: "0x" + DIRECTORY.slice(2).toUpperCase(),
        consentRegistry: "0x" + CONSENT.slice(2).toUpperCase(),
        recordRegistry: "0x" + RECORDS.slice(2).toUpperCase(),
      },
    },
    {
      name: "a mix of both shapes",
      json: { "Carechain#Directory": lower(DIRECTORY), consentRegistry: lower(CONSENT), recordRegistry: RECORDS },
    },
  ])("accepts $name and normalises to checksummed addresses", ({ json }) => {
    expect(parseDeployment(json, 31337n)).toEqual(expected);
  });

  it("keeps the chain id it is given", () => {
    expect(
      parseDeployment({ directory: DIRECTORY, consentRegistry: CONSENT, recordRegistry: RECORDS }, 11155111n).chainId,
    ).toBe(11155111n);
  });

  const complete = { directory: DIRECTORY, consentRegistry: CONSENT, recordRegistry: RECORDS };
  it.each([
    { name: "null", json: null, message: /must be a JSON object/ },
    { name: "a string", json: DIRECTORY, message: /must be a JSON object/ },
    { name: "a number", json: 1, message: /must be a JSON object/ },
    { name: "an empty object", json: {}, message: /no directory address/ },
    { name: "an array", json: [DIRECTORY, CONSENT, RECORDS], message: /no directory address/ },
    {
      name: "directory missing",
      json: { consentRegistry: CONSENT, recordRegistry: RECORDS },
      message: /no directory address/,
    },
    {
      name: "consentRegistry missing",
      json: { directory: DIRECTORY, recordRegistry: RECORDS },
      message: /no consentRegistry address/,
    },
    {
      name: "recordRegistry missing",
      json: { directory: DIRECTORY, consentRegistry: CONSENT },
      message: /no recordRegistry address/,
    },
    {
      name: "Ignition file of another module",
      json: { "Other#Directory": DIRECTORY, "Other#ConsentRegistry": CONSENT, "Other#RecordRegistry": RECORDS },
      message: /no directory address/,
    },
    { name: "address is a number", json: { ...complete, directory: 1234 }, message: /no directory address/ },
    { name: "address is null", json: { ...complete, recordRegistry: null }, message: /no recordRegistry address/ },
    {
      name: "address too short",
      json: { ...complete, directory: "0x5FbDB2315678afecb367f032d93F642f64180a" },
      message: /directory address is malformed/,
    },
    {
      name: "address too long",
      json: { ...complete, consentRegistry: CONSENT + "00" },
      message: /consentRegistry address is malformed/,
    },
    {
      name: "address not hex",
      json: { ...complete, recordRegistry: "0x" + "zz".repeat(20) },
      message: /recordRegistry address is malformed/,
    },
    { name: "address empty", json: { ...complete, directory: "" }, message: /directory address is malformed/ },
    {
      name: "mixed-case address with a wrong checksum",
      json: { ...complete, directory: "0x5fbDB2315678afecb367f032d93F642f64180aa3" },
      message: /directory address is malformed/,
    },
    {
      name: "an ENS name",
      json: { ...complete, directory: "directory.carechain.eth" },
      message: /directory address is malformed/,
    },
  ])("throws DeploymentError on $name", ({ json, message }) => {
    let thrown: unknown;
    try {
      parseDeployment(json, 31337n);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DeploymentError);
    expect((thrown as DeploymentError).code).toBe("DEPLOYMENT");
    expect((thrown as DeploymentError).shortMessage).toMatch(message);
  });
});

describe("loadIgnitionDeployment / loadDeploymentFile", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "carechain-ignition-"));
    const deployments = join(dir, "ignition", "deployments");
    await mkdir(join(deployments, "chain-31337"), { recursive: true });
    await writeFile(
      join(deployments, "chain-31337", "deployed_addresses.json"),
      JSON.stringify(
        {
          "Carechain#Directory": lower(DIRECTORY),
          "Carechain#ConsentRegistry": lower(CONSENT),
          "Carechain#RecordRegistry": lower(RECORDS),
        },
        null,
        2,
      ),
    );
    await mkdir(join(deployments, "staging"), { recursive: true });
    await writeFile(
      join(deployments, "staging", "deployed_addresses.json"),
      JSON.stringify({
        "Carechain#Directory": DIRECTORY,
        "Carechain#ConsentRegistry": CONSENT,
        "Carechain#RecordRegistry": RECORDS,
      }),
    );
    await mkdir(join(deployments, "chain-1"), { recursive: true });
    await writeFile(
      join(deployments, "chain-1", "deployed_addresses.json"),
      JSON.stringify({ "Carechain#Directory": DIRECTORY }),
    );
    await mkdir(join(deployments, "chain-5"), { recursive: true });
    // A half-written file (e.g. an interrupted copy): not valid JSON.
    await writeFile(join(deployments, "chain-5", "deployed_addresses.json"), '{\n  "Carechain#Directory": "0x5FbDB23');
    await writeFile(
      join(dir, "plain.json"),
      JSON.stringify({ directory: DIRECTORY, consentRegistry: CONSENT, recordRegistry: RECORDS }),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads <dir>/deployments/chain-31337/deployed_addresses.json", async () => {
    expect(await loadIgnitionDeployment(31337n, { ignitionDir: join(dir, "ignition") })).toEqual(expected);
  });

  it("reads a named deployment id", async () => {
    expect(
      await loadIgnitionDeployment(4242n, { ignitionDir: join(dir, "ignition"), deploymentId: "staging" }),
    ).toEqual({
      ...expected,
      chainId: 4242n,
    });
  });

  it.each([
    {
      name: "no deployment for the chain",
      chainId: 10n,
      options: (d: string) => ({ ignitionDir: join(d, "ignition") }),
    },
    {
      name: "the ignition folder is absent",
      chainId: 31337n,
      options: (d: string) => ({ ignitionDir: join(d, "nope") }),
    },
    {
      name: "an unknown deployment id",
      chainId: 31337n,
      options: (d: string) => ({ ignitionDir: join(d, "ignition"), deploymentId: "prod" }),
    },
  ])("throws DeploymentError when absent ($name), naming the file", async ({ chainId, options }) => {
    const error = await rejection(loadIgnitionDeployment(chainId, options(dir)));
    expect(error).toBeInstanceOf(DeploymentError);
    expect((error as DeploymentError).shortMessage).toBe("No Ignition deployment found.");
    expect((error as DeploymentError).details).toMatch(/deployed_addresses\.json$/);
  });

  it("throws DeploymentError when the file lacks a contract", async () => {
    const error = await rejection(loadIgnitionDeployment(1n, { ignitionDir: join(dir, "ignition") }));
    expect(error).toBeInstanceOf(DeploymentError);
    expect((error as DeploymentError).shortMessage).toMatch(/no consentRegistry address/);
  });

  // Regression (fixed): loadIgnitionDeployment and loadDeploymentFile call JSON.parse without a try/catch, so
  // a truncated / half-written deployed_addresses.json (an "incomplete" file, which the doc says gives a
  // DeploymentError) escapes as a bare SyntaxError, not a CarechainError. Fails until JSON.parse is wrapped.
  it("throws DeploymentError on a truncated (non-JSON) addresses file", async () => {
    const error = await rejection(loadIgnitionDeployment(5n, { ignitionDir: join(dir, "ignition") }));
    expect(error).toBeInstanceOf(DeploymentError);
  });

  it("loadDeploymentFile reads the plain shape and refuses a missing file", async () => {
    expect(await loadDeploymentFile(join(dir, "plain.json"), 31337n)).toEqual(expected);
    const error = await rejection(loadDeploymentFile(join(dir, "missing.json"), 31337n));
    expect(error).toBeInstanceOf(DeploymentError);
    expect(error).toBeInstanceOf(CarechainError);
    expect((error as DeploymentError).details).toBe(join(dir, "missing.json"));
  });
});
