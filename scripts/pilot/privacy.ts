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
  for (let n = fromBlock; n <= last; n++) {
    const block = await provider.getBlock(n, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      transactions++;
      scan(Buffer.from(tx.data.slice(2), "hex"), `tx ${tx.hash} calldata`);
      const receipt = await provider.getTransactionReceipt(tx.hash);
      for (const log of receipt?.logs ?? []) {
        const bytes = Buffer.concat([...log.topics, log.data].map((h) => Buffer.from(h.slice(2), "hex")));
        scan(bytes, `tx ${tx.hash} log ${log.index}`);
      }
    }
  }
  return { scannedBytes, transactions, needles: needles.length, findings };
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
        if (!found.has(p) && i + p.bytes.length <= haystack.length && haystack.compare(p.bytes, 0, p.bytes.length, i, i + p.bytes.length) === 0) {
          found.add(p);
        }
      }
    }
    return [...found];
  };
}
