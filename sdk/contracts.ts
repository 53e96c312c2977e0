/**
 * Carechain SDK — contracts entry point (`carechain/contracts`): the ABIs, the creation bytecode and the TypeChain
 * (ethers v6) types and factories of Directory, ConsentRegistry and RecordRegistry, their enums and constant codes
 * (sdk/contracts/enums.ts), plus `deployCarechain`. For dApps that talk to the contracts directly or deploy them; the
 * client (`carechain`) needs none of this.
 * @packageDocumentation
 */
export { CONSENT_REGISTRY_ABI, DIRECTORY_ABI, RECORD_REGISTRY_ABI } from "./contracts/generated/abi.js";
export {
  CONSENT_REGISTRY_BYTECODE,
  DIRECTORY_BYTECODE,
  RECORD_REGISTRY_BYTECODE,
} from "./contracts/generated/bytecode.js";
export { deployCarechain, type DeployCarechainOptions } from "./contracts/deploy.js";
export {
  ACTIONS,
  DELEGATE_KINDS,
  EMERGENCY_PURPOSES,
  enumName,
  enumValue,
  IPS_CATEGORIES,
  MAX_CATEGORY,
  PROVIDER_KINDS,
  PURPOSES,
  RECORD_CID_CODECS,
  type ActionName,
  type DelegateKind,
  type ProviderKind,
  type PurposeCode,
} from "./contracts/enums.js";
export {
  ConsentRegistry__factory,
  Directory__factory,
  RecordRegistry__factory,
  IConsentRegistry__factory,
  IDirectory__factory,
  IRecordRegistry__factory,
  type ConsentRegistry,
  type Directory,
  type RecordRegistry,
  type IConsentRegistry,
  type IDirectory,
  type IRecordRegistry,
} from "./contracts/typechain/index.js";
