import { keccak256, sha256, toUtf8Bytes, type Provider } from "ethers";

/** One place where an identifying string was found on chain. */
export interface PrivacyFinding {
  /** The identifying string (as found in the input data). */
  readonly needle: string;
  /** How it was encoded where found: utf8, utf16le, hex-text, base64, keccak256, sha256. */
  readonly encoding: string;
  /** Where: `tx <hash> calldata` or `tx <hash> log <index>`. */
  readonly where: string;
}

/** The result of a privacy scan. */
export interface PrivacyReport {
  /** Bytes of calldata, topics and log data searched. */
  readonly scannedBytes: number;
  /** Transactions scanned. */
  readonly transactions: number;
  /** Identifying strings searched for. */
  readonly needles: number;
  /** Contract storage slots written in the scanned blocks (read with the debug prestate tracer) and searched. */
  readonly storageSlots: number;
  /** Why storage was not scanned, when the node has no debug tracer. */
  readonly storageSkipped?: string;
  /** Every hit; an empty list is the goal. */
  readonly findings: PrivacyFinding[];
}

/** The byte patterns that would reveal `text` on chain. */
export function encodingsOf(text: string): { encoding: string; bytes: Buffer }[] {
  const utf8 = Buffer.from(text, "utf8");
  return [
    { encoding: "utf8", bytes: utf8 },
    { encoding: "utf16le", bytes: Buffer.from(text, "utf16le") },
    { encoding: "hex-text", bytes: Buffer.from(utf8.toString("hex"), "ascii") },
    { encoding: "base64", bytes: Buffer.from(utf8.toString("base64").replace(/=+$/, ""), "ascii") },
    { encoding: "keccak256", bytes: Buffer.from(keccak256(toUtf8Bytes(text)).slice(2), "hex") },
    { encoding: "sha256", bytes: Buffer.from(sha256(toUtf8Bytes(text)).slice(2), "hex") },
  ].filter((e) => e.bytes.length >= 4);
}

/**
 * Searches every transaction's calldata and every event (topics and data) in blocks `fromBlock..toBlock` for
 * the identifying strings `needles`, in plain and common encodings.
 * @param provider - The chain to scan.
 * @param needles - Names, birth dates, identifiers, addresses, phone numbers, codes, values.
 * @param fromBlock - First block (inclusive).
 * @param toBlock - Last block (inclusive); default latest.
 */
export async function privacyScan(
  provider: Provider,
  needles: readonly string[],
  fromBlock = 0,
  toBlock?: number,
): Promise<PrivacyReport> {
  const last = toBlock ?? (await provider.getBlockNumber());
  const search = patternSearch(needles);
  const findings: PrivacyFinding[] = [];
  let scannedBytes = 0;
  let transactions = 0;
  const scan = (haystack: Buffer, where: string) => {
    scannedBytes += haystack.length;
    for (const p of search(haystack)) findings.push({ needle: p.needle, encoding: p.encoding, where });
  };
  // Final value of every storage slot written in the range, per contract (debug_traceTransaction, prestate diff).
  const storage = new Map<string, Map<string, string>>();
  let storageSkipped: string | undefined;
  const send = (provider as unknown as { send?: (method: string, params: unknown[]) => Promise<unknown> }).send?.bind(
    provider,
  );
  for (let n = fromBlock; n <= last; n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      transactions++;
      scan(Buffer.from(tx.data.slice(2), "hex"), `tx ${tx.hash} calldata`);
      if (!storageSkipped) {
        try {
          if (!send) throw new Error("the provider has no raw JSON-RPC send");
          const diff = (await send("debug_traceTransaction", [
            tx.hash,
            { tracer: "prestateTracer", tracerConfig: { diffMode: true } },
          ])) as {
            post?: Record<string, { storage?: Record<string, string> }>;
          };
          for (const [address, state] of Object.entries(diff.post ?? {})) {
            const slots = storage.get(address) ?? new Map<string, string>();
            for (const [slot, value] of Object.entries(state.storage ?? {})) slots.set(slot, value);
            storage.set(address, slots);
          }
        } catch (error) {
          storageSkipped = `no debug tracer: ${String(error).split("\n")[0]}`;
        }
      }
      const receipt = await provider.getTransactionReceipt(tx.hash);
      for (const log of receipt?.logs ?? []) {
        const bytes = Buffer.concat([...log.topics, log.data].map((h) => Buffer.from(h.slice(2), "hex")));
        scan(bytes, `tx ${tx.hash} log ${log.index}`);
      }
    }
  }
  let storageSlots = 0;
  for (const [address, slots] of storage) {
    // Slots in key order, so strings spread over consecutive slots are found too.
    const words = [...slots]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, v]) => Buffer.from(v.slice(2).padStart(64, "0"), "hex"));
    storageSlots += words.length;
    scan(Buffer.concat(words), `storage of ${address}`);
  }
  return {
    scannedBytes,
    transactions,
    needles: needles.length,
    findings,
    storageSlots,
    ...(storageSkipped ? { storageSkipped } : {}),
  };
}

interface Pattern {
  readonly needle: string;
  readonly encoding: string;
  readonly bytes: Buffer;
}

/**
 * A multi-pattern search: every encoding of every needle, indexed by its first four bytes, so one pass over a
 * haystack checks all patterns (thousands of patients give hundreds of thousands of patterns).
 * @returns A function listing the patterns found in a haystack (each at most once).
 */
export function patternSearch(needles: readonly string[]): (haystack: Buffer) => Pattern[] {
  const byPrefix = new Map<number, Pattern[]>();
  for (const needle of needles) {
    for (const e of encodingsOf(needle)) {
      const key = e.bytes.readUInt32BE(0);
      const list = byPrefix.get(key) ?? [];
      list.push({ needle, ...e });
      byPrefix.set(key, list);
    }
  }
  return (haystack) => {
    const found = new Set<Pattern>();
    for (let i = 0; i + 4 <= haystack.length; i++) {
      const candidates = byPrefix.get(haystack.readUInt32BE(i));
      if (!candidates) continue;
      for (const p of candidates) {
        if (
          !found.has(p) &&
          i + p.bytes.length <= haystack.length &&
          haystack.compare(p.bytes, 0, p.bytes.length, i, i + p.bytes.length) === 0
        ) {
          found.add(p);
        }
      }
    }
    return [...found];
  };
}
