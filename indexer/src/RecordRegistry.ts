/**
 * Indexing functions of the RecordRegistry: record versions and their amendment links, batches, keyrings, access
 * logs, emergency key releases, and their audit-trail rows.
 */
import { ponder } from "ponder:registry";
import { accessLog, auditEvent, batch, keyRelease, keyring, record } from "ponder:schema";

import { auditRow, position } from "../lib/audit";

const ZERO_HASH = `0x${"00".repeat(32)}` as const;

ponder.on("RecordRegistry:RecordAnchored", async ({ event, context }) => {
  const { recordId, patient, author, categories, version, previous, contentCid, keyringCid } = event.args;
  const at = position(event);
  let firstVersion: `0x${string}` = recordId;
  let originalAuthor = author;
  if (previous !== ZERO_HASH) {
    const prior = await context.db.find(record, { recordId: previous });
    // The contract only accepts an amendment of an anchored version, so the prior version is always indexed
    // (unless indexing started after it: then this version heads its own chain here).
    if (prior) {
      firstVersion = prior.firstVersion;
      originalAuthor = prior.originalAuthor;
      await context.db.update(record, { recordId: previous }).set({ amendedBy: recordId });
    }
  }
  await context.db.insert(record).values({
    recordId,
    patient,
    author,
    originalAuthor,
    categories,
    version,
    previous,
    firstVersion,
    contentCid,
    keyringCid,
    anchoredAt: at.time,
    block: at.block,
    logIndex: at.logIndex,
    tx: at.tx,
  });
  await context.db
    .insert(keyring)
    .values({ id: event.id, recordId, patient, publisher: author, keyringCid, source: "anchor", ...at });
  await context.db.insert(auditEvent).values(auditRow(event, "RecordAnchored", patient, author, { recordId }));
});

ponder.on("RecordRegistry:BatchAnchored", async ({ event, context }) => {
  const { batchId, root, patient, author, categories, count, manifestCid } = event.args;
  const at = position(event);
  await context.db.insert(batch).values({
    batchId,
    root,
    patient,
    author,
    categories,
    count,
    manifestCid,
    anchoredAt: at.time,
    block: at.block,
    logIndex: at.logIndex,
    tx: at.tx,
  });
  await context.db.insert(auditEvent).values(auditRow(event, "BatchAnchored", patient, author, { recordId: batchId }));
});

ponder.on("RecordRegistry:RecordAccessed", async ({ event, context }) => {
  const { recordId, patient, accessor, purpose } = event.args;
  const at = position(event);
  await context.db.insert(accessLog).values({
    id: event.id,
    recordId,
    patient,
    accessor,
    purpose,
    block: at.block,
    time: at.time,
    tx: at.tx,
  });
  await context.db
    .insert(auditEvent)
    .values(auditRow(event, "RecordAccessed", patient, accessor, { recordId, purpose }));
});

ponder.on("RecordRegistry:KeyringPublished", async ({ event, context }) => {
  const { recordId, patient, publisher, keyringCid } = event.args;
  await context.db
    .insert(keyring)
    .values({ id: event.id, recordId, patient, publisher, keyringCid, source: "published", ...position(event) });
  await context.db.insert(auditEvent).values(auditRow(event, "KeyringPublished", patient, publisher, { recordId }));
});

ponder.on("RecordRegistry:EmergencyKeyReleased", async ({ event, context }) => {
  const { recordId, patient, provider, custodian } = event.args;
  const at = position(event);
  await context.db.insert(keyRelease).values({
    id: event.id,
    recordId,
    patient,
    provider,
    custodian,
    block: at.block,
    time: at.time,
    tx: at.tx,
  });
  await context.db
    .insert(auditEvent)
    .values(auditRow(event, "EmergencyKeyReleased", patient, custodian, { counterpart: provider, recordId }));
});
