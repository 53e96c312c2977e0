import { randomBytes } from "node:crypto";

import { Wallet, parseEther, type Provider, type Signer } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import type {} from "@nomicfoundation/hardhat-ethers";
import type {} from "@nomicfoundation/hardhat-network-helpers";

import {
  Carechain,
  CarechainError,
  generateIdentity,
  PseudonymousPatient,
  type BlobStore,
  type CarechainDeployment,
  type FhirValidator,
  type IndexedQuery,
  type IndexSource,
  type ProviderKind,
  type TxResult,
} from "../../sdk/index.js";

/** One step of a pilot run, as reported. */
export interface PilotStep {
  /** What the step does. */
  readonly name: string;
  /** Who does it. */
  readonly actor: string;
  /** Whether it went as the scenario expects (a refusal the scenario expects is ok). */
  readonly ok: boolean;
  /** For an expected refusal: the typed error that refused it. */
  readonly refusedWith?: string;
  /** Gas of the step's transactions. */
  readonly gasUsed: number;
  /** Transactions the step sent. */
  readonly transactions: number;
  /** Records the step anchored (single or in batches), when it anchored any. */
  readonly records?: number;
  /** `gasUsed / records`, rounded, when the step anchored records. */
  readonly gasPerRecord?: number;
  /** Wall time in milliseconds. */
  readonly ms: number;
  /** The error, when the step failed. */
  readonly error?: string;
}

/** A report section a scenario adds (e.g. the supply chain's events, verification and gas figures). */
export interface PilotSection {
  /** Section heading. */
  readonly title: string;
  /** Markdown lines (paragraphs, list items, table rows). */
  readonly lines: readonly string[];
}

/** Reads answered by the index and by the chain, over every actor of a run (see {@link Pilot.indexUsage}). */
export interface PilotIndexUsage {
  readonly index: Readonly<Record<IndexedQuery, number>>;
  readonly rpc: Readonly<Record<IndexedQuery, number>>;
  /** Readers the index named that the chain refused. */
  readonly refusedReaders: number;
  /** The last fallback's reason per client (`INDEX_BEHIND`, `INDEX_UNAVAILABLE`, `INCOMPLETE`), counted. */
  readonly fallbackReasons: Readonly<Record<string, number>>;
}

/** A named participant of a scenario with its SDK client. */
export interface Actor {
  /** Display name, e.g. "St. Mary's Hospital". */
  readonly name: string;
  /** Role in the scenario. */
  readonly role: ProviderKind | "patient" | "registrar" | "relay";
  /** Its account address. */
  readonly address: string;
  /** Its SDK client. */
  readonly client: Carechain;
}

/** A patient in pseudonym mode: one pseudonym per care relationship, all derived from its root. */
export interface PseudonymousActor {
  /** Display name, e.g. "Patient 1". */
  readonly name: string;
  /** Its client over every pseudonym. */
  readonly patient: PseudonymousPatient;
  /** Its pseudonym accounts, in the order opened (the same array as in {@link Pilot.pseudonymAccounts}). */
  readonly accounts: string[];
}

/** Gas, transactions and wall time of the steps run inside one phase of a run (see {@link Pilot.phase}). */
export interface PhaseTotals {
  gasUsed: number;
  transactions: number;
  ms: number;
  steps: number;
}

/** Everything a scenario needs; created by the pilot runner. */
export interface PilotOptions {
  readonly connection: NetworkConnection;
  readonly deployment: CarechainDeployment;
  readonly store: BlobStore;
  readonly validator: FhirValidator;
  /**
   * The first block of the run (the deployment's): every actor's client reads events from here, not from block 0,
   * so a read on a long chain behind a provider's block-range cap pages over the run's blocks only.
   */
  readonly fromBlock?: number;
  /** An index source every actor's client reads through (`--indexer`). */
  readonly index?: IndexSource;
  /** Prints progress lines; default console.log. */
  readonly log?: (line: string) => void;
  /** Pseudonym mode (`--pseudonyms`): every patient keeps one pseudonym per care relationship. */
  readonly pseudonyms?: boolean;
}

/**
 * The pilot runner's side of a scenario: actors, steps with gas and time, and a record of every input so the
 * privacy scan knows what must not appear on chain.
 */
