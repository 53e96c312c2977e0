/**
 * A TypeScript dApp's use of the entries that need no optional peer: `carechain`, `carechain/node` and
 * `carechain/contracts`. `npm run test:package` type-checks it (strict, declaration files included) against the
 * packed package in a consumer project, with `moduleResolution` nodenext and bundler. The `@ts-expect-error` lines
 * prove that the names are typed (an `any` would make them unused, which tsc reports).
 */
import { JsonRpcProvider, Wallet } from "ethers";
import {
  Carechain,
  CarechainError,
  createFhirValidator,
  deployCarechain,
  generateIdentity,
  MemoryBlobStore,
  RecordReadConsentRequiredError,
  type BlobStore,
  type CarechainDeployment,
  type FhirValidator,
  type IdentityKeyPair,
  type ReadRecord,
} from "carechain";
import {
  CONSENT_REGISTRY_ABI,
  deployCarechain as deployFromContracts,
  DIRECTORY_ABI,
  DIRECTORY_BYTECODE,
  Directory__factory,
  type Directory,
} from "carechain/contracts";
import {
  FileJournal,
  FileSystemBlobStore,
  loadDeploymentFile,
  loadFhirDefinitions,
  startCustodianService,
  type CustodianService,
} from "carechain/node";

/** Deploys, connects and reads a record the way examples/node does, with explicit types. */
export async function consumer(url: string, recordId: string): Promise<string | undefined> {
  const wallet = Wallet.createRandom(new JsonRpcProvider(url));
  const deployment: CarechainDeployment = await deployCarechain(wallet, { registrar: wallet.address });
  const same: CarechainDeployment = await deployFromContracts(wallet);
  const fromFile: CarechainDeployment = await loadDeploymentFile("deployment.json", same.chainId);
  const validator: FhirValidator = createFhirValidator(loadFhirDefinitions());
  const store: BlobStore = Math.random() < 0.5 ? new MemoryBlobStore() : new FileSystemBlobStore(".carechain/store");
  const identity: IdentityKeyPair = generateIdentity();
  const journal = new FileJournal(".carechain/journal");
  const client: Carechain = await Carechain.connect({
    deployment,
    signer: wallet,
    identity,
    store,
    validator,
    journal,
  });
  const service: CustodianService = await startCustodianService({ custodian: client, port: 0 });
  await service.close();
  const directory: Directory = Directory__factory.connect(fromFile.directory, wallet);
  const abiLength: number = DIRECTORY_ABI.length + CONSENT_REGISTRY_ABI.length + DIRECTORY_BYTECODE.length;
  try {
    const read: ReadRecord = await client.readRecord(recordId, { purpose: "TREAT" });
    return `${read.resource.resourceType} ${await directory.getAddress()} ${abiLength}`;
  } catch (error) {
    if (error instanceof RecordReadConsentRequiredError) return error.errorName;
    if (error instanceof CarechainError) return error.code;
    throw error;
  }
}

/** Misuses the API; each line must be a type error. */
export async function misuse(client: Carechain, wallet: Wallet): Promise<void> {
  // @ts-expect-error deployCarechain takes a signer, not a URL.
  await deployCarechain("http://127.0.0.1:8545");
  // @ts-expect-error the provider kind is one of PROVIDER_KINDS.
  await client.registerProvider(wallet.address, "spaceship", client.identity.publicKey);
  // @ts-expect-error the purpose of use is a PurposeOfUse code.
  await client.readRecord("0x00", { purpose: "CURIOSITY" });
  // @ts-expect-error loadFhirDefinitions is synchronous: no `then`.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-call -- the deliberate type error above
  await loadFhirDefinitions().then(createFhirValidator);
  // @ts-expect-error a FileJournal needs its directory.
  new FileJournal();
}
