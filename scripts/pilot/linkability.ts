/**
 * An outside observer's linkability analysis: from what anyone can read on chain (and in a public blob store), which
 * of a patient's relationships with providers can be linked to each other, per kind of evidence. The ground truth
 * (which accounts belong to which patient) only scores the links found; it never helps find them.
 *
 * This module is pure (no chain access, no imports): `scripts/pilot/observer.ts` collects an {@link ObservedHistory}
 * from a chain and a store. See docs/privacy.md, "What an observer links", for the rules.
 * @module
 */

/** An on-chain relationship: a patient-side account and a counterpart (a provider, once it is known to be one). */
export interface ObservedRelationship {
  /** The patient-side account (the `patient` of the event). */
  readonly patient: string;
  /** The other party: a grantee, an author, a break-glass provider, a reader. */
  readonly counterpart: string;
  /** The event that shows it (`ConsentGranted`, `RecordAnchored`, …). */
  readonly event: string;
  /** Block of the event. */
  readonly block: number;
}

/** One transaction that acted for patient-side accounts (the `patient` of its events). */
export interface ObservedAction {
  /** Transaction hash. */
  readonly tx: string;
  /** Its block. */
  readonly block: number;
  /** Its sender, who paid its gas. */
  readonly from: string;
  /** Every `patient` its events name. */
  readonly patients: readonly string[];
}

/** An ETH transfer between two accounts (a transaction with value to an account that is not a contract). */
export interface ObservedTransfer {
  readonly from: string;
  readonly to: string;
  /** Wei. */
  readonly value: bigint;
  readonly block: number;
}

/** A public encryption key seen next to an account. */
export interface ObservedKey {
  /** The patient-side account. */
  readonly account: string;
  /** The key, or key id (0x hex). */
  readonly key: string;
  /** `directory`: registered by the account; `keyring`: a recipient of a keyring of the account's records. */
  readonly source: "directory" | "keyring";
}

/** Everything an outside observer collected from a deployment's blocks, transactions, receipts, logs and store. */
export interface ObservedHistory {
  /** Credentialed providers (`ProviderRegistered`) and the emergency custodian. */
  readonly providers: readonly string[];
  /** The providers' encryption keys (they are in every keyring of their patients: no evidence). */
  readonly providerKeys: readonly string[];
  /** Deployers and registrars: the operator's public accounts, funders of everyone (always a crowd). */
  readonly operators: readonly string[];
  readonly relationships: readonly ObservedRelationship[];
  readonly actions: readonly ObservedAction[];
  readonly transfers: readonly ObservedTransfer[];
  readonly keys: readonly ObservedKey[];
  /** Delegates named on chain (`DelegateAdded`). */
  readonly delegates: readonly { readonly patient: string; readonly delegate: string }[];
  /**
   * Keyrings or batch manifests named on chain that the observer could not read: erased, missing, or not a keyring
   * (a custody document published as a keyring).
   */
  readonly keyringsUnavailable: number;
}

/** The kinds of hard evidence: each links two accounts for sure, by itself. */
export const HARD_EVIDENCE = ["address", "funding", "relayer", "keys", "delegates"] as const;
/** A kind of hard evidence. */
export type HardEvidence = (typeof HARD_EVIDENCE)[number];
/** Pairs of relationships linked, per kind of evidence (`timing` is reported, never counted as a link). */
export type EvidenceCounts = Readonly<Record<HardEvidence | "timing", number>>;

/** A sender or funder of so many accounts that it links none of them: the observer only learns an anonymity set. */
export interface Crowd {
  readonly address: string;
  /** `funder`: sent ETH to the accounts; `relayer`: sent transactions for them. */
  readonly role: "funder" | "relayer";
  /** Accounts it funded or relayed for: the set a patient's account hides in. */
  readonly anonymitySet: number;
  /** Why it is a crowd: an operator's account, or at least `crowdSize` accounts. */
  readonly reason: "operator" | "crowd-size";
}

/** One patient's score. */
export interface PatientLinkability {
  readonly patient: string;
  /** Its accounts that have relationships on chain. */
  readonly accounts: number;
  /** Its relationships (account × provider). */
  readonly relationships: number;
  /** Pairs of its relationships: the most that can be linked. */
  readonly pairs: number;
  /** Pairs linked by any hard evidence, combined transitively. */
  readonly linked: number;
  readonly byEvidence: EvidenceCounts;
}

