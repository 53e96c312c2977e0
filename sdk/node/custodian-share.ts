/**
 * A threshold custodian node's decision on one share request (the share-holding mode of the custodian service): the
 * reader's access must be logged on chain in the transaction it names (a `RecordAccessed` event of this
 * RecordRegistry for this record, reader and purpose, recent), the record must not be erased (`markErased`: 410
 * `RECORD_ERASED`, even for an access logged before the erasure), the chain must say now that the reader may read every
 * category of the record for that purpose (for break-glass: its break-glass is open), the share must open with this
 * node's key for this record; only then is it sealed for the reader's Directory key. The node sends no transaction.
 * @module
 */
import { getAddress, Interface, type EventFragment } from "ethers";

import { PurposeOfUse, type PurposeCode } from "../chain/purpose.js";
import type { CarechainContracts } from "../chain/deployment.js";
import type { ShareReleaseRequest } from "../client/threshold-custody.js";
import { fromHex, toHex } from "../crypto/bytes.js";
import { CarechainError } from "../errors/base.js";
import { DeploymentError } from "../errors/data.js";
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
  | "ACCESS_NOT_LOGGED"
  | "ACCESS_LOG_STALE"
  | "ACCESS_DENIED"
  | "READER_NOT_REGISTERED"
  | "RECORD_ERASED"
  | "SHARE_INVALID";

/** A node's decision: the answer's bytes, or a refusal. */
export type ShareDecision =
  { readonly answer: Uint8Array } | { readonly refused: ShareRefusal; readonly detail?: string };

const RECORDS = new Interface(RECORD_REGISTRY_ABI);
const ACCESSED = requiredEvent("RecordAccessed");
const READ = 0; // contracts/types/Access.sol: Action.Read

/** An event of the RecordRegistry ABI; its absence means the generated ABI is out of date with this module. */
function requiredEvent(name: string): EventFragment {
  const event = RECORDS.getEvent(name);
  if (!event) throw new DeploymentError(`The RecordRegistry ABI has no ${name} event.`);
  return event;
}

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
  const provider = contracts.records.runner?.provider;
  if (!provider) throw new CarechainError("CHAIN", "The custodian's contracts have no provider to reach the chain.");
  const registry = getAddress(await contracts.records.getAddress());
  const reader = getAddress(request.reader);
  const receipt = await provider.getTransactionReceipt(request.accessTx);
  if (receipt?.status !== 1) return { refused: "ACCESS_NOT_LOGGED", detail: "no successful transaction" };
  const logged = receipt.logs.some((log) => {
    if (getAddress(log.address) !== registry || log.topics[0] !== ACCESSED.topicHash) return false;
    const event = RECORDS.parseLog(log);
    return (
      event !== null &&
      event.args.recordId === request.recordId &&
      getAddress(event.args.accessor as string) === reader &&
      Number(event.args.purpose) === PurposeOfUse[request.purpose]
    );
  });
  if (!logged) return { refused: "ACCESS_NOT_LOGGED", detail: "no matching RecordAccessed event" };
  const [logBlock, latest] = await Promise.all([provider.getBlock(receipt.blockNumber), provider.getBlock("latest")]);
  if (!logBlock || !latest) throw new CarechainError("CHAIN", "The node did not return the access log's block.");
  const age = latest.timestamp - logBlock.timestamp;
  if (age > (holder.maxAccessAgeSeconds ?? 300)) return { refused: "ACCESS_LOG_STALE", detail: `${age} s old` };
  // Independently of the log: the record must not be erased since (an access logged before the patient erased it
  // opens nothing), and the chain must say now that the reader may read every category of the record.
  const record = await contracts.records.record(request.recordId);
  if (record.erased) return { refused: "RECORD_ERASED" };
  for (let rest = record.categories; rest !== 0n; rest &= rest - 1n) {
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
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Whether `value` is a string that `pattern` matches. */
function matches(value: unknown, pattern: RegExp): value is string {
  return typeof value === "string" && pattern.test(value);
}

/** Whether `value` names a purpose of use. */
function isPurposeCode(value: string): value is PurposeCode {
  return Object.hasOwn(PurposeOfUse, value);
}

/**
 * Parses a share request body; checks every field's shape (the service and the chain check the rest).
 * @param body - The request body.
 * @returns The request, or undefined when it is not a well-formed share request.
 */
export function parseShareRequest(body: string): ShareReleaseRequest | undefined {
  try {
    const r = JSON.parse(body) as Partial<Record<keyof ShareReleaseRequest, unknown>> | null;
    if (typeof r !== "object" || r === null) return undefined;
    const { chainId, registry, recordId, reader, purpose, accessTx, issuedAt, signature, share } = r;
    const ok =
      matches(chainId, /^[0-9]{1,20}$/) &&
      matches(registry, ADDRESS) &&
      matches(recordId, HEX32) &&
      matches(reader, ADDRESS) &&
      typeof purpose === "string" &&
      isPurposeCode(purpose) &&
      matches(accessTx, HEX32) &&
      typeof issuedAt === "number" &&
      Number.isSafeInteger(issuedAt) &&
      matches(signature, /^0x[0-9a-fA-F]{128,130}$/) &&
      typeof share === "object" &&
      share !== null;
    if (!ok) return undefined;
    const { index, enc, wrapped } = share as Partial<Record<keyof ShareReleaseRequest["share"], unknown>>;
    const shareOk =
      typeof index === "number" &&
      Number.isInteger(index) &&
      index >= 0 &&
      index < 256 &&
      matches(enc, HEX32) &&
      matches(wrapped, /^0x[0-9a-f]{2,512}$/);
    if (!shareOk) return undefined;
    getAddress(registry);
    getAddress(reader);
    return {
      chainId,
      registry,
      recordId,
      reader,
      purpose,
      accessTx,
      issuedAt,
      share: { index, enc, wrapped },
      signature,
    };
  } catch {
    return undefined;
  }
}
