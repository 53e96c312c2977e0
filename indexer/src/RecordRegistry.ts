/**
 * Indexing functions of the RecordRegistry: record versions and their amendment links, batches, keyrings, access
 * logs, emergency key releases, and their audit-trail rows.
 */
import { ponder } from "ponder:registry";
import { accessLog, auditEvent, batch, batchEntry, keyRelease, keyring, record } from "ponder:schema";

import { auditRow, position } from "../lib/audit";
import { fetchManifestEntries, ManifestRefused, type ManifestEntry } from "../lib/manifest";
import { readSettings } from "../lib/settings";

const { manifestUrl } = readSettings();

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
    erased: false,
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
  // The entries, when a gateway is configured and the manifest it serves is the anchored one (a refusal is logged
  // and the batch indexed without them: the SDK then fetches the manifest itself).
  let entries: ManifestEntry[] | undefined;
  if (manifestUrl) {
    try {
      entries = await fetchManifestEntries(manifestUrl, { patient, author, root, count, manifestCid });
    } catch (error) {
      if (!(error instanceof ManifestRefused)) throw error;
      console.warn(`carechain-indexer: batch ${batchId}: entries not indexed: ${error.message}`);
    }
  }
  await context.db.insert(batch).values({
    batchId,
    root,
    patient,
    author,
    categories,
    count,
    manifestCid,
    entriesIndexed: entries !== undefined,
    erased: false,
    anchoredAt: at.time,
    block: at.block,
    logIndex: at.logIndex,
    tx: at.tx,
  });
  if (entries && entries.length > 0) {
    await context.db
      .insert(batchEntry)
      .values(entries.map((e, i) => ({ id: `${batchId}:${i}`, batchId, position: i, patient, ...e })));
  }
  await context.db.insert(auditEvent).values(auditRow(event, "BatchAnchored", patient, author, { recordId: batchId }));
});

// An erasure mark (`markErased`): the version or the batch (with every record it anchors) is flagged; the anchor
// rows stay, as they do on chain. Not an audit-trail event (the SDK's RPC trail does not list it either).
ponder.on("RecordRegistry:ErasureMarked", async ({ event, context }) => {
  const { id, isBatch } = event.args;
  if (isBatch) {
    if (await context.db.find(batch, { batchId: id }))
      await context.db.update(batch, { batchId: id }).set({ erased: true });
  } else if (await context.db.find(record, { recordId: id })) {
    await context.db.update(record, { recordId: id }).set({ erased: true });
  }
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
