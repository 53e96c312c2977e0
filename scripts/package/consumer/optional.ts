/**
 * A TypeScript dApp's use of the entries whose packages are optional peers: `carechain/ipfs` (helia, libp2p, …)
 * and `carechain/hardhat` (hardhat, Ignition). `npm run test:package` type-checks it against the packed package in
 * a consumer project that has not installed those peers (so with `skipLibCheck`: the package's own declarations of
 * these entries stay typed; the peers' types are absent).
 */
import type { CarechainDeployment } from "carechain";
import { CarechainModule, deployWithIgnition } from "carechain/hardhat";
import { HeliaBlobStore, KuboBlobStore, unixfsCid, UNIXFS_PROFILES, type UnixfsProfileName } from "carechain/ipfs";

/** Names of the optional entries, used with their types. */
export async function optional(
  bytes: Uint8Array,
  connection: Parameters<typeof deployWithIgnition>[0],
): Promise<string> {
  const kubo = new KuboBlobStore({ url: "http://127.0.0.1:5001" });
  const profile: UnixfsProfileName = "unixfs-v1-2025";
  const cid = await unixfsCid(bytes, profile);
  const chunkSize: number = UNIXFS_PROFILES[profile].chunkSize;
  const deployment: CarechainDeployment = await deployWithIgnition(connection, { deploymentId: "carechain" });
  // @ts-expect-error UnixFS profiles are named.
  await unixfsCid(bytes, "kubo-2030");
  const stores = [kubo, HeliaBlobStore] as const;
  return `${cid.toString()} ${chunkSize} ${deployment.directory} ${CarechainModule.id} ${stores.length}`;
}
