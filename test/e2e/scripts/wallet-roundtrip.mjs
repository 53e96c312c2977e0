/**
 * A dApp's first script, as a new user writes it: ethers `Wallet`s on a default `JsonRpcProvider`, the SDK deploys,
 * registers, grants, adds a record, reads it back, revokes, sees the refusal, and the process ends by itself.
 * Run under `node --conditions=carechain-source --unhandled-rejections=strict --import tsx` (the SDK from its sources); test/e2e/tx-sender.test.ts runs it 20 times.
 * Environment: CARECHAIN_RPC_URL, and three funded private keys in DEPLOYER_KEY, HOSPITAL_KEY, PATIENT_KEY.
 */
import { JsonRpcProvider, Wallet } from "ethers";

import {
  Carechain,
  createFhirValidator,
  deployCarechain,
  generateIdentity,
  MemoryBlobStore,
  RecordReadConsentRequiredError,
} from "../../../sdk/index.js";
import { loadFhirDefinitions } from "../../../sdk/node.js";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const provider = new JsonRpcProvider(env("CARECHAIN_RPC_URL"));
const deployer = new Wallet(env("DEPLOYER_KEY"), provider);
const hospitalWallet = new Wallet(env("HOSPITAL_KEY"), provider);
const patientWallet = new Wallet(env("PATIENT_KEY"), provider);

const deployment = await deployCarechain(deployer);
const shared = { deployment, store: new MemoryBlobStore(), validator: createFhirValidator(loadFhirDefinitions()) };
const registrar = await Carechain.connect({ ...shared, signer: deployer, identity: generateIdentity() });
const hospital = await Carechain.connect({ ...shared, signer: hospitalWallet, identity: generateIdentity() });
const patient = await Carechain.connect({ ...shared, signer: patientWallet, identity: generateIdentity() });

await registrar.registerProvider(hospitalWallet.address, "hospital", hospital.identity.publicKey);
await patient.registerPatient();
const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
await patient.grant(hospitalWallet.address, { read: ["VitalSigns"], write: ["VitalSigns"], expiresAt });
const observation = {
  resourceType: "Observation",
  status: "final",
  category: [
    {
      coding: [
        {
          system: "http://terminology.hl7.org/CodeSystem/observation-category",
          code: "vital-signs",
          display: "Vital Signs",
        },
      ],
    },
  ],
  code: { coding: [{ system: "http://loinc.org", code: "8867-4", display: "Heart rate" }] },
  subject: { reference: "Patient/example" },
  effectiveDateTime: "2026-01-01T10:00:00Z",
  valueQuantity: { value: 72, unit: "beats/minute", system: "http://unitsofmeasure.org", code: "/min" },
};
const added = await hospital.addRecord(patientWallet.address, observation);
const read = await patient.readRecord(added.recordId);
if (read.resource.valueQuantity?.value !== 72) throw new Error("the record read back is not the one written");
await patient.revoke(hospitalWallet.address);
const refusal = await hospital.readRecord(added.recordId).catch((error) => error);
if (!(refusal instanceof RecordReadConsentRequiredError)) throw new Error(`expected a refusal, got ${refusal}`);
console.log(`roundtrip ok: record ${added.recordId}`);