/** `privacy.linkability` of the pilot report. */
export interface LinkabilityReport {
  /** The rules' parameters. */
  readonly rules: { readonly crowdSize: number; readonly timingWindowBlocks: number };
  /** Patients scored (the ground truth's patients with at least one relationship). */
  readonly patients: number;
  /** Their relationships. */
  readonly relationships: number;
  /** Pairs of one patient's relationships, over all patients. */
  readonly pairs: number;
  /** Of those, pairs linked by any hard evidence (combined transitively). */
  readonly linked: number;
  /**
   * Pairs linked per kind of evidence. `address`: both on one account; the others: on two accounts joined by that
   * evidence alone (transitively); `timing`: two accounts that acted within one block (window) — reported only.
   */
  readonly byEvidence: EvidenceCounts;
  /** Pairs of two different patients' relationships that the hard evidence links: the rules' false links. */
  readonly crossPatientLinks: number;
  /** Relationships of accounts the ground truth does not name (not scored). */
  readonly unattributed: number;
  /** Funders and relayers that link nobody, with their anonymity sets. */
  readonly crowds: readonly Crowd[];
  /** Keyrings or manifests the observer could not read (see {@link ObservedHistory.keyringsUnavailable}). */
  readonly keyringsUnavailable: number;
  /** Per patient, in ground-truth order. */
  readonly perPatient: readonly PatientLinkability[];
}

/** Options of {@link analyzeLinkability}. */
export interface LinkabilityOptions {
  /** A funder or relayer of at least this many accounts is a crowd (default 10). */
  readonly crowdSize?: number;
  /** Accounts acting at most this many blocks apart are reported as timed together (default 0: the same block). */
  readonly timingWindowBlocks?: number;
}

/**
 * Links a patient's relationships as an outside observer would, then scores the links against the ground truth.
 *
 * Rules (docs/privacy.md): a relationship is a patient-side account with a credentialed provider. Two accounts are
 * linked by `funding` when ETH went from one to the other, or both were funded by one funder that funds fewer than
 * `crowdSize` accounts and is no operator (deployer, registrar) — payments to a provider or an operator, and a
 * provider's transfer to an account it has a relationship with, are no evidence; by `relayer` when one sender that is
 * neither a provider nor an operator sent transactions for both and relays for fewer than `crowdSize` accounts; by
 * `keys` when one encryption key (not a provider's) is registered by both in the Directory or is a recipient of
 * keyrings of both accounts' records; by `delegates` when both named one delegate. Links of one kind join
 * transitively. Actions of two accounts within `timingWindowBlocks` blocks are reported as `timing`, never linked.
 * @param history - What the observer saw.
 * @param truth - Account → patient (lower-case addresses), only to score.
 * @param options - Crowd size and timing window.
 * @returns The report section.
 * @throws {RangeError} When `crowdSize` is not an integer ≥ 2 or `timingWindowBlocks` not an integer ≥ 0.
 * @example
 * const linkability = analyzeLinkability(await observeChain(provider, contracts, store, firstBlock), pilot.groundTruth());
 */
