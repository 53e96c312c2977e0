/**
 * Starts threshold custodian nodes as separate processes (scripts/custodian-node.ts, or the compromised node of
 * test/e2e/scripts/lying-custodian-node.ts) against a JSON-RPC chain, for tests and the custody bench.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { getBytes, hexlify, JsonRpcProvider, type Signer } from "ethers";
import { CID } from "multiformats/cid";

import {
  Carechain,
  postToCustodian,
  shareReleaseMessage,
  createFhirValidator,
  decodeKeyring,
  deployCarechain,
  generateIdentity,
  MemoryBlobStore,
  openKeyring,
  type BlobStore,
  type CarechainDeployment,
  type CustodianSet,
  type CustodyContext,
  type CustodyDocument,
  type IdentityKeyPair,
  type PurposeCode,
  type UnsignedShareRelease,
} from "../../sdk/index.js";
import { loadFhirDefinitions } from "../../sdk/node.js";
import { heartRate, penicillinAllergy } from "./fixtures.js";
import { behindLimits, THROUGH_LIMITS } from "./chain.js";
import { childEnv, freePort, ROOT, startHardhatNode, stop } from "./processes.js";

/** One running node process. */
export interface NodeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly identity: IdentityKeyPair;
  readonly liar: boolean;
  /** The node's JSON-lines log (honest nodes only write one). */
  readonly logPath: string;
}

/**
 * Starts `count` nodes (those in `liars` lying), each with a fresh identity; resolves once all listen.
 * @returns The processes and the custodian set (threshold `threshold`).
 */
export async function startCustodianNodes(
  rpcUrl: string,
  deployment: CarechainDeployment,
  count: number,
  threshold: number,
  liars: readonly number[] = [],
): Promise<{ nodes: NodeProcess[]; set: CustodianSet; stopAll: () => Promise<void> }> {
  const nodes = await Promise.all(
    Array.from({ length: count }, async (_, i): Promise<NodeProcess> => {
      const identity = generateIdentity();
      const liar = liars.includes(i);
      const logPath = join(
        tmpdir(),
        `carechain-custody-node-${process.pid}-${Date.now()}-${i}-${Math.random().toString(36).slice(2)}.jsonl`,
      );
      const script = liar
        ? join(ROOT, "test", "e2e", "scripts", "lying-custodian-node.ts")
        : join(ROOT, "scripts", "custodian-node.ts");
      const child = spawn(join(ROOT, "node_modules", ".bin", "tsx"), ["--conditions=carechain-source", script], {
        cwd: ROOT,
        env: childEnv({
          RPC_URL: rpcUrl,
          DEPLOYMENT: JSON.stringify({ ...deployment, chainId: deployment.chainId.toString() }),
          NODE_SECRET: hexlify(identity.secretKey),
          LOG_PATH: logPath,
        }),
        stdio: ["ignore", "pipe", "pipe"],
      });
      const url = await new Promise<string>((resolve, reject) => {
        let output = "";
        const timer = setTimeout(() => reject(new Error(`custodian node ${i} did not start:\n${output}`)), 60_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening (\S+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        child.once("exit", (code) => reject(new Error(`custodian node ${i} exited with ${code}:\n${output}`)));
      });
      child.stdout.resume();
      child.stderr.resume();
      return { child, url, identity, liar, logPath };
    }),
  );
  return {
    nodes,
    set: { threshold, nodes: nodes.map((n) => ({ key: n.identity.publicKey, url: n.url })) },
    stopAll: async () => {
      await Promise.all(nodes.map((n) => stop(n.child)));
    },
  };
}

/**
 * A hardhat node with Carechain deployed, and clients over JSON-RPC: registrar (account 0), patient (1), an
 * emergency provider (2) and a hospital (3), all registered; the patient has an allergy (emergency category) and a
 * heart rate (vital signs), written by itself, kept in `store` (default: a new memory store).
 */
export async function custodyWorld(store: BlobStore = new MemoryBlobStore()) {
  const port = await freePort();
  const node = await startHardhatNode(port);
  const nodeUrl = `http://127.0.0.1:${port}`;
  const proxy = THROUGH_LIMITS ? await behindLimits(nodeUrl) : undefined;
  const rpcUrl = proxy?.url ?? nodeUrl;
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, polling: true, pollingInterval: 50 });
  const signers = await Promise.all([0, 1, 2, 3].map((i) => provider.getSigner(i)));
  const deployment = await deployCarechain(signers[0]!);
  const validator = createFhirValidator(loadFhirDefinitions());
  const [registrar, patient, er, hospital] = await Promise.all(
    signers.map((signer) =>
      Carechain.connect({ deployment, signer, identity: generateIdentity(), store, validator, logAccess: false }),
    ),
  );
  await registrar!.registerProvider(await er!.address(), "emergency", er!.identity.publicKey);
  await registrar!.registerProvider(await hospital!.address(), "hospital", hospital!.identity.publicKey);
  await patient!.registerPatient();
  const me = await patient!.address();
  const allergy = await patient!.addRecord(me, penicillinAllergy());
  const vitals = await patient!.addRecord(me, heartRate(61));
  const ctx = (client: Carechain, index: number): CustodyContext => ({
    contracts: client.contracts,
    signer: signers[index]!,
    identity: client.identity,
    store,
    logs: client.context.logs,
  });
  return {
    rpcUrl,
    deployment,
    store,
    provider,
    registrar: registrar!,
    patient: patient!,
    er: er!,
    hospital: hospital!,
    allergy,
    vitals,
    patientCtx: ctx(patient!, 1),
    erCtx: ctx(er!, 2),
    hospitalCtx: ctx(hospital!, 3),
    /** The record key, opened from the anchored keyring with `client`'s identity. */
    async keyOf(client: Carechain, recordId: string): Promise<{ dek: Uint8Array; contentCid: CID }> {
      const records = client.contracts.records;
      const [event] = await client.context.logs.query(records, records.filters.RecordAnchored(recordId), 0);
      const contentCid = CID.decode(getBytes(event!.args.contentCid));
      const keyring = decodeKeyring(await store.get(CID.decode(getBytes(event!.args.keyringCid))));
      return { dek: await openKeyring(keyring, contentCid, client.identity), contentCid };
    },
    async close() {
      provider.destroy();
      await proxy?.stop();
      await stop(node);
    },
  };
}

/**
 * Sends one share request, signed by `request.signer` for `request.reader`'s access logged in `request.accessTx`, to
 * every node of `set`, each with its own share of `document`, as a hostile or replaying reader would; resolves to
 * what each node answered or threw, in node order.
 */
export async function askEveryNode(
  set: CustodianSet,
  document: CustodyDocument,
  request: { reader: Carechain; signer: Signer; recordId: string; purpose: PurposeCode; accessTx: string },
): Promise<unknown[]> {
  const { reader, signer, recordId, purpose, accessTx } = request;
  const unsigned: UnsignedShareRelease = {
    chainId: (await reader.contracts.records.runner!.provider!.getNetwork()).chainId.toString(),
    registry: await reader.contracts.records.getAddress(),
    recordId,
    reader: await reader.address(),
    purpose,
    accessTx,
    issuedAt: Math.floor(Date.now() / 1000),
  };
  const signature = await signer.signMessage(shareReleaseMessage(unsigned));
  return Promise.all(
    set.nodes.map((node, i) => {
      const share = document.shares[i]!;
      return postToCustodian(node.url, "/v1/share", {
        ...unsigned,
        share: { index: i, enc: share.enc, wrapped: share.wrapped },
        signature,
      }).catch((e: unknown) => e);
    }),
  );
}
