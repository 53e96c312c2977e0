import {
  Carechain,
  createFhirValidator,
  generateIdentity,
  MemoryBlobStore,
  type BlobStore,
  type CarechainDeployment,
  deployCarechain,
} from "../../sdk/index.js";
import { loadFhirDefinitions, startCustodianService } from "../../sdk/node.js";
import { createChain } from "./chain.js";

/** A fresh in-process chain with Carechain deployed and four actors: registrar, hospital, lab, patient. */
export async function carechainFixture(store: BlobStore = new MemoryBlobStore()) {
  const connection = await createChain();
  const signers = await connection.ethers.getSigners();
  const deployment: CarechainDeployment = await deployCarechain(signers[0]!);
  const validator = createFhirValidator(loadFhirDefinitions());
  const client = (index: number) =>
    Carechain.connect({ deployment, signer: signers[index]!, identity: generateIdentity(), store, validator });
  const [registrar, hospital, lab, patient, stranger] = await Promise.all([0, 1, 2, 3, 4].map(client));
  return {
    connection,
    deployment,
    store,
    validator,
    registrar: registrar!,
    hospital: hospital!,
    lab: lab!,
    patient: patient!,
    stranger: stranger!,
    /** Moves the chain's clock forward by `seconds` and mines a block. */
    async advanceTime(seconds: number) {
      await connection.networkHelpers.time.increase(seconds);
    },
    /** The latest block time. */
    async now(): Promise<number> {
      return connection.networkHelpers.time.latest();
    },
  };
}

/** A fixture where the hospital and lab are credentialed and the patient is registered. */
export async function registeredFixture(store?: BlobStore) {
  const f = await carechainFixture(store);
  await f.registrar.registerProvider(await f.hospital.address(), "hospital", f.hospital.identity.publicKey);
  await f.registrar.registerProvider(await f.lab.address(), "lab", f.lab.identity.publicKey);
  await f.patient.registerPatient();
  return f;
}

/** A small valid FHIR R4 Observation (vital signs) about `patientRef`. */
export function heartRate(value: number, patientRef = "Patient/example") {
  return {
    resourceType: "Observation",
    status: "final",
    category: [
      {
        coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "vital-signs" }],
      },
    ],
    code: { coding: [{ system: "http://loinc.org", code: "8867-4", display: "Heart rate" }] },
    subject: { reference: patientRef },
    effectiveDateTime: "2026-11-20T09:30:00Z",
    valueQuantity: { value, unit: "beats/minute", system: "http://unitsofmeasure.org", code: "/min" },
  };
}

/** A small valid FHIR R4 AllergyIntolerance (an emergency category by default). */
export function penicillinAllergy(patientRef = "Patient/example") {
  return {
    resourceType: "AllergyIntolerance",
    clinicalStatus: {
      coding: [{ system: "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", code: "active" }],
    },
    code: { coding: [{ system: "http://snomed.info/sct", code: "91936005", display: "Allergy to penicillin" }] },
    patient: { reference: patientRef },
  };
}

/** The fixture's accounts as extra SDK clients (signers 5..), each with a fresh identity. */
export async function extraClients(f: Awaited<ReturnType<typeof carechainFixture>>, count: number) {
  const signers = await f.connection.ethers.getSigners();
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      Carechain.connect({
        deployment: f.deployment,
        signer: signers[5 + i]!,
        identity: generateIdentity(),
        store: f.store,
        validator: f.validator,
      }),
    ),
  );
}

/** A patient with an allergy (emergency category) and a heart rate (not), an emergency custodian service, and an ER. */
export async function emergencyFixture() {
  const f = await registeredFixture();
  const [custodian, er] = await extraClients(f, 2);
  await f.registrar.registerProvider(await custodian!.address(), "emergency", custodian!.identity.publicKey);
  await f.registrar.registerProvider(await er!.address(), "emergency", er!.identity.publicKey);
  await f.registrar.setEmergencyCustodian(await custodian!.address());
  const service = await startCustodianService({ custodian: custodian! });
  const erClient = new Carechain({
    contracts: er!.contracts,
    signer: (await f.connection.ethers.getSigners())[6]!,
    identity: er!.identity,
    store: f.store,
    validator: f.validator,
    custodianUrl: service.url,
  });
  const patient = await f.patient.address();
  const allergy = await f.patient.addRecord(patient, penicillinAllergy());
  const vitals = await f.patient.addRecord(patient, heartRate(58));
  return { f, custodian: custodian!, er: erClient, service, patient, allergy, vitals };
}
