/**
 * The portal's demo: starts a `hardhat node` on a free loopback port, deploys Carechain, seeds the consortium's
 * people (a registrar, an emergency key custodian, a hospital, a lab, a clinic, an emergency service, patients
 * with the pilot's synthetic records and grants), starts the custodian service, builds nothing, and serves the
 * built portal. Every account is one of the node's test accounts, whose identity key is derived with the SDK's
 * signed derivation, so the portal's development wallet derives the same keys in the browser.
 */
import type { ChildProcess } from "node:child_process";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";

import { JsonRpcProvider, type JsonRpcSigner } from "ethers";

import {
  Carechain,
  categoriesOf,
  Category,
  type CategoryName,
  createFhirValidator,
  deployCarechain,
  deriveIdentity,
  MemoryBlobStore,
  type ProviderKind,
} from "../../sdk/index.js";
import { loadFhirDefinitions, startCustodianService, type CustodianService } from "../../sdk/node.js";
import { syntheticPatient } from "../../scripts/pilot/synthetic.js";
import { ROOT, start, stop } from "../../scripts/package/consumer.mjs";
import { startPortalServer, type PortalServer } from "./server.js";

/** One demo account, as the portal's configuration lists it. */
export interface DemoAccount {
  readonly address: string;
  readonly name: string;
  readonly role: "registrar" | "custodian" | "provider" | "patient";
  readonly kind?: ProviderKind;
}

/** The configuration the page reads from `/portal-config.json`. */
export interface PortalConfig {
  readonly rpcUrl: string;
  readonly chainId: string;
  readonly deployment: { chainId: string; directory: string; consentRegistry: string; recordRegistry: string };
  readonly fromBlock: number;
  readonly accounts: readonly DemoAccount[];
}

/** A running demo. */
export interface Demo {
  readonly url: string;
  readonly rpcUrl: string;
  readonly config: PortalConfig;
  /** Record ids by patient address (the current version of each), in the order they were added. */
  readonly records: ReadonlyMap<string, readonly string[]>;
  stop(): Promise<void>;
}

/** The categories a treating hospital reads and writes (as in the pilot's episodes). */
const CLINICAL: CategoryName[] = [
  "VitalSigns",
  "Laboratory",
  "Problems",
  "Medications",
  "Allergies",
  "Immunizations",
  "Encounters",
  "Procedures",
  "Documents",
];
const DAY = 86_400;
const HARDHAT = join(ROOT, "node_modules", ".bin", "hardhat");
const SEED = 2026;

