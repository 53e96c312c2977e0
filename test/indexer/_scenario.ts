/**
 * The chain history the indexer tests index, made through the SDK on a separately started `hardhat node`, and
 * the differential check: every query of the index source against the RPC path's answer.
 */
import { JsonRpcProvider, type JsonRpcSigner } from "ethers";
import { expect } from "vitest";

import {
  Carechain,
  createFhirValidator,
  deployCarechain,
  generateIdentity,
  MemoryBlobStore,
  toHex,
  type CarechainDeployment,
  type HttpIndexSource,
  type IndexedAnchor,
  type RecordAnchor,
} from "../e2e/_sdk.js";
import { loadFhirDefinitions } from "../../sdk/node.js";
import { heartRate, penicillinAllergy } from "../helpers/fixtures.js";
import { startIndexer, type RunningIndexer } from "../helpers/indexer.js";

/** Clients of one deployment on an external node: registrar, providers, two patients. */
export async function deployOnNode(rpcUrl: string) {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const signers: JsonRpcSigner[] = await Promise.all(Array.from({ length: 8 }, (_, i) => provider.getSigner(i)));
  const deployment: CarechainDeployment = await deployCarechain(signers[0]!);
  const startBlock = (await provider.getBlockNumber()) - 2;
  const store = new MemoryBlobStore();
  const validator = createFhirValidator(loadFhirDefinitions());
  const client = (i: number) =>
    Carechain.connect({ deployment, signer: signers[i]!, identity: generateIdentity(), store, validator });
  const [registrar, hospital, lab, patient, patient2, custodian, er, proxy] = await Promise.all(
    [0, 1, 2, 3, 4, 5, 6, 7].map(client),
  );
  return {
    provider,
    deployment,
    startBlock,
    registrar: registrar!,
    hospital: hospital!,
    lab: lab!,
    patient: patient!,
    patient2: patient2!,
    custodian: custodian!,
    er: er!,
    proxy: proxy!,
  };
}

export type World = Awaited<ReturnType<typeof deployOnNode>>;

/** The indexer on PGlite in `pgliteDir` for the world's deployment, fetching batch manifests from its blob store. */
export function indexWorld(w: World, rpcUrl: string, pgliteDir: string): Promise<RunningIndexer> {
  return startIndexer({
    deployment: w.deployment,
    rpcUrl,
    startBlock: w.startBlock,
    pgliteDir,
    manifests: w.patient.store,
  });
}

const YEAR = 365 * 24 * 3600;

/**
 * A small but complete history: registrations, grants and keyrings shared on grant, single records, an
 * amendment chain, a batch, logged reads, a delegate added and removed, emergency categories, break-glass with a
 * key release, a provider suspended and reinstated, a revoke, a second patient.
 */
export async function runScenario(w: World) {
  const [hospital, lab, patient, patient2, custodian, er, proxy] = (await Promise.all(
    [w.hospital, w.lab, w.patient, w.patient2, w.custodian, w.er, w.proxy].map((c) => c.address()),
  )) as [string, string, string, string, string, string, string];
  const now = (await w.provider.getBlock("latest"))!.timestamp;
  await w.registrar.registerProvider(hospital, "hospital", w.hospital.identity.publicKey);
  await w.registrar.registerProvider(lab, "lab", w.lab.identity.publicKey);
  await w.registrar.registerProvider(custodian, "emergency", w.custodian.identity.publicKey);
  await w.registrar.registerProvider(er, "emergency", w.er.identity.publicKey);
  await w.registrar.setEmergencyCustodian(custodian);
  await w.patient.registerPatient();
  await w.patient2.registerPatient();
  await w.proxy.registerPatient();

  const allergy = await w.patient.addRecord(patient, penicillinAllergy());
  await w.patient.grant(hospital, { read: ["VitalSigns", "Allergies"], write: ["VitalSigns"], expiresAt: now + YEAR });
  await w.patient.grant(lab, {
    read: ["Laboratory"],
    write: ["VitalSigns"],
    purposes: ["TREAT", "HPAYMT"],
    expiresAt: now + YEAR,
  });
  const vitals = await w.hospital.addRecord(patient, heartRate(61));
  const amended = await w.hospital.amendRecord(vitals.recordId, heartRate(62));
  await w.hospital.amendRecord(amended.recordId, heartRate(63));
  const batch = await w.lab.addRecords(patient, [heartRate(70), heartRate(71), heartRate(72)]);
  await w.hospital.readRecord(vitals.recordId);
  await w.hospital.readRecord(allergy.recordId);
  await w.patient.addDelegate(proxy, "proxy");
  await w.proxy.grant(
    lab,
    { read: ["Laboratory", "VitalSigns"], write: ["VitalSigns"], expiresAt: now + 2 * YEAR },
    { patient },
  );
  await w.patient.removeDelegate(proxy);
  await w.patient.setEmergencyCategories(["Allergies", "VitalSigns"]);
  await w.er.openBreakGlass(patient, { justification: "Unconscious on arrival", durationSeconds: 3600 });
  await w.custodian.releaseEmergencyKey(allergy.recordId, er);
  await w.patient.closeBreakGlass(er);
  await w.registrar.suspendProvider(lab);
  await w.registrar.reinstateProvider(lab);
  await w.registrar.suspendProvider(hospital);
  await w.patient.grant(proxy, { read: ["Allergies"], expiresAt: now + YEAR });
  await w.patient.revoke(lab);

  await w.patient2.grant(hospital, { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt: now + YEAR });
  await w.registrar.reinstateProvider(hospital);
  await w.hospital.addRecord(patient2, heartRate(80));
  // Left in place for the reader index: an open break-glass (reads the IPS categories without a grant for them)
  // and a suspended grantee.
  await w.patient2.grant(er, { read: ["Imaging"], expiresAt: now + YEAR });
  await w.er.openBreakGlass(patient2, { justification: "Road accident", durationSeconds: 3600 });
  await w.patient2.grant(custodian, { read: ["Allergies"], expiresAt: now + YEAR });
  await w.registrar.suspendProvider(custodian);
  return {
    patients: [patient, patient2],
    er,
    custodian,
    records: [allergy.recordId, vitals.recordId, amended.recordId],
    batch,
  };
}