export function analyzeLinkability(
  history: ObservedHistory,
  truth: ReadonlyMap<string, string>,
  options: LinkabilityOptions = {},
): LinkabilityReport {
  const crowdSize = options.crowdSize ?? 10;
  const timingWindowBlocks = options.timingWindowBlocks ?? 0;
  if (!Number.isInteger(crowdSize) || crowdSize < 2) {
    throw new RangeError(`crowdSize: expected an integer of at least 2, got ${crowdSize}`);
  }
  if (!Number.isInteger(timingWindowBlocks) || timingWindowBlocks < 0) {
    throw new RangeError(`timingWindowBlocks: expected a non-negative integer, got ${timingWindowBlocks}`);
  }
  const providers = new Set(history.providers.map(lower));
  const operators = new Set(history.operators.map(lower));
  const relationships = relationshipsOf(history, providers);
  const crowds: Crowd[] = [];
  const graphs: Record<Exclude<HardEvidence, "address">, UnionFind> = {
    funding: fundingGraph(history, relationships, providers, operators, crowdSize, crowds),
    relayer: relayerGraph(history, providers, operators, crowdSize, crowds),
    keys: keyGraph(history, providers, new Set(history.providerKeys.map(lower))),
    delegates: pairsGraph(history.delegates.map((d) => [d.patient, `delegate:${lower(d.delegate)}`])),
  };
  const combined = new UnionFind();
  for (const graph of Object.values(graphs)) combined.absorb(graph);
  const timed = timingPairs(history, timingWindowBlocks);

  const byPatient = new Map<string, Relationship[]>();
  let unattributed = 0;
  for (const r of relationships) {
    const patient = truth.get(r.account);
    if (patient === undefined) {
      unattributed++;
      continue;
    }
    const list = byPatient.get(patient) ?? [];
    list.push(r);
    byPatient.set(patient, list);
  }
  const perPatient: PatientLinkability[] = [];
  for (const patient of new Set(truth.values())) {
    const rels = byPatient.get(patient);
    if (!rels) continue;
    const address = pairsWithin(rels, (r) => r.account);
    const linkedBy = (graph: UnionFind) => pairsWithin(rels, (r) => graph.find(r.account)) - address;
    let timing = 0;
    for (let i = 0; i < rels.length; i++) {
      for (let j = i + 1; j < rels.length; j++) {
        const [a, b] = [rels[i]!.account, rels[j]!.account];
        if (a !== b && timed.get(a)?.has(b)) timing++;
      }
    }
    perPatient.push({
      patient,
      accounts: new Set(rels.map((r) => r.account)).size,
      relationships: rels.length,
      pairs: choose2(rels.length),
      linked: pairsWithin(rels, (r) => combined.find(r.account)),
      byEvidence: {
        address,
        funding: linkedBy(graphs.funding),
        relayer: linkedBy(graphs.relayer),
        keys: linkedBy(graphs.keys),
        delegates: linkedBy(graphs.delegates),
        timing,
      },
    });
  }
  const attributed = [...byPatient.values()].flat();
  const sum = (f: (p: PatientLinkability) => number) => perPatient.reduce((n, p) => n + f(p), 0);
  const linked = sum((p) => p.linked);
  return {
    rules: { crowdSize, timingWindowBlocks },
    patients: perPatient.length,
    relationships: attributed.length,
    pairs: sum((p) => p.pairs),
    linked,
    byEvidence: Object.fromEntries(
      [...HARD_EVIDENCE, "timing" as const].map((e) => [e, sum((p) => p.byEvidence[e])]),
    ) as unknown as EvidenceCounts,
    crossPatientLinks: pairsWithin(attributed, (r) => combined.find(r.account)) - linked,
    unattributed,
    crowds,
    keyringsUnavailable: history.keyringsUnavailable,
    perPatient,
  };
}

/** A relationship of one account with one provider (several events of one pair are one relationship). */
interface Relationship {
  readonly account: string;
  readonly provider: string;
}

function relationshipsOf(history: ObservedHistory, providers: ReadonlySet<string>): Relationship[] {
  const seen = new Map<string, Relationship>();
  for (const r of history.relationships) {
    const account = lower(r.patient);
    const provider = lower(r.counterpart);
    if (account === provider || !providers.has(provider) || providers.has(account)) continue;
    seen.set(`${account} ${provider}`, { account, provider });
  }
  return [...seen.values()];
}

/**
 * Funding edges: a transfer between two patient-side accounts links them; a funder's fundees are linked to it unless
 * it is an operator or funds at least `crowdSize` accounts (a crowd, recorded in `crowds`). No evidence: a payment to
 * a provider or an operator (everyone pays them), and a provider's transfer to an account already in a relationship
 * with it (the relationship is public anyway).
 */
function fundingGraph(
  history: ObservedHistory,
  relationships: readonly Relationship[],
  providers: ReadonlySet<string>,
  operators: ReadonlySet<string>,
  crowdSize: number,
  crowds: Crowd[],
): UnionFind {
  const patientSide = new Set(relationships.map((r) => r.account));
  for (const a of history.actions) for (const p of a.patients) patientSide.add(lower(p));
  const related = new Set(relationships.map((r) => `${r.account} ${r.provider}`));
  const fundees = new Map<string, Set<string>>();
  const graph = new UnionFind();
  for (const t of history.transfers) {
    const [from, to] = [lower(t.from), lower(t.to)];
    if (t.value <= 0n || providers.has(to) || operators.has(to) || related.has(`${to} ${from}`)) continue;
    if (patientSide.has(from) && patientSide.has(to)) graph.union(from, to);
    const set = fundees.get(from) ?? new Set<string>();
    set.add(to);
    fundees.set(from, set);
  }
  for (const [funder, set] of fundees) {
    const reason = operators.has(funder) ? "operator" : set.size >= crowdSize ? "crowd-size" : undefined;
    if (reason) crowds.push({ address: funder, role: "funder", anonymitySet: set.size, reason });
    else for (const to of set) graph.union(funder, to);
  }
  return graph;
}

