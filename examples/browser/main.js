// Carechain in a web page: the same steps as examples/node, against a local chain, with an in-page development
// wallet and an in-memory blob store. FHIR validation loads its definitions pack lazily (a chunk of its own).
import { JsonRpcProvider, NonceManager, Wallet, parseEther } from "ethers";
import {
  Carechain,
  createFhirValidator,
  deployCarechain,
  generateIdentity,
  importFhirDefinitions,
  MemoryBlobStore,
  RecordReadConsentRequiredError,
} from "carechain";

/* global __CARECHAIN_RPC_URL__ */
const url = new URLSearchParams(location.search).get("rpc") ?? __CARECHAIN_RPC_URL__;
// Development wallet — local chains only: Hardhat's well-known account #0, a PUBLIC key.
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

const steps = document.getElementById("steps");
const status = document.getElementById("status");
document.getElementById("rpc").textContent = url;

/** `Name (code): message` of an error (a CarechainError has a stable `code` and a one-sentence `shortMessage`). */
function describeError(error) {
  const code = error?.code ? ` (${error.code})` : "";
  return `${error?.name ?? "Error"}${code}: ${error?.shortMessage ?? error?.message ?? error}`;
}

/** Runs one step, shows its result (or its error) on the page, and returns what the step returned. */
async function step(label, action, describe = String) {
  const item = steps.appendChild(document.createElement("li"));
  item.textContent = label;
  const result = item.appendChild(document.createElement("span"));
  result.className = "result";
  try {
    const value = await action();
    item.className = "ok";
    result.textContent = describe(value);
    return value;
  } catch (error) {
    item.className = "failed";
    result.textContent = describeError(error);
    throw error;
  }
}

async function main() {
  const provider = new JsonRpcProvider(url);
  const funder = new NonceManager(new Wallet(DEV_KEY, provider));
  const [registrarWallet, hospitalWallet, patientWallet] = Array.from({ length: 3 }, () =>
    Wallet.createRandom(provider),
  );
  await step("Fund three fresh accounts from the development wallet", async () => {
    for (const { address } of [registrarWallet, hospitalWallet, patientWallet]) {
      await (await funder.sendTransaction({ to: address, value: parseEther("0.1") })).wait();
    }
    return `registrar ${registrarWallet.address}, hospital ${hospitalWallet.address}, patient ${patientWallet.address}`;
  });
  const validator = await step(
    "Load the FHIR definitions pack (a lazily imported chunk)",
    async () => createFhirValidator(await importFhirDefinitions()),
    () => "validator ready",
  );
  const deployment = await step(
    "Deploy Directory, ConsentRegistry, RecordRegistry",
    () => deployCarechain(registrarWallet),
    (d) => `chain ${d.chainId}, Directory ${d.directory}`,
  );

  const shared = { deployment, store: new MemoryBlobStore(), validator };
  const connect = (signer) => Carechain.connect({ ...shared, signer, identity: generateIdentity() });
  const [registrar, hospital, patient] = await Promise.all(
    [registrarWallet, hospitalWallet, patientWallet].map(connect),
  );

  const tx = (r) => `tx ${r.hash}`;
  await step(
    "Registrar credentials the hospital",
    () => registrar.registerProvider(hospitalWallet.address, "hospital", hospital.identity.publicKey),
    tx,
  );
  await step("Patient registers", () => patient.registerPatient(), tx);
  const expiresAt = new Date(Date.now() + 24 * 3600 * 1000);
  await step(
    "Patient grants the hospital read and write on Problems",
    () => patient.grant(hospitalWallet.address, { read: ["Problems"], write: ["Problems"], expiresAt }),
    tx,
  );
  const condition = { resourceType: "Condition", subject: { reference: "Patient/1" }, code: { text: "Asthma" } };
  const { recordId } = await step(
    "Hospital adds an encrypted Condition (validated first)",
    () => hospital.addRecord(patientWallet.address, condition),
    (r) => `record ${r.recordId}, content ${r.contentCid}`,
  );
  const { resource } = await step(
    "Patient reads it back (CID-verified, decrypted, validated)",
    () => patient.readRecord(recordId),
    (r) => `${r.resource.resourceType}: ${r.resource.code.text}`,
  );
  await step(
    "Hospital reads it while the grant lasts",
    () => hospital.readRecord(recordId),
    (r) => `${r.resource.code.text}, access logged in ${r.accessLog?.hash}`,
  );
  await step("Patient revokes the hospital's grant", () => patient.revoke(hospitalWallet.address), tx);
  const refusal = await step(
    "Hospital tries to read again",
    async () => {
      const error = await hospital.readRecord(recordId).catch((e) => e);
      if (!(error instanceof RecordReadConsentRequiredError)) throw new Error("expected a refusal", { cause: error });
      return error;
    },
    (e) => `refused: ${e.name} (${e.code})`,
  );
  steps.lastElementChild.className = "refused";
  provider.destroy();
  return { recordId, read: resource.code.text, refusal: { error: refusal.name, code: refusal.code } };
}

main().then(
  (summary) => {
    status.dataset.state = "passed";
    status.textContent = `Passed: ${summary.read} read back, then refused after revocation (${summary.refusal.error}).`;
    status.dataset.summary = JSON.stringify(summary);
  },
  (error) => {
    status.dataset.state = "failed";
    status.textContent = `Failed: ${describeError(error)}`;
    console.error(error);
  },
);