export class Pilot {
  readonly steps: PilotStep[] = [];
  /** Every FHIR resource the scenario put in (plaintext), for the privacy scan. */
  readonly inputs: unknown[] = [];
  /** Every record id the scenario anchored, for the integrity check. */
  readonly anchored: string[] = [];
  /** Every batch record the scenario anchored (its batch id and record id), for the integrity check. */
  readonly batched: { readonly batchId: string; readonly recordId: string }[] = [];
  /** Records whose blobs the scenario tampered with on purpose (and repaired): reported as caught. */
  readonly tampered: string[] = [];
  /** Sections the scenario adds to the report, in order. */
  readonly sections: PilotSection[] = [];
  /** Account (lower case) → the patient it belongs to: the ground truth that scores the linkability analysis. */
  readonly #owners = new Map<string, string>();
  /**
   * Ground truth of pseudonym mode, for the linkability analysis only: each pseudonymous patient's name → the
   * pseudonym accounts it acts under. The chain shows none of it.
   */
  readonly pseudonymAccounts = new Map<string, string[]>();
  /** Totals of the steps run inside each named phase (e.g. the per-patient treatment episode). */
  readonly phases = new Map<string, PhaseTotals>();
  readonly options: PilotOptions;
  #phase: string | undefined;
  readonly #funding: TxResult[] = [];
  readonly #providers: Actor[] = [];
  /** When true, steps are recorded but not printed (bulk loops print a progress bar instead). */
  quiet = false;
  #registrar: Actor | undefined;
  #nextAccount = 1;
  readonly #clients: Carechain[] = [];

  constructor(options: PilotOptions) {
    this.options = options;
  }

  /** The chain's ethers provider. */
  get chain(): Provider {
    return this.options.connection.ethers.provider;
  }

  /** The registrar (Ignition's default deployer account, which holds REGISTRAR_ROLE). */
  async registrar(): Promise<Actor> {
    if (!this.#registrar) {
      const [signer] = await this.options.connection.ethers.getSigners();
      this.#registrar = await this.#actor("Credentialing authority", "registrar", signer!);
    }
    return this.#registrar;
  }

  /**
   * A new provider account with a fresh identity key, credentialed by the registrar as one step.
   * @param options - `custodianUrl`: the emergency custodian service this provider asks for break-glass keys.
   */
  async provider(name: string, kind: ProviderKind, options: { custodianUrl?: string } = {}): Promise<Actor> {
    const actor = await this.#actor(name, kind, await this.#newSigner(), options.custodianUrl);
    this.#providers.push(actor);
    const registrar = await this.registrar();
    await this.step(`credential ${kind}`, registrar.name, () =>
      registrar.client.registerProvider(actor.address, kind, actor.client.identity.publicKey),
    );
    return actor;
  }

  /** A new patient account with a fresh identity key, self-registered as one step. */
  async patient(name: string): Promise<Actor> {
    const actor = await this.#actor(name, "patient", await this.#newSigner());
    this.patientAccount(name, actor.address);
    await this.step("register patient", name, () => actor.client.registerPatient());
    return actor;
  }

  /**
   * Records that `address` is one of `patient`'s accounts (its own, or a pseudonym it acts under), for the score of
   * the linkability analysis (`privacy.linkability`). {@link Pilot.patient} records the patient's own account; a
   * scenario or mode that gives a patient more accounts calls this for each. The observer never sees it.
   * @throws {RangeError} When `address` is already recorded for another patient.
   */
  patientAccount(patient: string, address: string): void {
    const account = address.toLowerCase();
    const owner = this.#owners.get(account);
    if (owner !== undefined && owner !== patient) {
      throw new RangeError(`patientAccount: ${address} already belongs to ${owner}, not ${patient}`);
    }
    this.#owners.set(account, patient);
  }

