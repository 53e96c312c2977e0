/**
 * Who may be a reader of a patient's new records, as far as the event logs say: every grantee whose latest consent
 * event is a grant. Built once per patient from the paged logs, then brought forward from the last block it read
 * (never rescanned). Only candidates: the write path checks each one on chain before it wraps a key for it.
 * @module
 */
import { getAddress } from "ethers";

/** A ConsentGranted (`granted`) or ConsentRevoked event of a patient. */
export interface ConsentEvent {
  /** True for ConsentGranted, false for ConsentRevoked. */
  readonly granted: boolean;
  /** The grantee. */
  readonly grantee: string;
}

/** What a {@link ReaderIndex} reads: the chain's head and the consent events of a patient in a block range. */
export interface ReaderIndexSource {
  /** The chain's head block, asked of the node. */
  readonly head: () => Promise<number>;
  /** The patient's ConsentGranted and ConsentRevoked events from `fromBlock` to `toBlock`, in chain order. */
  readonly events: (patient: string, fromBlock: number, toBlock: number) => Promise<ConsentEvent[]>;
}

/** What a {@link ReaderIndex} counts. */
export interface ReaderIndexStats {
  /** Patients scanned from the first block. */
  readonly builds: number;
  /** Scans from the block after the last one read. */
  readonly updates: number;
}

interface PatientReaders {
  /** Grantees whose latest event is a grant. */
  readonly grantees: Set<string>;
  /** The last block read. */
  scannedTo: number;
}

/**
 * Candidate readers per patient, from ConsentGranted/ConsentRevoked events: built from `fromBlock` on first use,
 * then kept current from the block after the last one read. Updates of one patient run one at a time.
 */
export class ReaderIndex {
  readonly #source: ReaderIndexSource;
  readonly #fromBlock: number;
  readonly #patients = new Map<string, PatientReaders>();
  readonly #updating = new Map<string, Promise<string[]>>();
  #builds = 0;
  #updates = 0;

  /**
   * @param source - The chain's head and the consent logs.
   * @param fromBlock - The first block to read (the deployment block).
   */
  constructor(source: ReaderIndexSource, fromBlock: number) {
    this.#source = source;
    this.#fromBlock = fromBlock;
  }

  /** @returns How many full builds and incremental updates were made. */
  stats(): ReaderIndexStats {
    return { builds: this.#builds, updates: this.#updates };
  }

  /**
   * The candidates known now, without asking the chain (empty before the patient's first update).
   * @param patient - Checksummed address.
   * @returns Grantees whose latest consent event seen is a grant.
   */
  known(patient: string): string[] {
    return [...(this.#patients.get(patient)?.grantees ?? [])];
  }

  /**
   * Brings the patient's candidates up to the chain's head: the whole history on first use, the new blocks after.
   * @param patient - Checksummed address.
   * @returns Every candidate after the update.
   * @throws {LogQueryError} When the logs can't be read (nothing is changed).
   */
  update(patient: string): Promise<string[]> {
    const previous = this.#updating.get(patient) ?? Promise.resolve([]);
    const next = previous.catch(() => []).then(() => this.#update(patient));
    this.#updating.set(patient, next);
    void next
      .finally(() => {
        if (this.#updating.get(patient) === next) this.#updating.delete(patient);
      })
      .catch(() => undefined);
    return next;
  }

  async #update(patient: string): Promise<string[]> {
    const entry = this.#patients.get(patient);
    const from = entry ? entry.scannedTo + 1 : this.#fromBlock;
    const head = await this.#source.head();
    if (entry && head < from) return [...entry.grantees];
    const events = await this.#source.events(patient, from, head);
    const grantees = new Set(entry?.grantees);
    for (const e of events) {
      const account = getAddress(e.grantee);
      if (e.granted) grantees.add(account);
      else grantees.delete(account);
    }
    if (entry) this.#updates++;
    else this.#builds++;
    this.#patients.set(patient, { grantees, scannedTo: head });
    return [...grantees];
  }
}
