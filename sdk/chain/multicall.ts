/**
 * Batched views: many `eth_call`s in one through Multicall3's `aggregate3` (the canonical deployment, or the one
 * `deployCarechain` puts on a local chain), and the same calls one by one where no Multicall3 code is found.
 * @module
 */
import { Contract, getAddress, type BaseContract, type Provider } from "ethers";

/** The canonical Multicall3 address, the same on every chain where it is deployed. */
export const MULTICALL3_ADDRESS = "0xcA11bde05977b3631167028862bE2a173976CA11";

/** The part of Multicall3's ABI the SDK uses. */
export const MULTICALL3_AGGREGATE3_ABI = [
  "function aggregate3((address target, bool allowFailure, bytes callData)[] calls) payable returns ((bool success, bytes returnData)[] returnData)",
] as const;

/** One view to make: a contract, one of its view functions, and the arguments. */
export interface ViewCall {
  /** The contract (its address and interface are used; its runner is used only when calls go one by one). */
  readonly contract: BaseContract;
  /** The view function's name (or signature, for an overloaded one). */
  readonly method: string;
  /** Its arguments. */
  readonly args: readonly unknown[];
}

/** How a {@link ViewBatcher}'s calls went: in one `aggregate3` call, or one by one. */
export interface ViewBatchStats {
  /** Batches sent as one `aggregate3` call. */
  readonly aggregated: number;
  /** Batches made one call at a time (no Multicall3 code, or its answer could not be used). */
  readonly sequential: number;
}

/** One call's outcome, as `aggregate3` returns it. */
interface Aggregate3Answer {
  readonly success: boolean;
  readonly returnData: string;
}

/**
 * Makes batches of views in one `eth_call` through Multicall3 when the chain has its code at the batcher's address
 * (checked once), and one call at a time otherwise. A batch whose `aggregate3` call fails (a call in it reverted, or
 * the node refused it) is made again one call at a time, so each view's own error (e.g. a decoded revert) is what
 * the caller sees. Only views go through it: a call through Multicall3 has its address as `msg.sender`.
 */
export class ViewBatcher {
  readonly #provider: Provider;
  readonly #address: string | undefined;
  #usable: Promise<boolean> | undefined;
  #aggregated = 0;
  #sequential = 0;

  /**
   * @param provider - The chain.
   * @param address - Multicall3's address (default the canonical one); `false` to always call one by one.
   */
  constructor(provider: Provider, address: string | false = MULTICALL3_ADDRESS) {
    this.#provider = provider;
    this.#address = address === false ? undefined : getAddress(address);
  }

  /** Multicall3's address, or `false` when every batch is made one call at a time. */
  get address(): string | false {
    return this.#address ?? false;
  }

  /** @returns How many batches went through `aggregate3`, and how many one call at a time. */
  stats(): ViewBatchStats {
    return { aggregated: this.#aggregated, sequential: this.#sequential };
  }

  /**
   * Whether the chain has contract code at the Multicall3 address (asked once; a failed look-up is asked again).
   * @returns True when batches go through `aggregate3`.
   */
  available(): Promise<boolean> {
    const address = this.#address;
    if (address === undefined) return Promise.resolve(false);
    if (!this.#usable) {
      const asked = this.#provider.getCode(address).then((code) => code !== "0x");
      asked.catch(() => (this.#usable = undefined));
      this.#usable = asked;
    }
    return this.#usable;
  }

  /**
   * Makes every view of `calls` and returns their decoded results, in order (a one-value result unwrapped, as
   * ethers' contract methods return it).
   * @param calls - The views.
   * @returns One result per call.
   * @throws The first failing view's own error (from the one-by-one path).
   */
  async call(calls: readonly ViewCall[]): Promise<unknown[]> {
    if (calls.length === 0) return [];
    if (this.#address !== undefined && calls.length > 1 && (await this.available())) {
      const aggregated = await this.#aggregate(this.#address, calls);
      if (aggregated) {
        this.#aggregated++;
        return aggregated;
      }
    }
    this.#sequential++;
    const results: unknown[] = [];
    for (const c of calls) {
      // The contract's own method (a view is called, not sent), as any other read of it would be.
      const method = (c.contract as unknown as Record<string, unknown>)[c.method];
      results.push(
        typeof method === "function"
          ? await (method as (...args: unknown[]) => Promise<unknown>).apply(c.contract, [...c.args])
          : await c.contract.getFunction(c.method).staticCall(...c.args),
      );
    }
    return results;
  }

  /** The decoded results through `aggregate3`, or `undefined` when that call or one of its views failed. */
  async #aggregate(address: string, calls: readonly ViewCall[]): Promise<unknown[] | undefined> {
    const aggregate3 = new Contract(address, MULTICALL3_AGGREGATE3_ABI, this.#provider).getFunction("aggregate3");
    const encoded = await Promise.all(
      calls.map(async (c) => ({
        target: await c.contract.getAddress(),
        allowFailure: true,
        callData: c.contract.interface.encodeFunctionData(c.method, c.args as unknown[]),
      })),
    );
    let answers: Aggregate3Answer[];
    try {
      answers = (await aggregate3.staticCall(encoded)) as Aggregate3Answer[];
    } catch {
      return undefined; // the one-by-one path reports the failure as each view's own
    }
    if (answers.length !== calls.length || answers.some((a) => !a.success)) return undefined;
    try {
      return calls.map((c, i): unknown => {
        const decoded = c.contract.interface.decodeFunctionResult(c.method, answers[i]?.returnData ?? "0x");
        return decoded.length === 1 ? (decoded[0] as unknown) : decoded;
      });
    } catch {
      return undefined; // an answer that does not decode (not Multicall3 at the address): ask one by one
    }
  }
}