/**
 * Relayer edges: a sender that is not the patient-side account it acts for, nor a provider (providers act for all
 * their patients), nor an operator, is linked to every account it sends for, unless it sends for at least
 * `crowdSize` accounts (a public relay, recorded in `crowds`).
 */
function relayerGraph(
  history: ObservedHistory,
  providers: ReadonlySet<string>,
  operators: ReadonlySet<string>,
  crowdSize: number,
  crowds: Crowd[],
): UnionFind {
  const relayed = new Map<string, Set<string>>();
  for (const a of history.actions) {
    const from = lower(a.from);
    if (providers.has(from) || operators.has(from)) continue;
    for (const p of a.patients.map(lower)) {
      if (p === from) continue;
      const set = relayed.get(from) ?? new Set<string>();
      set.add(p);
      relayed.set(from, set);
    }
  }
  const graph = new UnionFind();
  for (const [relayer, set] of relayed) {
    if (set.size >= crowdSize)
      crowds.push({ address: relayer, role: "relayer", anonymitySet: set.size, reason: "crowd-size" });
    else for (const p of set) graph.union(relayer, p);
  }
  return graph;
}

/** Key edges: an account and every key (not a provider's) it registered or that reads its records. */
function keyGraph(history: ObservedHistory, providers: ReadonlySet<string>, providerKeys: ReadonlySet<string>) {
  return pairsGraph(
    history.keys
      .filter((k) => !providerKeys.has(lower(k.key)) && !providers.has(lower(k.account)))
      .map((k) => [k.account, `key:${lower(k.key)}`]),
  );
}

function pairsGraph(edges: readonly (readonly [string, string])[]): UnionFind {
  const graph = new UnionFind();
  for (const [a, b] of edges) graph.union(lower(a), b);
  return graph;
}

/** For each patient-side account, the accounts that acted within `window` blocks of it (another account only). */
function timingPairs(history: ObservedHistory, window: number): Map<string, Set<string>> {
  const byBlock = new Map<number, Set<string>>();
  for (const a of history.actions) {
    const set = byBlock.get(a.block) ?? new Set<string>();
    for (const p of a.patients) set.add(lower(p));
    byBlock.set(a.block, set);
  }
  const blocks = [...byBlock.keys()].sort((x, y) => x - y);
  const together = new Map<string, Set<string>>();
  for (let i = 0; i < blocks.length; i++) {
    const accounts = new Set<string>();
    for (let j = i; j < blocks.length && blocks[j]! - blocks[i]! <= window; j++) {
      for (const p of byBlock.get(blocks[j]!)!) accounts.add(p);
    }
    for (const a of accounts) {
      const set = together.get(a) ?? new Set<string>();
      for (const b of accounts) if (b !== a) set.add(b);
      together.set(a, set);
    }
  }
  return together;
}

/** Pairs of items that share a key. */
function pairsWithin<T>(items: readonly T[], key: (item: T) => string): number {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  let pairs = 0;
  for (const n of counts.values()) pairs += choose2(n);
  return pairs;
}

function choose2(n: number): number {
  return (n * (n - 1)) / 2;
}

function lower(address: string): string {
  return address.toLowerCase();
}

/** Disjoint sets over strings (path halving, no ranks: the graphs are small). */
class UnionFind {
  readonly #parent = new Map<string, string>();

  find(x: string): string {
    let node = x;
    for (let parent = this.#parent.get(node); parent !== undefined && parent !== node;) {
      const grand = this.#parent.get(parent) ?? parent;
      this.#parent.set(node, grand);
      node = grand;
      parent = this.#parent.get(node);
    }
    return node;
  }

  union(a: string, b: string): void {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra !== rb) this.#parent.set(ra, rb);
  }

  /** Adds every edge of `other`. */
  absorb(other: UnionFind): void {
    for (const node of other.#parent.keys()) this.union(node, other.find(node));
  }
}
