/**
 * Sends transactions one account at a time: a queue per (chain, account) shared by every client in the process,
 * nonces counted locally for signers that sign locally (an ethers `Wallet`), receipts awaited with
 * {@link waitForReceipt}, failures turned into typed errors (see send-errors.ts). The registry of queues is this
 * module's one piece of process-wide state, on purpose: it is what lets two clients of one account share a queue.
 * @module
 */
import {
  AbstractSigner,
  BaseWallet,
  getAddress,
  isError,
  JsonRpcApiProvider,
  JsonRpcSigner,
  keccak256,
  NonceManager,
  Transaction,
  type ContractTransactionResponse,
  type Provider,
  type Signer,
  type TransactionRequest,
  type TransactionResponse,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

import { CarechainError } from "../errors/base.js";
import { UnknownRevertError } from "../errors/contract.js";
import { waitForReceipt } from "./receipts.js";
import { revertErrorOf } from "./revert.js";
import {
  certainlyRefused,
  codeOf,
  isNonceError,
  nodeMessageOf,
  nonceOfRequest,
  transactionError,
} from "./send-errors.js";

/**
 * Who picks a transaction's nonce.
 * - `local`: the SDK. It reads the account's pending transaction count from the node once, then counts up itself,
 *   and reads it again after a failed send. For signers built on ethers' `AbstractSigner` that sign locally
 *   (`Wallet`, `HDNodeWallet`, a custom KMS signer): left to themselves they ask the provider for the pending count
 *   before each send, which a `JsonRpcProvider` caches for 250 ms, so back-to-back sends reuse a nonce.
 * - `signer`: the signer or the wallet behind it. For `JsonRpcSigner` (a browser wallet through `BrowserProvider`,
 *   or a node's unlocked account through `JsonRpcProvider.getSigner()`), ethers' `NonceManager`, Hardhat's signers
 *   and any other `Signer`: they send with `eth_sendTransaction` or count nonces themselves.
 *
 * Either way the sends of one account go out one at a time, in the order they were asked for.
 */
export type NonceSource = "local" | "signer";

/** The send queue and nonce counter of one account on one chain, shared by every {@link QueuedSigner} of it. */
interface AccountQueue {
  /** Settles when the last queued send has settled; never rejects. */
  tail: Promise<void>;
  /** The next nonce to use (`local` nonces), `undefined` until read from the node or after a failed send. */
  next: number | undefined;
}

/** Broadcasts of one signed transaction over a flaky connection before its error is reported. */
const BROADCAST_ATTEMPTS = 3;

/** Every account's queue in this process, by `${chainId}:${address}`. */
const QUEUES = new Map<string, AccountQueue>();

/**
 * Who picks the nonces of `signer`'s transactions (see {@link NonceSource}).
 * @param signer - Any ethers v6 signer.
 * @returns `local` for signers that sign locally on ethers' `AbstractSigner`; `signer` for the rest.
 */
export function nonceSourceOf(signer: Signer): NonceSource {
  if (signer instanceof QueuedSigner) return signer.nonceSource;
  if (signer instanceof JsonRpcSigner || signer instanceof NonceManager) return "signer";
  return signer instanceof AbstractSigner ? "local" : "signer";
}

/**
 * A signer that sends through its account's queue: one send at a time per (chain id, address) in the whole
 * process, however many clients or signer objects share the account, with locally counted nonces where the
 * signer would otherwise reuse them (see {@link NonceSource}). A nonce error (NONCE_EXPIRED, "nonce too high",
 * REPLACEMENT_UNDERPRICED) makes it read the count from the node again and send once more. A `Wallet`'s transaction
 * is signed once and its bytes broadcast up to 3 times over a cut connection (the node's copy is taken when an
 * earlier attempt got through). Signing and reads are passed to the wrapped signer unchanged.
 *
 * {@link Carechain} binds its contracts to one, so `client.contracts.*` sends share the queue too; wrap your own
 * signer with {@link queuedSigner} when your code sends from the same account beside the SDK.
 */
export class QueuedSigner extends AbstractSigner<Provider> {
  /** The wrapped signer. */
  readonly signer: Signer;
  /** Who picks the nonces (see {@link NonceSource}). */
  readonly nonceSource: NonceSource;
  #queue: Promise<AccountQueue> | undefined;

  /**
   * @param signer - The signer to send with; it must have a provider.
   * @throws {CarechainError} `CHAIN` when the signer has no provider.
   */
  constructor(signer: Signer) {
    if (!signer.provider) throw new CarechainError("CHAIN", "The signer has no provider to reach the chain.");
    super(signer.provider);
    this.signer = signer instanceof QueuedSigner ? signer.signer : signer;
    this.nonceSource = nonceSourceOf(this.signer);
  }

  /**
   * The same account's queued signer on another provider.
   * @param provider - The provider to use.
   * @returns A new {@link QueuedSigner} (same queue, when the provider is on the same chain).
   */
  override connect(provider: Provider | null): QueuedSigner {
    return new QueuedSigner(this.signer.connect(provider));
  }

  /** @returns The account's address, from the wrapped signer. */
  override getAddress(): Promise<string> {
    return this.signer.getAddress();
  }

  /**
   * Signs without sending (the wrapped signer's `signTransaction`).
   * @param tx - The transaction.
   * @returns The signed serialized transaction.
   */
  override signTransaction(tx: TransactionRequest): Promise<string> {
    return this.signer.signTransaction(tx);
  }

  /**
   * Signs a message (EIP-191) with the wrapped signer.
   * @param message - Text or bytes.
   * @returns The signature.
   */
  override signMessage(message: string | Uint8Array): Promise<string> {
    return this.signer.signMessage(message);
  }

  /**
   * Signs typed data (EIP-712) with the wrapped signer.
   * @param domain - The EIP-712 domain.
   * @param types - The types.
   * @param value - The value.
   * @returns The signature.
   */
  override signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return this.signer.signTypedData(domain, types, value);
  }

  /**
   * Sends a transaction through the account's queue: it waits for the sends queued before it to be handed to the
   * node, gets the next nonce (`local`) or leaves it to the signer (`signer`), and resolves once the node has taken
   * it (not mined: wait on the response for that). An explicit `tx.nonce` is used as given.
   * @param tx - The transaction request (as a contract method or `ContractFactory.deploy` builds it).
   * @returns The node's response.
   * @throws The wrapped signer's error (an ethers error) when the send fails after the one nonce retry.
   */
  override async sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    const queue = await this.#accountQueue();
    return enqueue(queue, async () => {
      const explicitNonce = tx.nonce !== undefined && tx.nonce !== null;
      if (this.nonceSource === "signer" || explicitNonce) {
        try {
          return await this.signer.sendTransaction(tx);
        } finally {
          if (explicitNonce) queue.next = undefined;
        }
      }
      const nonce = queue.next ?? (await this.#pendingCount());
      try {
        return await this.#sendWithNonce(queue, tx, nonce);
      } catch (error) {
        if (!isNonceError(error)) throw error;
        // Another sender used the account, a transaction was dropped, or the chain was reset: ask the node again.
        const counted = await this.#pendingCount();
        return await this.#sendWithNonce(
          queue,
          tx,
          codeOf(error) === "NONCE_EXPIRED" ? Math.max(counted, nonce + 1) : counted,
        );
      }
    });
  }

  /**
   * Forgets the locally counted nonce: the next send reads the account's pending count from the node again. Call
   * it when a sent transaction may have been dropped (not mined in time); queued after the sends already waiting.
   * @returns Once done.
   */
  async resync(): Promise<void> {
    const queue = await this.#accountQueue();
    await enqueue(queue, async () => {
      queue.next = undefined;
    });
  }

  async #sendWithNonce(queue: AccountQueue, tx: TransactionRequest, nonce: number): Promise<TransactionResponse> {
    queue.next = undefined; // until the node has taken this one
    const response =
      this.signer instanceof BaseWallet
        ? await this.#signAndBroadcast(this.signer, { ...tx, nonce })
        : await this.signer.sendTransaction({ ...tx, nonce });
    queue.next = nonce + 1;
    return response;
  }

  /**
   * What `Wallet.sendTransaction` does, with the broadcast retried: the transaction is signed once, so sending the
   * same bytes again after a cut connection cannot make a second transaction. When a retry is refused because the
   * node already has it (the first attempt got through, its answer was lost), the node's copy is returned.
   */
  async #signAndBroadcast(wallet: BaseWallet, tx: TransactionRequest): Promise<TransactionResponse> {
    const populated = await wallet.populateTransaction(tx);
    delete populated.from;
    const signed = await wallet.signTransaction(Transaction.from(populated));
    const hash = keccak256(signed); // a signed transaction's hash: keccak-256 of its serialized bytes
    const provider = this.provider;
    for (let attempt = 1; ; attempt++) {
      try {
        return await provider.broadcastTransaction(signed);
      } catch (error) {
        if (
          attempt > 1 &&
          (codeOf(error) === "NONCE_EXPIRED" || /already known|known transaction/i.test(nodeMessageOf(error) ?? ""))
        ) {
          const known = await provider.getTransaction(hash).catch(() => null);
          if (known) return known;
        }
        if (certainlyRefused(error) || attempt >= BROADCAST_ATTEMPTS) throw error;
        await sleep(100 * attempt);
      }
    }
  }

  /** The account's pending transaction count, straight from the node (past the provider's 250 ms request cache). */
  async #pendingCount(): Promise<number> {
    const address = await this.getAddress();
    const provider = this.provider;
    if (provider instanceof JsonRpcApiProvider) {
      const count: unknown = await provider.send("eth_getTransactionCount", [address, "pending"]);
      if (typeof count !== "string" || !/^0x[0-9a-f]+$/i.test(count)) {
        throw new CarechainError(
          "CHAIN",
          `The node answered eth_getTransactionCount with ${JSON.stringify(count)}, not a quantity.`,
        );
      }
      return Number(BigInt(count));
    }
    return provider.getTransactionCount(address, "pending");
  }

  #accountQueue(): Promise<AccountQueue> {
    if (!this.#queue) {
      const lookup = (async () => {
        const [{ chainId }, address] = await Promise.all([this.provider.getNetwork(), this.getAddress()]);
        const key = `${chainId}:${getAddress(address)}`;
        let queue = QUEUES.get(key);
        if (!queue) QUEUES.set(key, (queue = { tail: Promise.resolve(), next: undefined }));
        return queue;
      })();
      this.#queue = lookup;
      // A failed lookup (node unreachable) is tried again by the next send.
      lookup.catch(() => {
        if (this.#queue === lookup) this.#queue = undefined;
      });
    }
    return this.#queue;
  }
}

