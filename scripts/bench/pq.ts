/**
 * Post-quantum key wrap figures (issue 15, item 3): X-Wing HPKE wraps per second against the classical X25519 wrap in
 * alternating rounds of the same run, X-Wing unwraps, and the bytes one recipient adds to a v2 keyring with each suite.
 */
import {
  encodeKeyringV2,
  generateIdentity,
  generateXWingKeyPair,
  pqKeyCid,
  sealKeyringV2,
  unwrapKeyXWing,
  wrapKey,
  wrapKeyXWing,
  type KeyringRecipient,
} from "../../sdk/index.js";
import { metric, type Metric } from "./metrics.js";
import { interleaved, runsPerSecond } from "./timing.js";

/**
 * Measures X-Wing against X25519.
 * @param dek - A 32-byte key to wrap.
 * @param options - `hpkeMs` per measuring round and `rounds` of the interleaved comparison.
 * @returns `crypto.hpkeWrap.xwing.perSec` (baseline: the X25519 wrap, same rounds), `crypto.hpkeUnwrap.xwing.perSec`,
 * and `crypto.keyring.bytesPerRecipient.{x25519,xwing}` (xwing's baseline: x25519).
 */
export async function pqCryptoMetrics(dek: Uint8Array, options: { hpkeMs: number; rounds: number }): Promise<Metric[]> {
  const classical = generateIdentity();
  const pq = await generateXWingKeyPair();
  const info = new TextEncoder().encode("carechain/keyring/v2/xwing-bench");
  const rates = await interleaved(
    () => wrapKeyXWing(pq.publicKey, dek, info),
    () => wrapKey(classical.publicKey, dek, info),
    { rounds: Math.max(3, Math.min(options.rounds, 7)), minMs: options.hpkeMs / 2 },
  );
  const wrapped = await wrapKeyXWing(pq.publicKey, dek, info);
  const unwrapRate = await runsPerSecond(() => unwrapKeyXWing(pq.secretKey, wrapped, info), options.hpkeMs, 5);

  const record = pqKeyCid(`0x${"42".repeat(32)}`);
  const size = async (recipients: KeyringRecipient[]) =>
    encodeKeyringV2((await sealKeyringV2(record, dek, recipients)).keyring).length;
  const base: KeyringRecipient = { suite: "x25519", publicKey: generateIdentity().publicKey };
  const one = await size([base]);
  const perClassical = (await size([base, { suite: "x25519", publicKey: classical.publicKey }])) - one;
  const perHybrid = (await size([base, { suite: "xwing", publicKey: pq.publicKey }])) - one;
  return [
    metric(
      "crypto.hpkeWrap.xwing.perSec",
      rates.subject,
      "ops/s",
      rates.baseline,
      "wrapKeyXWing: HPKE base seal with X-Wing (ML-KEM-768 + X25519); baseline: the X25519 wrap in alternating rounds of this run",
    ),
    metric("crypto.hpkeUnwrap.xwing.perSec", unwrapRate, "ops/s", undefined, "unwrapKeyXWing; informational"),
    metric(
      "crypto.keyring.bytesPerRecipient.x25519",
      perClassical,
      "B",
      undefined,
      "one more X25519 entry in a v2 keyring (JSON, hex)",
    ),
    metric(
      "crypto.keyring.bytesPerRecipient.xwing",
      perHybrid,
      "B",
      perClassical,
      "one more X-Wing entry in a v2 keyring (1,120-byte encapsulation, hex); baseline: an X25519 entry",
    ),
  ];
}
