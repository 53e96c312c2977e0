// Carechain from a plain Node script: deploy the contracts, register a hospital and a patient, grant, add an
// encrypted FHIR record, read it back, revoke, and see the hospital refused. Run it against `npx hardhat node`.
import { JsonRpcProvider, NonceManager, Wallet, parseEther } from "ethers";
import {
  Carechain,
  createFhirValidator,
  deployCarechain,
  generateIdentity,
  MemoryBlobStore,
  RecordReadConsentRequiredError,
} from "carechain";
import { loadFhirDefinitions } from "carechain/node";

const url = process.env.CARECHAIN_RPC_URL ?? "http://127.0.0.1:8545";
// Hardhat's well-known account #0: a public LOCAL DEVELOPMENT key. Never use it on a real network.
const funderKey =
  process.env.CARECHAIN_FUNDER_KEY ?? "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

const provider = new JsonRpcProvider(url);
const funder = new NonceManager(new Wallet(funderKey, provider)); // counts its nonces across back-to-back sends
const [registrarWallet, hospitalWallet, patientWallet] = Array.from({ length: 3 }, () => Wallet.createRandom(provider));
for (const { address } of [registrarWallet, hospitalWallet, patientWallet]) {
  await (await funder.sendTransaction({ to: address, value: parseEther("0.1") })).wait();
}

const deployment = await deployCarechain(registrarWallet); // Directory, ConsentRegistry, RecordRegistry
const shared = { deployment, store: new MemoryBlobStore(), validator: createFhirValidator(loadFhirDefinitions()) };
const connect = (signer) => Carechain.connect({ ...shared, signer, identity: generateIdentity() });
const [registrar, hospital, patient] = await Promise.all([registrarWallet, hospitalWallet, patientWallet].map(connect));

await registrar.registerProvider(hospitalWallet.address, "hospital", hospital.identity.publicKey);
await patient.registerPatient();
const expiresAt = new Date(Date.now() + 24 * 3600 * 1000);
await patient.grant(hospitalWallet.address, { read: ["Problems"], write: ["Problems"], expiresAt });
const condition = { resourceType: "Condition", subject: { reference: "Patient/1" }, code: { text: "Asthma" } };
const { recordId } = await hospital.addRecord(patientWallet.address, condition); // validated, encrypted, anchored
const { resource } = await patient.readRecord(recordId); // CID-verified, decrypted, validated
await hospital.readRecord(recordId); // allowed while the grant lasts (and logged on chain)

await patient.revoke(hospitalWallet.address);
const refusal = await hospital.readRecord(recordId).catch((error) => error); // refused now, with a typed error
if (!(refusal instanceof RecordReadConsentRequiredError)) throw new Error("expected a refusal", { cause: refusal });

console.log(
  JSON.stringify({
    node: process.versions.node,
    chainId: Number(deployment.chainId),
    directory: deployment.directory,
    recordId,
    read: resource.code.text,
    refusal: { error: refusal.name, code: refusal.code },
  }),
);
provider.destroy();
