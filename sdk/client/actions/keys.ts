/** Key rotation actions: a patient's or provider's new encryption key, and its records re-wrapped for it. */
import { toHex } from "../../crypto/bytes.js";
import type { IdentityKeyPair } from "../../crypto/identity.js";
import { assertX25519PublicKey } from "../../crypto/public-key.js";
import type { CarechainContext } from "../context.js";
import { contextWithIdentity } from "../create-context.js";
import type { RecordAnchor, SkippedObject, TxResult } from "../types.js";
import { mayAll } from "./_access.js";
import { publishKeyrings, rewrap } from "./_keyrings.js";
import { sendTx } from "./_tx.js";
import { getAccountAddress } from "./directory.js";
import { listRecords } from "./records-read.js";

/** The result of a key rotation action: the new context and what was re-wrapped. */
export interface RotateKeyReturnType {
  /** A context of the same account that uses the new key. */
  readonly context: CarechainContext;
  /** The Directory transaction. */
  readonly tx: TxResult;
  /** How many records were re-wrapped for the new key. */
  readonly rewrapped: number;
  /** The `publishKeyrings` transaction(s), gas summed, when any record was re-wrapped. */
  readonly shareTx?: TxResult;
  /** Records (and batches) that could not be read and so were not re-wrapped, and why. */
  readonly skipped: readonly SkippedObject[];
}

/** Parameters of {@link rotatePatientKey}. */
export interface RotatePatientKeyParameters {
  /** The new identity key pair. */
  readonly identity: IdentityKeyPair;
}

/**
 * Replaces the patient's encryption key: registers the new public key on chain and re-wraps every record the
 * patient can open for it (keyrings published on chain). One bad object never blocks a rotation: a record or batch
 * that can't be read is left out and reported in `skipped`.
 * @param ctx - The client context (the patient's).
 * @param params - The new identity key pair.
 * @returns A context using the new key, the Directory transaction, how many records were re-wrapped, and what was
 * skipped.
 * @throws {InvalidPublicKeyError} When the new public key is not a usable X25519 public key (nothing is sent).
 */
export async function rotatePatientKey(
  ctx: CarechainContext,
  params: RotatePatientKeyParameters,
): Promise<RotateKeyReturnType> {
  const { identity } = params;
  assertX25519PublicKey(identity.publicKey, "identity.publicKey");
  const me = await getAccountAddress(ctx);
  const list = await listRecords(ctx, { patient: me });
  const { skipped, ...keyrings } = await rewrap(ctx, list, identity.publicKey);
  const tx = await sendTx(ctx, "rotatePatientKey", () =>
    ctx.contracts.directory.rotatePatientKey(toHex(identity.publicKey)),
  );
  return {
    context: contextWithIdentity(ctx, identity),
    tx,
    rewrapped: keyrings.recordIds.length,
    shareTx: await publishKeyrings(ctx, keyrings),
    skipped: [...list.skipped, ...skipped],
  };
}

/** Parameters of {@link rotateProviderKey}. */
export interface RotateProviderKeyParameters {
  /** The new identity key pair. */
  readonly identity: IdentityKeyPair;
  /** The patients whose records this provider re-wraps for its new key. */
  readonly patients: readonly string[];
}

/**
 * Replaces a provider's encryption key: registers the new public key and re-wraps, for it, every record of
 * `patients` the provider can still read (keyrings published on chain — a current reader may publish). Records of
 * patients not listed are re-shared by those patients' `shareRecords`, or read with the old key.
 * @param ctx - The client context (the provider's).
 * @param params - The new identity key pair and the patients.
 * @returns A context using the new key, the Directory transaction, how many records were re-wrapped, and what was
 * skipped.
 * @throws {InvalidPublicKeyError} When the new public key is not a usable X25519 public key (nothing is sent).
 */
export async function rotateProviderKey(
  ctx: CarechainContext,
  params: RotateProviderKeyParameters,
): Promise<RotateKeyReturnType> {
  const { identity, patients } = params;
  assertX25519PublicKey(identity.publicKey, "identity.publicKey");
  const me = await getAccountAddress(ctx);
  const readable: RecordAnchor[] = [];
  const listSkipped: SkippedObject[] = [];
  for (const patient of patients) {
    const list = await listRecords(ctx, { patient });
    listSkipped.push(...list.skipped);
    for (const r of list) {
      if (await mayAll(ctx, { patient: r.patient, grantee: me, categories: r.categories, action: "read" }))
        readable.push(r);
    }
  }
  const { skipped, ...keyrings } = await rewrap(ctx, readable, identity.publicKey);
  const tx = await sendTx(ctx, "rotateProviderKey", () =>
    ctx.contracts.directory.rotateProviderKey(toHex(identity.publicKey)),
  );
  return {
    context: contextWithIdentity(ctx, identity),
    tx,
    rewrapped: keyrings.recordIds.length,
    shareTx: await publishKeyrings(ctx, keyrings),
    skipped: [...listSkipped, ...skipped],
  };
}
