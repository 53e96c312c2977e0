/**
 * Crypto throughput: the SDK's envelope and CID code against node:crypto on the same bytes, in the same process,
 * measured in alternating rounds. The bench runs it in a child process that loads only the SDK
 * ({@link cryptoMetricsInChild}): an application's heap, not the bench runner's with Hardhat in it.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomFillSync } from "node:crypto";

import {
  cidOf,
  decryptEnvelope,
  encryptEnvelope,
  generateDek,
  generateIdentity,
  getChunkCipher,
  HPKE_SUITE,
  PORTABLE_CHUNK_CIPHER,
  setChunkCipher,
  unwrapKey,
  wrapKey,
} from "../../sdk/index.js";
import "../../sdk/node.js";
import { runChild } from "./child.js";
import { metric, type Metric } from "./metrics.js";
import { pqCryptoMetrics } from "./pq.js";
import { interleaved, runsPerSecond } from "./timing.js";

const KiB = 1024;
const MiB = 1024 * KiB;

/** Sizes by label. */
export const SIZES: Record<string, number> = { "1KiB": KiB, "64KiB": 64 * KiB, "1MiB": MiB, "64MiB": 64 * MiB };

/** What a record's AAD context looks like: "carechain/record/v1" || patient (20 bytes) || category (1 byte). */
const CONTEXT = new Uint8Array([...new TextEncoder().encode("carechain/record/v1"), ...randomBytes(20), 5]);
/** The AAD one chunk carries: header (25 bytes) || context. */
const AAD = new Uint8Array([...randomBytes(25), ...CONTEXT]);

/** node:crypto ChaCha20-Poly1305 over all of `data` in one call: the fastest use of OpenSSL on these bytes. */
function nodeSeal(key: Uint8Array, nonce: Uint8Array, data: Uint8Array): number {
  const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  cipher.setAAD(AAD, { plaintextLength: data.length });
  const out = cipher.update(data);
  cipher.final();
  return out.length + cipher.getAuthTag().length;
}

function nodeOpen(key: Uint8Array, nonce: Uint8Array, sealed: { ct: Uint8Array; tag: Uint8Array }): number {
  const decipher = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
  decipher.setAuthTag(sealed.tag);
  decipher.setAAD(AAD, { plaintextLength: sealed.ct.length });
  const out = decipher.update(sealed.ct);
  decipher.final();
  return out.length;
}

export interface CryptoOptions {
  /** Size labels for encrypt (see {@link SIZES}). */
  readonly encryptSizes: readonly string[];
  /** Size labels for decrypt. */
  readonly decryptSizes: readonly string[];
  /** Size labels for CIDs. */
  readonly cidSizes: readonly string[];
  /** Rounds per comparison and minimum milliseconds per round. */
  readonly rounds: number;
  readonly minMs: number;
  /** How long to run the HPKE wrap. */
  readonly hpkeMs: number;
}

