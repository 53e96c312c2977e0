/** Record write actions: add a FHIR resource as an encrypted, anchored record (exactly once), or amend one. */
import { getAddress } from "ethers";
import { CID } from "multiformats/cid";

import { cidOf } from "../../content/cid.js";
import { fromHex, toHex, utf8 } from "../../crypto/bytes.js";
import { encryptEnvelope } from "../../crypto/envelope.js";
import type { SkippedRecipient } from "../../crypto/keyring.js";
import { decodeAnyKeyring } from "../../crypto/keyring-v2.js";
import { RecordUnauthorizedAmenderError, RecordWriteConsentRequiredError } from "../../errors/contract.js";
import { CustodianSetRequiredError } from "../../errors/privacy.js";
import { canonicalJson } from "../../fhir/canonical.js";
import { categoriesOf, categoryMask } from "../../fhir/categories.js";
import { checkLimit } from "../../limits.js";
import type { CarechainContext } from "../context.js";
import type { PendingWrite } from "../journal.js";
import { recordIdOf } from "../record-id.js";
import { deriveRecordKey } from "../record-key.js";
import type { AddedRecord, RecordAnchor, RecordCustody } from "../types.js";
import { RecordWrite } from "../write-attempt.js";
import { anchorPending, journaled } from "./_anchor-write.js";
import { custodyOf, sealRecordKeyring } from "./_keyrings.js";
import { keyringRecipients, writeReaders } from "./_readers.js";
import { checkRecordSize, recordContext } from "./_records.js";
import { ZERO_HASH } from "./_values.js";
import { getAccountAddress } from "./directory.js";
import { getRecord } from "./records-read.js";

/** Parameters of {@link addRecord}. */
export interface AddRecordParameters {
  /** The patient's address. */
  readonly patient: string;
  /** A FHIR R4 resource. */
  readonly resource: unknown;
  /** The version this one amends (by its original author, the patient or a delegate). */
  readonly previous?: string;
  /** Also place the key with the client's custodian set: `emergency` or `must-log` (see {@link RecordCustody}). */
  readonly custody?: RecordCustody;
}
/** The result of {@link addRecord}. */
export type AddRecordReturnType = AddedRecord;

/**
 * Adds a FHIR R4 resource to a patient's record: validate → categorise every resource in it → canonical JSON →
 * encrypt with a key derived from the content (the same content by the same author for the same patient, as the
 * same amendment, is the same record: writing it again returns the existing one) → store → wrap the key for the
 * patient, this author, every current reader of all those categories and the custodian when break-glass covers
 * them → store the keyring → journal → anchor with the category mask. Anchoring needs write consent for every
 * category (or the account being the patient). A reader whose key can't be wrapped for is listed in
 * `skippedRecipients`. Each reader's suite follows the context's post-quantum policy: X-Wing for a reader with a
 * verified key document in the Directory (a version 2 keyring), X25519 otherwise (a version 1 keyring when every
 * reader is X25519). With `custody`, the key is then split among the client's custodian set and the custody
 * document published (`emergency`: in place of the single custodian's entry; `must-log`: the keyring holds only
 * the patient and the author).
 * @param ctx - The client context.
 * @param params - The patient, the resource, and the version it amends.
 * @returns The anchor transaction, record id, CIDs, categories and recipients.
 * @throws {FhirValidationError} When the resource is invalid (nothing is stored or anchored).
 * @throws {SizeLimitError} When its canonical JSON is over `MAX_RECORD_BYTES` (nothing is stored or anchored).
 * @throws {RecordWriteConsentRequiredError} When the account has no write consent for one of the categories (the
 * lowest such is named; nothing is stored or anchored).
 * @throws {RecordUnauthorizedAmenderError} When amending a record the account may not amend (nothing stored).
 * @throws {RecordAnchorConflictError} When the record id is already anchored as something else.
 * @throws {PqKeyRequiredError} When the policy is `required` and a reader has no post-quantum key (nothing is
 * stored or anchored).
 * @throws {PqKeyDocumentError} When a reader's committed post-quantum key document is missing or does not verify
 * (nothing is stored or anchored: the writer does not fall back to X25519).
 * @throws {CustodianSetRequiredError} When `custody` is asked for without a custodian set (nothing is stored).
 * @throws {WriteError} When anything fails on the way: it carries the `recordId`, the `stage` and `mayHaveLanded`;
 * the write stays in the journal once journaled, and adding the same resource again finishes it without a second
 * anchor. Stage `custody`: the record is anchored but its key is not in custody yet (call `placeRecordInCustody`).
 */
