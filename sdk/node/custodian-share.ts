/**
 * A threshold custodian node's decision on one share request (the share-holding mode of the custodian service): the
 * reader's access must be logged on chain in the transaction it names (a `RecordAccessed` event of this
 * RecordRegistry for this record, reader and purpose, recent), the chain must say now that the reader may read every
 * category of the record for that purpose (for break-glass: its break-glass is open), the share must open with this
 * node's key for this record; only then is it sealed for the reader's Directory key. The node sends no transaction.
 * @module
 */
import { getAddress, Interface } from "ethers";

import { PurposeOfUse, type PurposeCode } from "../chain/purpose.js";
import type { CarechainContracts } from "../chain/deployment.js";
import type { ShareReleaseRequest } from "../client/threshold-custody.js";
import { fromHex, toHex } from "../crypto/bytes.js";
import { openCustodyShare, sealShareForReader } from "../crypto/custody.js";
import type { IdentityKeyPair } from "../crypto/identity.js";
import { isX25519PublicKey } from "../crypto/public-key.js";
import { RECORD_REGISTRY_ABI } from "../contracts/generated/abi.js";

/** The share-holding mode of the custodian service. */
export interface ShareHolderOptions {
  /** This node's X25519 identity: custody documents seal its shares for its public key. */
  readonly identity: IdentityKeyPair;
  /** Oldest access log accepted, in seconds of chain time before the latest block; default 300. */
  readonly maxAccessAgeSeconds?: number;
}

/** Why a node refuses a share request (its HTTP status is chosen by the service). */
export type ShareRefusal =
  "ACCESS_NOT_LOGGED" | "ACCESS_LOG_STALE" | "ACCESS_DENIED" | "READER_NOT_REGISTERED" | "SHARE_INVALID";

/** A node's decision: the answer's bytes, or a refusal. */
export type ShareDecision =
  { readonly answer: Uint8Array } | { readonly refused: ShareRefusal; readonly detail?: string };

const RECORDS = new Interface(RECORD_REGISTRY_ABI);
const ACCESSED = RECORDS.getEvent("RecordAccessed")!;
const READ = 0; // contracts/types/Access.sol: Action.Read

/**
 * Decides a share request whose signature, freshness and deployment the service has already checked.
 * @param contracts - Read-only contracts of the deployment.
 * @param holder - This node's identity and limits.
 * @param request - The signed request.
 * @returns The sealed share as JSON `{"index","enc","wrapped"}`, or the refusal.
 * @throws {Error} When the chain cannot be read (the service answers INTERNAL).
 */
export async function decideShareRequest(
  contracts: CarechainContracts,
  holder: ShareHolderOptions,
  request: ShareReleaseRequest,
): Promise<ShareDecision> {
  const provider = contracts.records.runner!.provider!;
  const registry = getAddress(await contracts.records.getAddress());
  const reader = getAddress(request.reader);
  const receipt = await provider.getTransactionReceipt(request.accessTx);
  if (!receipt || receipt.status !== 1) return { refused: "ACCESS_NOT_LOGGED", detail: "no successful transaction" };
  const logged = receipt.logs.some((log) => {
    if (getAddress(log.address) !== registry || log.topics[0] !== ACCESSED.topicHash) return false;
    const event = RECORDS.parseLog(log)!;
    return (
      event.args.recordId === request.recordId &&
      getAddress(event.args.accessor as string) === reader &&
      Number(event.args.purpose) === PurposeOfUse[request.purpose]
    );
  });
  if (!logged) return { refused: "ACCESS_NOT_LOGGED", detail: "no matching RecordAccessed event" };
  const [logBlock, latest] = await Promise.all([provider.getBlock(receipt.blockNumber), provider.getBlock("latest")]);
  const age = latest!.timestamp - logBlock!.timestamp;
  if (age > (holder.maxAccessAgeSeconds ?? 300)) return { refused: "ACCESS_LOG_STALE", detail: `${age} s old` };
  // Independently of the log: the chain must say now that the reader may read every category of the record.
  const record = await contracts.records.record(request.recordId);
  for (let rest = BigInt(record.categories); rest !== 0n; rest &= rest - 1n) {
    const category = lowestBit(rest);
    const may = await contracts.consent.canAccessForPurpose(
      record.patient,
      reader,
      category,
      READ,
      PurposeOfUse[request.purpose],
    );
    if (!may) return { refused: "ACCESS_DENIED", detail: `category ${category}` };
  }
  const readerKey = fromHex("encryptionKey", await contracts.directory.encryptionKeyOf(reader), 32);
  if (!isX25519PublicKey(readerKey)) return { refused: "READER_NOT_REGISTERED" };
  let payload: Uint8Array;
  try {
    payload = await openCustodyShare(holder.identity, request.recordId, request.share);
  } catch {
    return { refused: "SHARE_INVALID" };
  }
  const sealed = await sealShareForReader(readerKey, request.recordId, request.share.index, payload);
  const answer = JSON.stringify({
    index: request.share.index,
    enc: toHex(sealed.enc),
    wrapped: toHex(sealed.ciphertext),
  });
  return { answer: new TextEncoder().encode(answer) };
}

function lowestBit(value: bigint): number {
  let i = 0;
  while (((value >> BigInt(i)) & 1n) === 0n) i++;
  return i;
}

const HEX32 = /^0x[0-9a-f]{64}$/;

/**
 * Parses a share request body; checks every field's shape (the service and the chain check the rest).
 * @param body - The request body.
 * @returns The request, or undefined when it is not a well-formed share request.
 */
export function parseShareRequest(body: string): ShareReleaseRequest | undefined {
  try {
    const r = JSON.parse(body) as Partial<ShareReleaseRequest>;
    const share = r?.share as Partial<ShareReleaseRequest["share"]> | undefined;
    const ok =
      typeof r === "object" &&
      r !== null &&
      typeof r.chainId === "string" &&
      /^[0-9]{1,20}$/.test(r.chainId) &&
      typeof r.registry === "string" &&
      /^0x[0-9a-fA-F]{40}$/.test(r.registry) &&
      typeof r.recordId === "string" &&
      HEX32.test(r.recordId) &&
      typeof r.reader === "string" &&
      /^0x[0-9a-fA-F]{40}$/.test(r.reader) &&
      typeof r.purpose === "string" &&
      Object.hasOwn(PurposeOfUse, r.purpose) &&
      typeof r.accessTx === "string" &&
      HEX32.test(r.accessTx) &&
      Number.isSafeInteger(r.issuedAt) &&
      typeof r.signature === "string" &&
      /^0x[0-9a-fA-F]{128,130}$/.test(r.signature) &&
      typeof share === "object" &&
      share !== null &&
      Number.isInteger(share.index) &&
      share.index! >= 0 &&
      share.index! < 256 &&
      typeof share.enc === "string" &&
      HEX32.test(share.enc) &&
      typeof share.wrapped === "string" &&
      /^0x[0-9a-f]{2,512}$/.test(share.wrapped);
    if (!ok) return undefined;
    getAddress(r.registry);
    getAddress(r.reader);
    return {
      chainId: r.chainId,
      registry: r.registry,
      recordId: r.recordId,
      reader: r.reader,
      purpose: r.purpose,
      accessTx: r.accessTx,
      issuedAt: r.issuedAt!,
      share: { index: share.index!, enc: share.enc, wrapped: share.wrapped },
      signature: r.signature,
    };
  } catch {
    return undefined;
  }
}
