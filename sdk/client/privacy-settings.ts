/**
 * A client's privacy settings, checked once when its context is built: the post-quantum policy with the account's
 * X-Wing key pair (derived on first use), and the threshold custodian set.
 * @module
 */
import { MAX_CUSTODIANS } from "../crypto/custody.js";
import { checkBytes, toHex } from "../crypto/bytes.js";
import type { IdentityKeyPair } from "../crypto/identity.js";
import { assertX25519PublicKey } from "../crypto/public-key.js";
import {
  deriveXWingKeyPair,
  xwingKeyPairFromSeed,
  XWING_PUBLIC_KEY_BYTES,
  type XWingKeyPair,
} from "../crypto/xwing.js";
import type { PostQuantumOptions, PostQuantumSettings } from "./context.js";
import type { PostQuantumPolicy } from "./pq-keys.js";
import type { CustodianSet } from "./threshold-custody.js";

const POLICIES: readonly PostQuantumPolicy[] = ["auto", "required", "never"];

/**
 * The post-quantum settings of a context: the policy (default `auto`) and the X-Wing key pair — the one given, the
 * one of the seed given, or the one derived from `identity`'s secret key — computed once, on first use.
 * @param identity - The account's X25519 identity.
 * @param options - The client's post-quantum options.
 * @returns The settings.
 * @throws {RangeError} When the policy is unknown, or the key pair or seed has the wrong length.
 */
export function postQuantumSettings(
  identity: IdentityKeyPair,
  options: PostQuantumOptions | undefined,
): PostQuantumSettings {
  const policy = options?.policy ?? "auto";
  const asGiven: unknown = policy; // a caller in plain JavaScript may pass anything
  if (!POLICIES.includes(policy)) throw new RangeError(`postQuantum.policy: unknown policy ${String(asGiven)}`);
  const given = options?.identity;
  let load: () => Promise<XWingKeyPair>;
  if (given instanceof Uint8Array) {
    checkBytes("postQuantum.identity", given, 32);
    const seed = given.slice();
    load = () => xwingKeyPairFromSeed(seed);
  } else if (given) {
    checkBytes("postQuantum.identity.publicKey", given.publicKey, XWING_PUBLIC_KEY_BYTES);
    checkBytes("postQuantum.identity.secretKey", given.secretKey, 32);
    load = () => Promise.resolve(given);
  } else {
    const secret = identity.secretKey;
    load = () => deriveXWingKeyPair(secret);
  }
  let keyPair: Promise<XWingKeyPair> | undefined;
  return {
    policy,
    options,
    keyPair: () => {
      keyPair ??= load();
      return keyPair;
    },
  };
}

/**
 * Checks a custodian set up front: 2 ≤ threshold ≤ nodes ≤ `MAX_CUSTODIANS`, usable and distinct X25519 node keys,
 * and an http(s) URL for each node.
 * @param set - The set, or undefined.
 * @returns The set.
 * @throws {RangeError} When the threshold or node count is out of range, a key repeats, or a URL is not http(s).
 * @throws {InvalidPublicKeyError} When a node key is not a usable X25519 key.
 */
export function checkCustodianSet(set: CustodianSet | undefined): CustodianSet | undefined {
  if (!set) return undefined;
  const n = set.nodes.length;
  if (n < 2 || n > MAX_CUSTODIANS)
    throw new RangeError(`custodianSet.nodes: expected 2..${MAX_CUSTODIANS} nodes, got ${n}`);
  if (!Number.isInteger(set.threshold) || set.threshold < 2 || set.threshold > n)
    throw new RangeError(`custodianSet.threshold: expected an integer in 2..${n}, got ${set.threshold}`);
  const keys = new Set<string>();
  set.nodes.forEach((node, i) => {
    assertX25519PublicKey(node.key, `custodianSet.nodes[${i}].key`);
    keys.add(toHex(node.key));
    let protocol: string;
    try {
      protocol = new URL(node.url).protocol;
    } catch {
      protocol = "";
    }
    if (protocol !== "http:" && protocol !== "https:")
      throw new RangeError(`custodianSet.nodes[${i}].url: expected an http(s) URL, got ${node.url}`);
  });
  if (keys.size !== n) throw new RangeError("custodianSet.nodes: a node key is listed twice");
  return set;
}