const PROVIDERS: { name: string; kind: ProviderKind }[] = [
  { name: "Metro Emergency Key Custodian", kind: "emergency" },
  { name: "St. Elsewhere General Hospital", kind: "hospital" },
  { name: "Northside Laboratory", kind: "lab" },
  { name: "Riverside Family Clinic", kind: "clinic" },
  { name: "Metro Emergency Service", kind: "emergency" },
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `hardhat node` on a free loopback port; resolves once it listens. */
async function startNode(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = start(HARDHAT, ["node", "--hostname", "127.0.0.1", "--port", String(port)], { cwd: ROOT });
  const { stdout, stderr } = child;
  if (!stdout || !stderr) throw new Error("hardhat node: started without output pipes");
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hardhat node did not start in 90 s:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`JSON-RPC server at http://127.0.0.1:${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    stdout.on("data", onData);
    stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`hardhat node exited with ${code}:\n${output}`));
    });
  });
  stdout.removeAllListeners("data").resume();
  stderr.removeAllListeners("data").resume();
  return { child, url: `http://127.0.0.1:${port}` };
}

/**
 * Starts the whole demo. `onProgress` hears one line per stage.
 * @param options - `distDir`: the built portal; `patients`: how many demo patients (default 3).
 * @returns The portal's URL, the node's URL, the configuration and `stop()`.
 */
export async function startDemo(options: {
  distDir: string;
  patients?: number;
  onProgress?: (line: string) => void;
}): Promise<Demo> {
  const say = options.onProgress ?? (() => {});
  const patientCount = options.patients ?? 3;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
    stops.length = 0;
  };
  try {
    say("starting hardhat node");
    const node = await startNode();
    stops.push(() => stop(node.child));
    const provider = new JsonRpcProvider(node.url, undefined, { pollingInterval: 200 });
    stops.push(async () => provider.destroy());
    const signers: JsonRpcSigner[] = await provider.listAccounts();

    say("deploying Directory, ConsentRegistry, RecordRegistry");
    const signerAt = (i: number): JsonRpcSigner => {
      const signer = signers[i];
      if (!signer) throw new Error(`the node has no test account #${i}`);
      return signer;
    };
    const registrarSigner = signerAt(0);
    const deployment = await deployCarechain(registrarSigner);
    const fromBlock = 0; // a fresh local chain: its history starts with this deployment
    const store = new MemoryBlobStore();
    const validator = createFhirValidator(loadFhirDefinitions());
    const connect = async (signer: JsonRpcSigner) =>
      Carechain.connect({
        deployment,
        signer,
        store,
        validator,
        fromBlock,
        identity: await deriveIdentity(signer, { chainId: deployment.chainId, directory: deployment.directory }),
      });

    const accounts: DemoAccount[] = [
      { address: registrarSigner.address, name: "Consortium Registrar", role: "registrar" },
    ];
    const registrar = await connect(registrarSigner);
    const orgs: Carechain[] = [];
    say("credentialing providers");
    for (const [i, p] of PROVIDERS.entries()) {
      const signer = signerAt(1 + i);
      const client = await connect(signer);
      await registrar.registerProvider(signer.address, p.kind, client.identity.publicKey);
      orgs.push(client);
      accounts.push({ address: signer.address, name: p.name, role: i === 0 ? "custodian" : "provider", kind: p.kind });
    }
    const [custodian, hospital, lab] = orgs as [Carechain, Carechain, Carechain, Carechain, Carechain];
    await registrar.setEmergencyCustodian(await custodian.address());
    const service: CustodianService = await startCustodianService({ custodian });
    stops.push(() => service.close());

    const records = new Map<string, string[]>();
    for (let i = 0; i < patientCount; i++) {
      const signer = signerAt(1 + PROVIDERS.length + i);
      say(`patient ${i + 1}: registering, granting, adding records`);
      const patient = await connect(signer);
      await patient.registerPatient();
      const latest = await provider.getBlock("latest");
      if (!latest) throw new Error("the node returned no latest block");
      const now = latest.timestamp;
      await patient.grant(await hospital.address(), {
        read: CLINICAL,
        write: CLINICAL,
        purposes: ["TREAT"],
        expiresAt: now + 365 * DAY,
      });
      await patient.grant(await lab.address(), {
        read: ["Laboratory"],
        write: ["Laboratory"],
        purposes: ["TREAT"],
        expiresAt: now + 90 * DAY,
      });
      const ids: string[] = [];
      for (const resource of syntheticPatient(SEED, i).records) {
        const labOnly = categoriesOf(resource as { resourceType: string }).every((c) => c === Category.Laboratory);
        const added = await (labOnly ? lab : hospital).addRecord(signer.address, resource);
        ids.push(added.recordId);
      }
      // A record with two versions: the hospital amends the Condition (the generator's third record) with a note.
      const condition = syntheticPatient(SEED, i).records[2];
      const first = ids[2];
      if (first && condition) {
        const note = [{ text: "Reviewed at follow-up: still active." }];
        ids[2] = (await hospital.amendRecord(first, { ...(condition as object), note })).recordId;
        // Some history for the timeline: the hospital read the problem list for treatment.
        await hospital.readRecord(ids[2], { purpose: "TREAT" });
      }
      records.set(signer.address, ids);
      accounts.push({ address: signer.address, name: `Demo patient ${i + 1}`, role: "patient" });
    }

    const config: PortalConfig = {
      rpcUrl: node.url,
      chainId: deployment.chainId.toString(),
      deployment: {
        chainId: deployment.chainId.toString(),
        directory: deployment.directory,
        consentRegistry: deployment.consentRegistry,
        recordRegistry: deployment.recordRegistry,
      },
      fromBlock,
      accounts,
    };
    say("serving the portal");
    const server: PortalServer = await startPortalServer({
      distDir: options.distDir,
      store,
      config,
      custodianUrl: service.url,
    });
    stops.push(() => server.close());
    return { url: server.url, rpcUrl: node.url, config, records, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
