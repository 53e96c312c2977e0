/**
 * What a failed send was: the ethers code (refined from the node's message where ethers could not tell), the node's
 * own message, whether the node certainly refused it; and the {@link TransactionError} that says so.
 * @module
 */
import { Transaction } from "ethers";

import { TransactionError } from "../errors/transaction.js";

/**
 * Wraps a failed send in a {@link TransactionError} naming `action` and carrying the cause's code and the node's
 * message (revert errors are not this function's concern: see `revertErrorOf`).
 * @param action - The operation, for the message.
 * @param error - The ethers or Node error.
 * @param known - What the caller knows: sender, nonce, hash, whether it may have landed (default: unless the
 * node certainly refused it).
 * @returns The typed error.
 */
export function transactionError(
  action: string,
  error: unknown,
  known: { from?: string; nonce?: number; transactionHash?: string; mayHaveLanded?: boolean } = {},
): TransactionError {
  const causeCode = codeOf(error);
  const nodeMessage = nodeMessageOf(error);
  const summary = shortMessageOf(error);
  const because = [summary, causeCode && `(${causeCode})`].filter(Boolean).join(" ");
  return new TransactionError(
    `The "${action}" transaction failed${because ? `: ${because}` : ""}.`,
    {
      action,
      causeCode,
      nodeMessage,
      from: known.from,
      nonce: known.nonce,
      transactionHash: known.transactionHash,
      mayHaveLanded: known.mayHaveLanded ?? !certainlyRefused(error),
    },
    { cause: error },
  );
}

/** Ethers codes of failures where the node (or ethers, before sending) refused the transaction outright. */
const REFUSALS = new Set([
  "NONCE_EXPIRED",
  "INSUFFICIENT_FUNDS",
  "REPLACEMENT_UNDERPRICED",
  "CALL_EXCEPTION",
  "INVALID_ARGUMENT",
  "MISSING_ARGUMENT",
  "UNEXPECTED_ARGUMENT",
  "UNSUPPORTED_OPERATION",
  "ACTION_REJECTED",
  "UNCONFIGURED_NAME",
]);

/**
 * Whether the node certainly did not take the transaction: a refusal code, or a JSON-RPC error answer.
 * @param error - The send's error.
 * @returns True when the transaction can't have landed.
 */
export function certainlyRefused(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && REFUSALS.has(code)) return true;
  return rpcErrorOf(error) !== undefined;
}

/**
 * Whether the send failed on its nonce: too low (used), too high (a gap), or a pending transaction with the same one.
 * @param error - The send's error.
 * @returns True for a nonce collision.
 */
export function isNonceError(error: unknown): boolean {
  const code = codeOf(error);
  if (code === "NONCE_EXPIRED" || code === "REPLACEMENT_UNDERPRICED") return true;
  const message = nodeMessageOf(error) ?? (error instanceof Error ? error.message : "");
  return /nonce too (high|low)|invalid nonce|nonce.*(already|been) used/i.test(message);
}

/**
 * Node phrasings that ethers leaves as UNKNOWN_ERROR, and the ethers code they mean (Hardhat and other nodes word
 * these differently from geth, whose wording ethers knows).
 */
const NODE_PHRASES: readonly (readonly [RegExp, string])[] = [
  [/insufficient funds|(have|has) enough funds|insufficient balance|balance too low/i, "INSUFFICIENT_FUNDS"],
  [/nonce too low|nonce (has )?already (been )?used|nonce is too low/i, "NONCE_EXPIRED"],
  [/replacement transaction underpriced|replacement fee too low/i, "REPLACEMENT_UNDERPRICED"],
];

/**
 * The code of an error: its ethers code, or Node's system code (ECONNRESET) for a raw socket error; an ethers
 * UNKNOWN_ERROR is refined by the socket error under it or by the node's message.
 * @param error - Any error from ethers or Node.
 * @returns The code, or `undefined` when the error carries none.
 */
export function codeOf(error: unknown): string | undefined {
  let first: string | undefined;
  for (const e of causes(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") continue;
    if (first === undefined) first = code;
    else if (first === "UNKNOWN_ERROR" && /^E[A-Z]+$/.test(code)) return code;
  }
  if (first === undefined || first === "UNKNOWN_ERROR") {
    const message = nodeMessageOf(error);
    const known = message === undefined ? undefined : NODE_PHRASES.find(([pattern]) => pattern.test(message));
    if (known) return known[1];
  }
  return first;
}

/** The node's JSON-RPC error object ({ code: number, message }), wherever ethers put it. */
function rpcErrorOf(error: unknown): { code: number; message: string } | undefined {
  for (const e of causes(error)) {
    for (const candidate of [(e as { error?: unknown }).error, (e as { info?: { error?: unknown } }).info?.error]) {
      const rpc = candidate as { code?: unknown; message?: unknown } | undefined;
      if (rpc && typeof rpc.code === "number" && typeof rpc.message === "string") {
        return { code: rpc.code, message: rpc.message };
      }
    }
  }
  return undefined;
}

/**
 * The node's message, when it answered with a JSON-RPC error.
 * @param error - Any error from an ethers provider.
 * @returns The message, or `undefined` when the node did not answer with an error.
 */
export function nodeMessageOf(error: unknown): string | undefined {
  return rpcErrorOf(error)?.message;
}

/** Ethers' one-line summary of the error, or the message's first line. */
function shortMessageOf(error: unknown): string | undefined {
  const e = error as { shortMessage?: unknown; message?: unknown } | null;
  if (typeof e?.shortMessage === "string") return e.shortMessage;
  if (typeof e?.message === "string") return e.message.split("\n")[0];
  return undefined;
}

/**
 * The nonce of the transaction an ethers send error carries (signed bytes or a request), if any.
 * @param error - The send's error.
 * @returns The nonce, or `undefined`.
 */
export function nonceOfRequest(error: unknown): number | undefined {
  const tx = (error as { transaction?: unknown } | null)?.transaction;
  try {
    if (typeof tx === "string") return Transaction.from(tx).nonce;
    const nonce = (tx as { nonce?: unknown } | undefined)?.nonce;
    if (typeof nonce === "number") return nonce;
  } catch {
    // Not a decodable transaction.
  }
  return undefined;
}

/** An error and its nested causes (`cause`, `error`, `info.error`), each once. */
function* causes(error: unknown): Generator<object> {
  const seen = new Set<unknown>();
  const stack: unknown[] = [error];
  while (stack.length > 0) {
    const e = stack.shift();
    if (typeof e !== "object" || e === null || seen.has(e)) continue;
    seen.add(e);
    yield e;
    const r = e as { cause?: unknown; error?: unknown; info?: { error?: unknown } };
    stack.push(r.cause, r.error, r.info?.error);
  }
}