export async function addRecord(ctx: CarechainContext, params: AddRecordParameters): Promise<AddRecordReturnType> {
  const custodians = params.custody ? ctx.custodianSet : undefined;
  if (params.custody && !custodians) throw new CustodianSetRequiredError(`addRecord custody=${params.custody}`);
  checkRecordSize(params.resource);
  const valid = ctx.validator.validate(params.resource);
  const plaintext = utf8(canonicalJson(valid));
  checkLimit("recordBytes", plaintext.length, "record");
  const categories = categoriesOf(valid);
  const patient = getAddress(params.patient);
  const me = await getAccountAddress(ctx);
  const previous = params.previous ? toHex(fromHex("previous", params.previous, 32)) : ZERO_HASH;
  const mask = categoryMask(categories);
  // The same content by the same author for the same patient (and amended version) gives the same ciphertext, so
  // the same record id: a second attempt meets its own anchor instead of anchoring a copy.
  const { dek, noncePrefix } = deriveRecordKey(ctx.identity.secretKey, {
    patient,
    author: me,
    categoryMask: mask,
    previous,
    plaintext,
  });
  const envelope = encryptEnvelope(dek, plaintext, recordContext(patient, me, mask), { noncePrefix });
  const contentCid = await cidOf(envelope);
  const recordId = recordIdOf(patient, me, contentCid);
  const write = new RecordWrite(recordId);
  try {
    let pending = await write.step("journal", () => journaled(ctx, recordId));
    let sealed: { recipients: number; pq: number; skipped: SkippedRecipient[] } | undefined;
    if (pending) {
      write.mayHaveLanded = true; // an earlier attempt of this very write: it may have been sent
    } else {
      // The write consent, the readers and (for an amendment) the amender checked at once: one batched view for
      // the first two. The consent's refusal is reported first.
      const amender = params.previous ? requireAmender(ctx, previous, me) : Promise.resolve();
      amender.catch(() => undefined); // awaited below, after the consent's verdict
      const access = await write.step("read", () => writeReaders(ctx, patient, categories, me));
      if (access.writeDenied !== undefined) {
        throw new RecordWriteConsentRequiredError({ patient, author: me, category: BigInt(access.writeDenied) });
      }
      await amender;
      // The readers and their suites first: a post-quantum refusal leaves nothing stored.
      const scope = params.custody === "must-log" ? "owners" : params.custody ? "readers" : "all";
      const recipients = await keyringRecipients(ctx, patient, categories, scope, access);
      const keyring = await sealRecordKeyring(contentCid, dek, recipients, params.custody);
      // The ciphertext and the keyring are stored at once.
      const [, keyringCid] = await write.step("store", () =>
        Promise.all([ctx.store.put(envelope), ctx.store.put(keyring.bytes)]),
      );
      sealed = { recipients: keyring.recipients, pq: keyring.pq, skipped: keyring.skipped };
      const entry: PendingWrite = {
        recordId,
        patient,
        categories,
        contentCid: contentCid.toString(),
        keyringCid: keyringCid.toString(),
        previous,
        author: me,
        createdAt: Date.now(),
      };
      pending = entry;
      await write.step("journal", () => ctx.journal.put(entry));
    }
    const anchored = await anchorPending(ctx, pending, write);
    write.mayHaveLanded = true; // anchored: a later failure (custody) leaves the record on chain
    const keyringCid = CID.parse(anchored.keyringCid);
    const counted =
      sealed && anchored.keyringCid === pending.keyringCid
        ? sealed
        : await write.step("store", async () => keyringCounts(await ctx.store.get(keyringCid)));
    const custody = custodians && (await write.step("custody", () => custodyOf(ctx, recordId, dek, custodians)));
    // Only now, with everything that can fail behind it, does the journal let go of the write.
    await write.step("journal", () => ctx.journal.remove(recordId));
    return {
      ...anchored.tx,
      recordId,
      contentCid,
      keyringCid,
      categories,
      recipients: counted.recipients,
      pqRecipients: counted.pq,
      skippedRecipients: sealed?.skipped ?? [],
      ...(custody ? { custody } : {}),
    };
  } catch (error) {
    throw write.error(error);
  }
}

/** How many entries a stored keyring (of either version) holds, and how many of them are X-Wing. */
function keyringCounts(bytes: Uint8Array): { recipients: number; pq: number } {
  const keyring = decodeAnyKeyring(bytes);
  const pq = keyring.v === 2 ? keyring.recipients.filter((e) => e.suite === "xwing").length : 0;
  return { recipients: keyring.recipients.length, pq };
}

/**
 * Refuses, before anything is stored, an amendment of `previous` by an account that is neither its record's
 * original author, nor its patient, nor a delegate of the patient (the contract refuses it too).
 */
async function requireAmender(ctx: CarechainContext, previous: string, me: string): Promise<void> {
  const prior = await getRecord(ctx, { recordId: previous });
  if (me === prior.originalAuthor || (await ctx.contracts.consent.isPatientOrDelegate(prior.patient, me))) return;
  throw new RecordUnauthorizedAmenderError({ previous: prior.recordId, account: me });
}

/** Parameters of {@link amendRecord}. */
export interface AmendRecordParameters {
  /** The version amended (it must be the latest). */
  readonly previous: string;
  /** The new content. */
  readonly resource: unknown;
}
/** The result of {@link amendRecord}. */
export type AmendRecordReturnType = AddedRecord;

/**
 * Amends a record: anchors `resource` as the next version of `previous` (same patient and categories). The previous
 * version stays, marked amended; nothing is overwritten. Only the record's original author, its patient or a
 * delegate of the patient amends.
 * @param ctx - The client context.
 * @param params - The version amended and the new content.
 * @returns The new version, as {@link addRecord} returns it.
 * @throws {RecordAlreadyAmendedError} When `previous` is not the latest version.
 * @throws {RecordUnauthorizedAmenderError} When the account may not amend it (checked before anything is stored).
 * @throws {RecordAmendmentMismatchError} When the new content's categories differ from the record's.
 * @throws {WriteError} When anything fails on the way (see {@link addRecord}); amending again with the same resource
 * is safe.
 */
export async function amendRecord(
  ctx: CarechainContext,
  params: AmendRecordParameters,
): Promise<AmendRecordReturnType> {
  let prior: RecordAnchor;
  try {
    prior = await getRecord(ctx, { recordId: params.previous });
  } catch (error) {
    throw new RecordWrite(undefined).error(error);
  }
  return addRecord(ctx, { patient: prior.patient, resource: params.resource, previous: prior.recordId });
}