  /** The ground truth of the linkability score: every patient account (lower case) → its patient's name. */
  groundTruth(): ReadonlyMap<string, string> {
    return new Map(this.#owners);
  }

  /**
   * A patient in pseudonym mode, with a fresh random root (a wallet would derive it with `derivePseudonymRoot`). It
   * registers nothing yet: each `openRelationship` derives, registers and grants a pseudonym through signatures that
   * the relationship's provider relays. A pseudonym that must send a transaction itself (re-anchoring a shared
   * record) is funded by the provider of its relationship, which its grant already links it to on chain.
   * @param name - Display name.
   * @param relayer - The default relayer (a provider).
   * @param locatorFunder - Who funds the emergency locator's own transactions (the emergency custodian, say).
   */
  async pseudonymousPatient(name: string, relayer: Actor, locatorFunder?: Actor): Promise<PseudonymousActor> {
    const { deployment, store, validator, index, fromBlock } = this.options;
    const accounts: string[] = [];
    this.pseudonymAccounts.set(name, accounts);
    const patient: PseudonymousPatient = await PseudonymousPatient.connect({
      root: new Uint8Array(randomBytes(32)),
      deployment,
      provider: this.chain,
      relayer: relayer.client,
      store,
      validator,
      ...(index ? { index } : {}),
      ...(fromBlock === undefined ? {} : { fromBlock }),
      fund: async (pseudonym) => {
        const owner = patient.relationships.find((r) => r.address === pseudonym);
        const funder =
          pseudonym === patient.emergencyLocator
            ? locatorFunder
            : this.#providers.find((p) => owner?.providers.includes(p.address));
        if (!funder) throw new Error(`no provider of ${pseudonym}'s relationship to fund it`);
        const sent = await funder.client.context.sender.sendTransaction({ to: pseudonym, value: parseEther("0.01") });
        const receipt = await sent.wait();
        if (!receipt) throw new Error(`funding ${pseudonym}: no receipt`);
        this.#funding.push({ hash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber });
      },
    });
    return { name, patient, accounts };
  }

  /** The funding transfers made for pseudonyms since the last call (the step that caused them claims them). */
  takeFunding(): TxResult[] {
    return this.#funding.splice(0);
  }

  /**
   * Runs `run` as phase `name`: the gas, transactions and time of its steps are summed in {@link Pilot.phases}
   * (pseudonym mode's overhead compares one phase across modes).
   */
  async phase<T>(name: string, run: () => Promise<T>): Promise<T> {
    const outer = this.#phase;
    this.#phase = name;
    try {
      return await run();
    } finally {
      this.#phase = outer;
    }
  }

  /** A new account that is not registered in the Directory (a guardian, a relayer). */
  async account(name: string, role: Actor["role"] = "patient"): Promise<Actor> {
    return this.#actor(name, role, await this.#newSigner());
  }

  /**
   * Empties an account's ETH (in-process and `hardhat node` chains), to show that it can still act by signature.
   * @returns Whether the chain allowed it (it does not on public networks).
   */
  async drain(actor: Actor): Promise<boolean> {
    try {
      await this.options.connection.networkHelpers.setBalance(actor.address, 0n);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Moves the chain's clock forward by `seconds` and mines a block (in-process and `hardhat node` chains), e.g. past
   * the break-glass cooldown between two episodes of one provider on one patient.
   * @returns Whether the chain allowed it (it does not on public networks).
   */
  async advanceTime(seconds: number): Promise<boolean> {
    try {
      await this.options.connection.networkHelpers.time.increase(seconds);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * How the actors' reads were answered, summed over every client: by the index, or by the chain when the index was
   * unavailable, behind or incomplete. Undefined without an index.
   */
  indexUsage(): PilotIndexUsage | undefined {
    if (!this.options.index) return undefined;
    const sum = {
      index: {} as Record<string, number>,
      rpc: {} as Record<string, number>,
      refusedReaders: 0,
      fallbackReasons: {} as Record<string, number>,
    };
    for (const client of this.#clients) {
      const usage = client.indexUsage()!;
      for (const [query, n] of Object.entries(usage.index)) sum.index[query] = (sum.index[query] ?? 0) + n;
      for (const [query, n] of Object.entries(usage.rpc)) sum.rpc[query] = (sum.rpc[query] ?? 0) + n;
      sum.refusedReaders += usage.refusedReaders;
      if (usage.lastFallback)
        sum.fallbackReasons[usage.lastFallback.reason] = (sum.fallbackReasons[usage.lastFallback.reason] ?? 0) + 1;
    }
    return sum as PilotIndexUsage;
  }

  /** Prints a progress bar line for long loops (every `every` items and at the end). */
  progress(label: string, done: number, total: number, every = Math.max(1, Math.floor(total / 20))): void {
    if (done % every !== 0 && done !== total) return;
    const width = 30;
    const filled = Math.round((done / total) * width);
    (this.options.log ?? console.log)(
      `  [${"#".repeat(filled)}${".".repeat(width - filled)}] ${label} ${done}/${total}`,
    );
  }

  /**
   * Runs one step and records it. The step's gas is the sum of the `gasUsed` of the transaction results it
   * returns (a TxResult, or an array or object holding some).
   */
  async step<T>(name: string, actor: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await run();
      const txs = txResultsIn(result);
      const gasUsed = txs.reduce((n, t) => n + Number(t.gasUsed), 0);
      const records = txs.reduce((n, t) => n + recordsOf(t), 0);
      this.#record({
        name,
        actor,
        ok: true,
        gasUsed,
        transactions: txs.length,
        ...(records > 0 ? { records, gasPerRecord: Math.round(gasUsed / records) } : {}),
        ms: performance.now() - started,
      });
      return result;
    } catch (error) {
      this.#record({
        name,
        actor,
        ok: false,
        gasUsed: 0,
        transactions: 0,
        ms: performance.now() - started,
        error: describe(error),
      });
      throw error;
    }
  }

