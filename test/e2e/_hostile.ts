/**
 * What a hostile writer or publisher does below the SDK: encrypt, store and anchor objects the SDK itself would
 * never make (undeclared batch categories, garbage or wrong-key keyrings, missing manifests, oversized blobs), and
 * plant a Directory key the Directory would refuse.
 */
import { AbiCoder, keccak256, toBeHex, zeroPadValue } from "ethers";
import type { CID } from "multiformats/cid";

import { batchTree, encodeManifest, type BatchEntry } from "../../sdk/client/batch.js";
import {
  batchIdOf,
  canonicalJson,
  categoryMask,
  cidOf,
  createKeyring,
  encodeKeyring,
  encryptEnvelope,
  generateDek,
  recordIdOf,
  type BlobStore,
  type Carechain,
  type CategoryId,
} from "./_sdk.js";
import type { registeredFixture } from "../helpers/fixtures.js";

type Fixture = Awaited<ReturnType<typeof registeredFixture>>;

const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * The SDK's record AEAD context (sdk/client/carechain.ts `recordContext`):
 * "carechain/record/v2" || patient (20) || author (20) || category mask (8, big-endian).
 */
export function recordContext(patient: string, author: string, categories: CategoryId[]): Uint8Array {
  const prefix = utf8("carechain/record/v2");
  const out = new Uint8Array(prefix.length + 48);
  out.set(prefix, 0);
  out.set(Buffer.from(patient.slice(2), "hex"), prefix.length);
  out.set(Buffer.from(author.slice(2), "hex"), prefix.length + 20);
  new DataView(out.buffer).setBigUint64(prefix.length + 40, categoryMask(categories));
  return out;
}

/**
 * Encrypts `resource` as `patient`'s record of `categories` written by `author` and stores it; the key is wrapped
 * for `readers`.
 */
export async function sealRecord(
  store: BlobStore,
  patient: string,
  author: string,
  categories: CategoryId[],
  resource: unknown,
  readers: Uint8Array[],
): Promise<{ entry: BatchEntry; contentCid: CID; keyringCid: CID; dek: Uint8Array }> {
  const dek = generateDek();
  const context = recordContext(patient, author, categories);
  const contentCid = await store.put(encryptEnvelope(dek, utf8(canonicalJson(resource)), context));
  const keyringCid = await store.put(encodeKeyring(await createKeyring(contentCid, dek, readers)));
  const entry = {
    recordId: recordIdOf(patient, author, contentCid),
    categories,
    content: contentCid.toString(),
    keyring: keyringCid.toString(),
  };
  return { entry, contentCid, keyringCid, dek };
}

/**
 * `writer` anchors a batch of `entries` for `patient` declaring only `declared` on chain (its write consent is
 * checked for those only), with a genuine manifest stored. Returns the batch id.
 */
export async function anchorRawBatch(
  writer: Carechain,
  store: BlobStore,
  patient: string,
  entries: BatchEntry[],
  declared: CategoryId[],
): Promise<string> {
  const author = await writer.address();
  const manifest = { v: 2 as const, patient, author, records: entries };
  const manifestCid = await store.put(encodeManifest(manifest));
  const root = batchTree(manifest).root;
  await (
    await writer.contracts.records.anchorBatch(patient, root, categoryMask(declared), entries.length, manifestCid.bytes)
  ).wait();
  return batchIdOf(patient, author, root);
}

/** `writer` anchors a batch (random root) whose manifest CID is `manifestCid`, whatever it holds. Returns its id. */
export async function anchorBatchWithManifest(
  writer: Carechain,
  patient: string,
  declared: CategoryId[],
  count: number,
  manifestCid: CID,
): Promise<string> {
  const root = `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex")}`;
  await (
    await writer.contracts.records.anchorBatch(patient, root, categoryMask(declared), count, manifestCid.bytes)
  ).wait();
  return batchIdOf(patient, await writer.address(), root);
}

/** `writer` anchors a single record of `categories` whose keyring CID is `keyringCid` (whatever it holds). */
export async function anchorRaw(
  writer: Carechain,
  patient: string,
  categories: CategoryId[],
  contentCid: CID,
  keyringCid: CID,
): Promise<string> {
  const mask = categoryMask(categories);
  await (
    await writer.contracts.records.anchor(patient, mask, contentCid.bytes, keyringCid.bytes, `0x${"00".repeat(32)}`)
  ).wait();
  return recordIdOf(patient, await writer.address(), contentCid);
}

/** `publisher` publishes `keyringCid` for `recordId` on chain. */
export async function publishRaw(publisher: Carechain, recordId: string, keyringCid: CID): Promise<void> {
  await (await publisher.contracts.records.publishKeyrings([recordId], [keyringCid.bytes])).wait();
}

/** A CID of bytes that were never stored anywhere. */
export async function missingCid(label: string): Promise<CID> {
  return cidOf(utf8(`never stored: ${label} ${Math.random()}`));
}

/**
 * Overwrites `account`'s encryption key in the Directory's storage with `key` (which the Directory may refuse to
 * register): finds the slot holding the current key among the first mapping slots and struct fields. The Directory's
 * key slot marks a provider with bit 255 of the key (0x80 in its last byte, clear in every canonical key); the
 * planted key keeps the account's mark.
 */
/** Bit 255 of an X25519 key's encoding as the Directory stores it: the provider mark of its key slot. */
const PROVIDER_MARK = 0x80n;

export async function plantDirectoryKey(f: Fixture, account: string, key: Uint8Array): Promise<void> {
  const provider = f.connection.ethers.provider;
  const directory = await f.registrar.contracts.directory.getAddress();
  const current = await f.registrar.contracts.directory.encryptionKeyOf(account);
  const coder = AbiCoder.defaultAbiCoder();
  for (let base = 0; base < 16; base++) {
    const slot = BigInt(keccak256(coder.encode(["address", "uint256"], [account, base])));
    for (let field = 0n; field < 4n; field++) {
      const at = toBeHex(slot + field, 32);
      const stored = BigInt((await provider.send("eth_getStorageAt", [directory, at, "latest"])) as string);
      const role = stored & PROVIDER_MARK;
      if (stored !== 0n && (stored & ~PROVIDER_MARK) === BigInt(current)) {
        const hex = `0x${Buffer.from(key).toString("hex")}`;
        await provider.send("hardhat_setStorageAt", [directory, at, toBeHex(BigInt(zeroPadValue(hex, 32)) | role, 32)]);
        if ((await f.registrar.contracts.directory.encryptionKeyOf(account)) !== hex)
          throw new Error("key not planted");
        return;
      }
    }
  }
  throw new Error(`no Directory slot holds ${account}'s key`);
}