/**
 * The queued signer of `signer` (the signer itself when it is one already).
 * @param signer - Any ethers v6 signer with a provider.
 * @returns A {@link QueuedSigner} sharing its account's queue with every other one in the process.
 * @throws {CarechainError} `CHAIN` when the signer has no provider.
 */
export function queuedSigner(signer: Signer): QueuedSigner {
  return signer instanceof QueuedSigner ? signer : new QueuedSigner(signer);
}

/** What a confirmed transaction gave. */
export interface SentTransaction {
  /** The transaction hash. */
  readonly hash: string;
  /** Gas used, from the receipt. */
  readonly gasUsed: bigint;
  /** The block it was mined in. */
  readonly blockNumber: number;
}

/**
 * Sends a contract transaction and waits for one confirmation, with every failure typed: a revert (in the gas
 * estimate or on chain) as the {@link ContractRevertError} class named after the Solidity error, anything else as a
 * {@link TransactionError} naming `action`, with the cause's code and the node's message. The receipt is polled by
 * {@link waitForReceipt} (not ethers' `wait()`, whose block poller leaves a failed request as an unhandled
 * rejection). When the receipt does not come in time, the sender's nonce count is read from the node again (the
 * transaction may have been dropped).
 * @param action - The operation, for the error message (e.g. `grant`).
 * @param sender - The queued signer the contract is bound to.
 * @param send - Sends the transaction (a contract method call).
 * @param minedTimeoutMs - How long to wait for the receipt (default: no limit).
 * @returns Hash, gas used and block of the mined transaction.
 * @throws {ContractRevertError} When the transaction reverts.
 * @throws {TransactionError} When it fails otherwise (refused by the node, lost, not mined in time).
 */