  /**
   * Runs a step that the scenario expects to be refused with `errorClass`. Being refused that way is ok;
   * succeeding or failing otherwise is a failed step (and throws).
   */
  async refused<E extends Error>(
    name: string,
    actor: string,
    errorClass: abstract new (...args: never[]) => E,
    run: () => Promise<unknown>,
  ): Promise<E> {
    const started = performance.now();
    let outcome: unknown;
    try {
      await run();
      outcome = new Error("the step succeeded but the scenario expected a refusal");
    } catch (error) {
      outcome = error;
    }
    const ms = performance.now() - started;
    if (outcome instanceof errorClass) {
      this.#record({ name, actor, ok: true, refusedWith: outcome.name, gasUsed: 0, transactions: 0, ms });
      return outcome;
    }
    this.#record({ name, actor, ok: false, gasUsed: 0, transactions: 0, ms, error: describe(outcome) });
    throw outcome;
  }

  /** Remembers plaintext input for the privacy scan. */
  input<T>(resource: T): T {
    this.inputs.push(resource);
    return resource;
  }

  #record(step: PilotStep): void {
    this.steps.push(step);
    if (this.#phase !== undefined) {
      const totals = this.phases.get(this.#phase) ?? { gasUsed: 0, transactions: 0, ms: 0, steps: 0 };
      totals.gasUsed += step.gasUsed;
      totals.transactions += step.transactions;
      totals.ms += step.ms;
      totals.steps += 1;
      this.phases.set(this.#phase, totals);
    }
    if (this.quiet && step.ok) return;
    const log = this.options.log ?? console.log;
    const status = step.ok
      ? step.refusedWith
        ? `refused as expected (${step.refusedWith})`
        : "ok"
      : `FAILED: ${step.error}`;
    const perRecord =
      step.records && step.records > 1
        ? ` (${step.records} records, ${step.gasPerRecord!.toLocaleString("en-US")} gas/record)`
        : "";
    const gas = step.gasUsed > 0 ? `${step.gasUsed.toLocaleString("en-US")} gas${perRecord}` : "";
    log(`  ${step.ok ? "✓" : "✗"} ${step.actor}: ${step.name} ${gas ? `— ${gas} ` : ""}— ${status}`);
  }

  async #newSigner(): Promise<Signer> {
    const signers = await this.options.connection.ethers.getSigners();
    const index = this.#nextAccount++;
    if (index < signers.length) {
      const signer = signers[index]!;
      // An earlier run on the same chain (the single-address baseline of --pseudonyms) may have drained it.
      if ((await this.chain.getBalance(signer.address)) === 0n) {
        await this.options.connection.networkHelpers.setBalance(signer.address, 10n ** 20n);
      }
      return signer;
    }
    const wallet = Wallet.createRandom().connect(this.chain);
    await this.options.connection.networkHelpers.setBalance(wallet.address, 10n ** 20n);
    return wallet;
  }

  async #actor(name: string, role: Actor["role"], signer: Signer, custodianUrl?: string): Promise<Actor> {
    const { deployment, store, validator, index, fromBlock } = this.options;
    const client = await Carechain.connect({
      deployment,
      signer,
      identity: generateIdentity(),
      store,
      validator,
      custodianUrl,
      index,
      fromBlock,
    });
    this.#clients.push(client);
    return { name, role, address: await client.address(), client };
  }
}

function txResultsIn(value: unknown): TxResult[] {
  if (!value || typeof value !== "object") return [];
  if ("gasUsed" in value && "hash" in value) return [value as TxResult];
  if (Array.isArray(value)) return value.flatMap(txResultsIn);
  return Object.values(value).flatMap((v) =>
    v && typeof v === "object" && "gasUsed" in v && "hash" in v ? [v as TxResult] : [],
  );
}

/** Records a transaction result anchored: one for an added record, the batch size for a batch. */
function recordsOf(tx: TxResult): number {
  const t = tx as TxResult & { recordId?: unknown; root?: unknown; records?: unknown };
  if (typeof t.root === "string" && Array.isArray(t.records)) return t.records.length;
  return typeof t.recordId === "string" ? 1 : 0;
}

function describe(error: unknown): string {
  if (error instanceof CarechainError) return `${error.name}: ${error.shortMessage}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
