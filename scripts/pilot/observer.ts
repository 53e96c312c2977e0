/**
 * The outside observer's collection for the linkability analysis (scripts/pilot/linkability.ts): every block,
 * transaction (sender, recipient, value), receipt and log of a deployment, the logs decoded with the contracts' ABIs,
 * and the keyrings and batch manifests the logs name, fetched by CID from the blob store (public in an IPFS
 * deployment). Nothing else: no SDK client, no key, no scenario knowledge.
 * @module
 */
import { getBytes, type Interface, type Provider } from "ethers";
import { CID } from "multiformats/cid";

import { decodeAnyKeyring, type BlobStore, type CarechainContracts } from "../../sdk/index.js";
import { decodeManifest } from "../../sdk/client/batch.js";
import { decodeKeyringV3, isKeyringV3 } from "../../sdk/crypto/keyring-batch.js";
import type { KeyringEntry } from "../../sdk/crypto/keyring.js";
import type {
  ObservedAction,
  ObservedHistory,
  ObservedKey,
  ObservedRelationship,
  ObservedTransfer,
} from "./linkability.js";

/** Events that show a relationship of their `patient` with a counterpart, and the argument naming it. */
const RELATIONSHIP_EVENTS: Readonly<Record<string, string>> = {
  ConsentGranted: "grantee",
  RecordAnchored: "author",
  BatchAnchored: "author",
  BreakGlassOpened: "provider",
  RecordAccessed: "accessor",
  EmergencyKeyReleased: "provider",
};

/**
 * Reads what an outside observer has of a deployment in blocks `fromBlock..toBlock`.
 * @param provider - The chain.
 * @param contracts - The deployment's contracts (their addresses and ABIs only).
 * @param store - The public blob store, to fetch keyrings and manifests by the CIDs on chain.
 * @param fromBlock - First block (inclusive).
 * @param toBlock - Last block (inclusive); default latest.
 * @returns The observed history, for `analyzeLinkability`.
 */
export async function observeChain(
  provider: Provider,
  contracts: CarechainContracts,
  store: BlobStore,
  fromBlock = 0,
  toBlock?: number,
): Promise<ObservedHistory> {
  const last = toBlock ?? (await provider.getBlockNumber());
  const abis = new Map<string, Interface>();
  for (const c of [contracts.directory, contracts.consent, contracts.records]) {
    abis.set((await c.getAddress()).toLowerCase(), c.interface);
  }
  const providers = new Set<string>();
  const providerKeys = new Set<string>();
  const operators = new Set<string>();
  const relationships: ObservedRelationship[] = [];
  const actions: ObservedAction[] = [];
  const transfers: ObservedTransfer[] = [];
  const keys: ObservedKey[] = [];
  const delegates: { patient: string; delegate: string }[] = [];
  const keyrings: { account: string; cid: string; manifest: boolean }[] = [];

  for (let n = fromBlock; n <= last; n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      const from = tx.from.toLowerCase();
      const to = tx.to?.toLowerCase();
      if (!to)
        operators.add(from); // a contract creation: the deployer
      else if (tx.value > 0n && !abis.has(to)) transfers.push({ from, to, value: tx.value, block: n });
      const patients = new Set<string>();
      const receipt = await provider.getTransactionReceipt(tx.hash);
      for (const log of receipt?.logs ?? []) {
        const parsed = abis.get(log.address.toLowerCase())?.parseLog(log);
        if (!parsed) continue;
        const args: Record<string, unknown> = Object.fromEntries(
          parsed.fragment.inputs.map((input, i) => [input.name, parsed.args[i]]),
        );
        const text = (name: string) => String(args[name]).toLowerCase();
        const patient = typeof args.patient === "string" ? args.patient.toLowerCase() : undefined;
        if (patient) patients.add(patient);
        const counterpart = RELATIONSHIP_EVENTS[parsed.name];
        if (patient && counterpart) {
          relationships.push({ patient, counterpart: text(counterpart), event: parsed.name, block: n });
        }
        switch (parsed.name) {
          case "ProviderRegistered":
            providers.add(text("provider"));
            providerKeys.add(text("encryptionKey"));
            operators.add(text("registrar"));
            break;
          case "ProviderKeyRotated":
            providerKeys.add(text("encryptionKey"));
            break;
          case "EmergencyCustodianSet":
            providers.add(text("custodian"));
            break;
          case "PatientRegistered":
          case "PatientKeyRotated":
            keys.push({ account: patient!, key: text("encryptionKey"), source: "directory" });
            break;
          case "DelegateAdded":
            delegates.push({ patient: patient!, delegate: text("delegate") });
            break;
          case "RecordAnchored":
          case "KeyringPublished":
            keyrings.push({ account: patient!, cid: String(args.keyringCid), manifest: false });
            break;
          case "BatchAnchored":
            keyrings.push({ account: patient!, cid: String(args.manifestCid), manifest: true });
            break;
        }
      }
      if (patients.size > 0) actions.push({ tx: tx.hash, block: n, from, patients: [...patients] });
    }
  }

  let keyringsUnavailable = 0;
  // A v3 (batch) record keyring names its batch-key keyring, which holds the recipients: fetched once per batch key.
  const batchKeys = new Map<string, Promise<readonly KeyringEntry[]>>();
  const recipientsOf = async (account: string, cid: CID) => {
    try {
      const bytes = await store.get(cid);
      let recipients: readonly { readonly key: string }[];
      if (isKeyringV3(bytes)) {
        const batchKeyring = decodeKeyringV3(bytes, "record").batchKeyring;
        let entries = batchKeys.get(batchKeyring);
        if (!entries) {
          entries = store.get(CID.parse(batchKeyring)).then((b) => decodeKeyringV3(b, "batch-key").recipients);
          batchKeys.set(batchKeyring, entries);
        }
        recipients = await entries;
      } else {
        recipients = decodeAnyKeyring(bytes).recipients;
      }
      for (const r of recipients) keys.push({ account, key: r.key.toLowerCase(), source: "keyring" });
    } catch {
      keyringsUnavailable++;
    }
  };
  for (const { account, cid, manifest } of keyrings) {
    let records: readonly { readonly keyring: string }[];
    try {
      const id = CID.decode(getBytes(cid));
      if (!manifest) {
        await recipientsOf(account, id);
        continue;
      }
      records = decodeManifest(await store.get(id)).records;
    } catch {
      keyringsUnavailable++;
      continue;
    }
    for (const r of records) await recipientsOf(account, CID.parse(r.keyring));
  }
  return {
    providers: [...providers],
    providerKeys: [...providerKeys],
    operators: [...operators],
    relationships,
    actions,
    transfers,
    keys,
    delegates,
    keyringsUnavailable,
  };
}