/** The fields of a {@link RecordAnchor} (an indexed anchor carries more). */
export function anchorFields(a: RecordAnchor | IndexedAnchor): RecordAnchor {
  const {
    recordId,
    patient,
    author,
    originalAuthor,
    categories,
    categoryMask,
    version,
    previous,
    anchoredAt,
    amended,
    erased,
  } = a;
  return {
    recordId,
    patient,
    author,
    originalAuthor,
    categories,
    categoryMask,
    version,
    previous,
    anchoredAt,
    amended,
    ...(erased === undefined ? {} : { erased }),
  };
}

/**
 * The write path's reader keys, the RPC way (as the client computes them today): every grantee ever granted plus
 * the patient, kept when `canAccess(…, Read)` holds for every one of `categories`, with its Directory key.
 */
export async function rpcReaderKeys(client: Carechain, patient: string, categories: number[]): Promise<string[]> {
  const { consent, directory } = client.contracts;
  const events = await consent.queryFilter(consent.filters.ConsentGranted(patient), 0);
  const candidates = new Set(events.map((e) => e.args.grantee));
  candidates.add(patient);
  const keys: string[] = [];
  for (const account of candidates) {
    let all = true;
    for (const category of categories) all &&= await consent.canAccess(patient, account, category, 0);
    if (!all) continue;
    const key = await directory.encryptionKeyOf(account);
    if (BigInt(key) !== 0n) keys.push(`${account}:${key.toLowerCase()}`);
  }
  return keys.sort();
}

/** Keyrings of a record, the RPC way: the anchor's, then every published one. */
async function rpcKeyrings(client: Carechain, recordId: string): Promise<string[]> {
  const records = client.contracts.records;
  const anchored = await records.queryFilter(records.filters.RecordAnchored(recordId), 0);
  const published = await records.queryFilter(records.filters.KeyringPublished(recordId), 0);
  return [
    ...anchored.map((e) => `anchor:${e.args.author}:${e.args.keyringCid}`),
    ...published.map((e) => `published:${e.args.publisher}:${e.args.keyringCid}`),
  ];
}

/**
 * Asserts that every answer of `index` equals the RPC path's for each patient: listGrants, listRecords (single
 * anchors, and batches by root and count), history of every version, auditTrail, the reader keys of every
 * category, and the keyrings of every version.
 * @returns How many comparisons were made.
 */
export async function expectIndexEqualsRpc(
  index: HttpIndexSource,
  reader: Carechain,
  patients: string[],
): Promise<number> {
  let checks = 0;
  const head = (await index.info()).head!;
  for (const patient of patients) {
    expect(await index.grants(patient)).toEqual(await reader.listGrants(patient));
    expect(await index.auditTrail(patient)).toEqual(await reader.auditTrail(patient));
    const rpcRecords = await reader.listRecords(patient);
    const indexed = await index.records(patient);
    expect(indexed.map(anchorFields)).toEqual(rpcRecords.filter((r) => r.batch === undefined));
    const batches = await index.batches(patient);
    const rpcBatches = new Map<string, number>();
    for (const r of rpcRecords) if (r.batch) rpcBatches.set(r.batch, (rpcBatches.get(r.batch) ?? 0) + 1);
    expect(new Map(batches.map((b) => [b.batchId, b.count]))).toEqual(rpcBatches);
    for (const r of indexed) {
      expect((await index.history(r.recordId)).map(anchorFields)).toEqual(await reader.history(r.recordId));
      const rpc = await rpcKeyrings(reader, r.recordId);
      const got = (await index.keyrings(r.recordId)).map(
        (k) => `${k.source}:${k.publisher}:${toHex(k.keyringCid.bytes)}`,
      );
      expect(got).toEqual(rpc);
      checks += 2;
    }
    // Every single category, and sets of several (a record in several categories is read by those who may read all).
    const sets = [...Array.from({ length: 16 }, (_, c) => [c]), [1, 5], [5, 6], [1, 2, 3, 4], [1, 7]];
    for (const categories of sets) {
      const got = (await index.readers(patient, categories as never))
        .map((r) => `${r.account}:${toHex(r.publicKey)}`)
        .sort();
      expect(got, `readers of categories ${categories.join(",")} at block ${head.block}`).toEqual(
        await rpcReaderKeys(reader, patient, categories),
      );
      checks++;
    }
    checks += 4;
  }
  return checks;
}