export async function cryptoMetrics(options: CryptoOptions): Promise<Metric[]> {
  if (getChunkCipher().name !== "node:crypto") throw new Error("carechain/node did not select the node:crypto cipher");
  const out: Metric[] = [];
  const mbps = (runsPerSec: number, size: number) => (runsPerSec * size) / 1e6;
  const dek = generateDek();
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  /** Rounds for a size: large inputs run once per side per round (one run already takes tens of milliseconds). */
  const roundsFor = (size: number) =>
    size >= 16 * MiB
      ? { rounds: options.rounds, minMs: 0, warmup: 1 }
      : { rounds: options.rounds, minMs: options.minMs };
  const compare = async (
    name: string,
    size: number,
    subject: () => unknown,
    baseline: () => unknown,
    note: string,
  ): Promise<Metric> => {
    const r = await interleaved(subject, baseline, roundsFor(size));
    return metric(name, mbps(r.subject, size), "MB/s", mbps(r.baseline, size), note);
  };

  // Smaller sizes first, so that the garbage of the large runs never weighs on the small ones; reported by kind.
  const encrypts: Metric[] = [];
  const decrypts: Metric[] = [];
  const cids: Metric[] = [];
  const labels = Object.keys(SIZES).filter((l) =>
    [options.encryptSizes, options.decryptSizes, options.cidSizes].some((s) => s.includes(l)),
  );
  for (const label of labels) {
    const size = SIZES[label]!;
    const data = randomFillSync(new Uint8Array(size));
    if (options.encryptSizes.includes(label)) {
      encrypts.push(
        await compare(
          `crypto.encrypt.${label}.MBps`,
          size,
          () => encryptEnvelope(dek, data, CONTEXT),
          () => nodeSeal(key, nonce, data),
          "encryptEnvelope (node:crypto chunk cipher, 64 KiB chunks) vs one node:crypto ChaCha20-Poly1305 call over the same bytes",
        ),
      );
    }
    if (options.decryptSizes.includes(label)) {
      const envelope = encryptEnvelope(dek, data, CONTEXT);
      const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 });
      cipher.setAAD(AAD, { plaintextLength: size });
      const sealed = { ct: cipher.update(data), tag: (cipher.final(), cipher.getAuthTag()) };
      decrypts.push(
        await compare(
          `crypto.decrypt.${label}.MBps`,
          size,
          () => decryptEnvelope(dek, envelope, CONTEXT),
          () => nodeOpen(key, nonce, sealed),
          "decryptEnvelope vs one node:crypto ChaCha20-Poly1305 open over the same bytes",
        ),
      );
    }
    if (options.cidSizes.includes(label)) {
      cids.push(
        await compare(
          `cid.sha256.${label}.MBps`,
          size,
          () => cidOf(data),
          () => createHash("sha256").update(data).digest(),
          "cidOf (CIDv1 raw sha2-256) vs node:crypto SHA-256 of the same bytes",
        ),
      );
    }
  }

  // Informational: the largest encrypt size again with 1 MiB chunks (chunkSizeLog2 = 20), to show how much of the
  // gap to one node:crypto call is per-chunk cost (one cipher object and one copy per chunk).
  const largest = options.encryptSizes.at(-1)!;
  if (SIZES[largest]! >= MiB) {
    const size = SIZES[largest]!;
    const data = randomFillSync(new Uint8Array(size));
    encrypts.push(
      await compare(
        `crypto.encrypt.${largest}.chunk1MiB.MBps`,
        size,
        () => encryptEnvelope(dek, data, CONTEXT, { chunkSizeLog2: 20 }),
        () => nodeSeal(key, nonce, data),
        "informational: encryptEnvelope with chunkSizeLog2 = 20 (1 MiB chunks) vs one node:crypto call",
      ),
    );
  }

  // The portable path (what a browser runs): @noble/ciphers.
  {
    const size = MiB;
    const data = randomFillSync(new Uint8Array(size));
    const previous = setChunkCipher(PORTABLE_CHUNK_CIPHER);
    let portable: number;
    try {
      portable = mbps(await runsPerSecond(() => encryptEnvelope(dek, data, CONTEXT), options.minMs * 2, 2), size);
    } finally {
      setChunkCipher(previous);
    }
    encrypts.push(
      metric(
        "crypto.encrypt.portable.1MiB.MBps",
        portable,
        "MB/s",
        undefined,
        "encryptEnvelope on @noble/ciphers (the browser path); informational, no target",
      ),
    );
  }
  out.push(...encrypts, ...decrypts, ...cids);

  const recipient = generateIdentity();
  const info = new Uint8Array([...new TextEncoder().encode("carechain/keyring/v1"), ...randomBytes(36)]);
  const wrapRate = await runsPerSecond(() => wrapKey(recipient.publicKey, dek, info), options.hpkeMs, 5);
  out.push(
    metric(
      "crypto.hpkeWrap.perSec",
      wrapRate,
      "ops/s",
      undefined,
      "wrapKey: HPKE base mode seal of a 32-byte key (DHKEM X25519, HKDF-SHA256, ChaCha20-Poly1305)",
    ),
  );
  // Informational: the portable suite (X25519 on @noble/curves), what runs where WebCrypto has no X25519. Its
  // output opens with the SDK's unwrapKey (one format).
  const recipientKey = await HPKE_SUITE.kem.deserializePublicKey(recipient.publicKey);
  const portableSeal = () => HPKE_SUITE.seal({ recipientPublicKey: recipientKey, info }, dek);
  const sealed = await portableSeal();
  const opened = await unwrapKey(
    recipient.secretKey,
    { enc: new Uint8Array(sealed.enc), ciphertext: new Uint8Array(sealed.ct) },
    info,
  );
  if (Buffer.compare(opened, dek) !== 0)
    throw new Error("the portable HPKE suite's output does not open with unwrapKey");
  out.push(
    metric(
      "crypto.hpkeWrap.portable.perSec",
      await runsPerSecond(portableSeal, options.hpkeMs, 5),
      "ops/s",
      wrapRate,
      "informational: the same seal on HPKE_SUITE (X25519 on @noble/curves, for platforms without WebCrypto " +
        "X25519); baseline: crypto.hpkeWrap.perSec",
    ),
  );
  const wrapped = await wrapKey(recipient.publicKey, dek, info);
  out.push(
    metric(
      "crypto.hpkeUnwrap.perSec",
      await runsPerSecond(() => unwrapKey(recipient.secretKey, wrapped, info), options.hpkeMs, 5),
      "ops/s",
      undefined,
      "unwrapKey: HPKE base mode open; informational",
    ),
  );
  out.push(...(await pqCryptoMetrics(dek, options)));
  return out;
}

/**
 * {@link cryptoMetrics} in a child process that loads only the SDK (scripts/bench/crypto-child.ts), with
 * --expose-gc so that every measuring round starts from a collected heap.
 */
export async function cryptoMetricsInChild(options: CryptoOptions): Promise<Metric[]> {
  return runChild<Metric[]>("crypto-child.ts", [JSON.stringify(options)], ["--expose-gc"]);
}