export async function sendAndConfirm(
  action: string,
  sender: QueuedSigner,
  send: () => Promise<ContractTransactionResponse | TransactionResponse>,
  minedTimeoutMs?: number,
): Promise<SentTransaction> {
  let response: TransactionResponse;
  try {
    response = await send();
  } catch (error) {
    throw await transactionFailure(action, sender, error);
  }
  try {
    const receipt = await waitForReceipt(sender.provider, response.hash, { timeoutMs: minedTimeoutMs });
    if (receipt.status === 0) {
      throw new UnknownRevertError(
        "Unknown",
        {},
        { cause: new Error(`${action} reverted in block ${receipt.blockNumber}`) },
      );
    }
    return { hash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber };
  } catch (error) {
    if (isError(error, "TIMEOUT")) await sender.resync().catch(() => undefined);
    throw await transactionFailure(action, sender, error, response);
  }
}

/** The typed error for a failed send or wait. */
async function transactionFailure(
  action: string,
  sender: QueuedSigner,
  error: unknown,
  response?: TransactionResponse,
): Promise<CarechainError> {
  if (error instanceof CarechainError) return error;
  const revert = revertErrorOf(error);
  if (revert) return revert;
  const from = response?.from ?? (await sender.getAddress().catch(() => undefined));
  return transactionError(action, error, {
    from,
    nonce: response?.nonce ?? nonceOfRequest(error),
    transactionHash: response?.hash,
    mayHaveLanded: response !== undefined || !certainlyRefused(error),
  });
}

/** Resolves after `ms`. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `job` after every job queued before it on `queue` has settled. */
function enqueue<T>(queue: AccountQueue, job: () => Promise<T>): Promise<T> {
  const result = queue.tail.then(job);
  queue.tail = result.then(
    () => undefined,
    () => undefined,
  );
  return result;
}
