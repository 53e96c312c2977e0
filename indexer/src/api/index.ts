/**
 * The indexer's HTTP API: the queries the Carechain SDK asks (`/v1/...`, JSON, see docs/indexer.md), plus Ponder's
 * GraphQL (`/graphql`) and SQL-over-HTTP (`/sql/*`) over the same tables. Read only.
 */
import { db } from "ponder:api";
import schema, {
  auditEvent,
  batch,
  batchEntry,
  breakGlassState,
  consentEvent,
  consentGrant,
  emergencyPolicy,
  keyring,
  patient,
  provider,
  record,
} from "ponder:schema";
import { Hono, type Context } from "hono";
import { and, asc, client, eq, gt, gte, graphql, inArray, lte, or, sql } from "ponder";
import { getAddress, type Address, type Hex } from "viem";

import { IPS_CATEGORIES, mayReadAll } from "../../lib/access";
import { readSettings } from "../../lib/settings";

const settings = readSettings();
const app = new Hono();

app.use("/graphql", graphql({ db, schema }));
app.use("/sql/*", client({ db, schema }));

/** A request the API refuses, answered 400/404 with `{ error: { code, message } }`. */
class ApiError extends Error {
  constructor(
    readonly status: 400 | 404,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

app.onError((error, c) => {
  if (error instanceof ApiError) return c.json({ error: { code: error.code, message: error.message } }, error.status);
  console.error(error);
  return c.json({ error: { code: "INTERNAL", message: "The indexer failed to answer." } }, 500);
});

/** The last indexed block (number and time), from Ponder's checkpoint table; null before the first block. */
async function head(): Promise<{ block: number; timestamp: number } | null> {
  const result = (await db.execute(sql`SELECT latest_checkpoint FROM _ponder_checkpoint`)) as unknown as {
    rows: { latest_checkpoint: string }[];
  };
  const checkpoint = result.rows[0]?.latest_checkpoint;
  if (!checkpoint) return null;
  // Ponder's checkpoint layout: timestamp (10 digits), chain id (16), block number (16), then event position.
  return { timestamp: Number(checkpoint.slice(0, 10)), block: Number(checkpoint.slice(26, 42)) };
}

async function requireHead(): Promise<{ block: number; timestamp: number }> {
  const h = await head();
  if (!h) throw new ApiError(404, "NOT_INDEXED", "The indexer has not indexed any block yet.");
  return h;
}

function addressParam(c: Context, name: string): Address {
  const value = c.req.param(name) ?? "";
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new ApiError(400, "BAD_ADDRESS", `${name} must be a 0x address`);
  return getAddress(value);
}

function bytes32Param(c: Context, name: string): Hex {
  const value = c.req.param(name) ?? "";
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new ApiError(400, "BAD_ID", `${name} must be 32 bytes of 0x hex`);
  return value.toLowerCase() as Hex;
}

function intQuery(c: Context, name: string, min: number, max: number): number | undefined {
  const value = c.req.query(name);
  if (value === undefined) return undefined;
  const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ApiError(400, "BAD_QUERY", `${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** Page size and cursor (`after=<block>:<logIndex>`) of a list in chain order. */
function page(c: Context): { limit: number; after: { block: number; logIndex: number } | undefined } {
  const limit = intQuery(c, "limit", 1, MAX_PAGE) ?? DEFAULT_PAGE;
  const cursor = c.req.query("after");
  if (cursor === undefined) return { limit, after: undefined };
  const match = /^(\d{1,16}):(\d{1,9})$/.exec(cursor);
  if (!match) throw new ApiError(400, "BAD_QUERY", "after must be <block>:<logIndex>");
  return { limit, after: { block: Number(match[1]), logIndex: Number(match[2]) } };
}

const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;

/** Rows after a cursor, in (block, logIndex) order. */
function afterCursor(table: { block: never; logIndex: never }, after: { block: number; logIndex: number } | undefined) {
  if (!after) return undefined;
  const t = table as unknown as typeof record;
  return or(gt(t.block, after.block), and(eq(t.block, after.block), gt(t.logIndex, after.logIndex)));
}

/** One page of `rows` (fetched with limit + 1) and the cursor of the next one. */
function paged<T extends { block: number; logIndex: number }>(rows: T[], limit: number) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next: rows.length > limit && last ? `${last.block}:${last.logIndex}` : null };
}

app.get("/v1/info", async (c) => {
  return c.json({
    chainId: settings.chainId,
    contracts: {
      directory: settings.directory,
      consentRegistry: settings.consentRegistry,
      recordRegistry: settings.recordRegistry,
    },
    startBlock: settings.startBlock,
    head: await head(),
  });
});

app.get("/v1/patients/:patient/grants", async (c) => {
  const p = addressParam(c, "patient");
  const h = await requireHead();
  const now = intQuery(c, "at", 0, Number.MAX_SAFE_INTEGER) ?? h.timestamp;
  const events = await db
    .select()
    .from(consentEvent)
    .where(eq(consentEvent.patient, p))
    .orderBy(asc(consentEvent.block), asc(consentEvent.logIndex));
  const last = new Map<string, string>();
  for (const e of events) last.set(e.grantee, e.id);
  const items = events
    .filter((e) => e.kind === "granted")
    .map((e) => ({
      patient: e.patient,
      grantee: e.grantee,
      actor: e.actor,
      readMask: String(e.readMask),
      writeMask: String(e.writeMask),
      purposes: e.purposes,
      grantedAt: e.time,
      expiresAt: String(e.expiresAt),
      current: last.get(e.grantee) === e.id,
      active: last.get(e.grantee) === e.id && BigInt(now) < (e.expiresAt ?? 0n),
      block: e.block,
      logIndex: e.logIndex,
      tx: e.tx,
    }));
  return c.json({ head: h, at: now, items });
});

app.get("/v1/patients/:patient/readers", async (c) => {
  const p = addressParam(c, "patient");
  const mask = c.req.query("categories");
  if (mask === undefined || !/^\d{1,20}$/.test(mask) || BigInt(mask) === 0n || BigInt(mask) >= 1n << 64n) {
    throw new ApiError(400, "BAD_QUERY", "categories is required: a non-zero 64-bit category mask (decimal)");
  }
  const categories = BigInt(mask);
  const h = await requireHead();
  const now = BigInt(intQuery(c, "at", 0, Number.MAX_SAFE_INTEGER) ?? h.timestamp);
  const [self] = await db.select().from(patient).where(eq(patient.address, p));
  const grants = await db.select().from(consentGrant).where(eq(consentGrant.patient, p));
  const glass = await db.select().from(breakGlassState).where(eq(breakGlassState.patient, p));
  const [policy] = await db.select().from(emergencyPolicy).where(eq(emergencyPolicy.patient, p));
  const emergency = policy ? policy.categories : IPS_CATEGORIES;
  const glassOf = new Map(glass.map((g) => [g.provider, g.expiresAt]));
  const grantees = grants.map((g) => g.grantee);
  const asPatient = new Map<string, Hex>();
  const asProvider = new Map<string, { key: Hex; suspended: boolean }>();
  if (grantees.length > 0) {
    for (const row of await db.select().from(patient).where(inArray(patient.address, grantees))) {
      asPatient.set(row.address, row.encryptionKey);
    }
    for (const row of await db.select().from(provider).where(inArray(provider.address, grantees))) {
      asProvider.set(row.address, { key: row.encryptionKey, suspended: row.suspended });
    }
  }
  const items: { account: Address; key: Hex; role: "patient" | "grantee" }[] = [];
  if (self) items.push({ account: p, key: self.encryptionKey, role: "patient" });
  for (const g of grants) {
    const suspended = asProvider.get(g.grantee)?.suspended ?? false;
    if (!mayReadAll(categories, now, g, glassOf.get(g.grantee) ?? 0n, emergency, suspended)) continue;
    // The Directory's encryptionKeyOf: the patient key first, else the provider key.
    const key = asPatient.get(g.grantee) ?? asProvider.get(g.grantee)?.key;
    if (key && BigInt(key) !== 0n) items.push({ account: g.grantee, key, role: "grantee" });
  }
  return c.json({ head: h, at: Number(now), items });
});

app.get("/v1/patients/:patient/records", async (c) => {
  const p = addressParam(c, "patient");
  const { limit, after } = page(c);
  const h = await requireHead();
  const rows = await db
    .select()
    .from(record)
    .where(and(eq(record.patient, p), afterCursor(record as never, after)))
    .orderBy(asc(record.block), asc(record.logIndex))
    .limit(limit + 1);
  const { items, next } = paged(rows, limit);
  return c.json({ head: h, items: items.map(anchorJson), next });
});

app.get("/v1/patients/:patient/batches", async (c) => {
  const p = addressParam(c, "patient");
  const { limit, after } = page(c);
  const h = await requireHead();
  const rows = await db
    .select()
    .from(batch)
    .where(and(eq(batch.patient, p), afterCursor(batch as never, after)))
    .orderBy(asc(batch.block), asc(batch.logIndex))
    .limit(limit + 1);
  const { items, next } = paged(rows, limit);
  const entries = await entriesOf(items.filter((b) => b.entriesIndexed).map((b) => b.batchId));
  return c.json({ head: h, items: items.map((b) => batchJson(b, entries)), next });
});

/** The indexed entries of these batches, in manifest order, by batch id. */
async function entriesOf(batchIds: Hex[]): Promise<Map<string, (typeof batchEntry.$inferSelect)[]>> {
  const byBatch = new Map<string, (typeof batchEntry.$inferSelect)[]>();
  if (batchIds.length === 0) return byBatch;
  const rows = await db
    .select()
    .from(batchEntry)
    .where(inArray(batchEntry.batchId, batchIds))
    .orderBy(asc(batchEntry.batchId), asc(batchEntry.position));
  for (const row of rows) {
    const list = byBatch.get(row.batchId) ?? [];
    list.push(row);
    byBatch.set(row.batchId, list);
  }
  return byBatch;
}

app.get("/v1/patients/:patient/audit", async (c) => {
  const p = addressParam(c, "patient");
  const { limit, after } = page(c);
  const fromBlock = intQuery(c, "fromBlock", 0, Number.MAX_SAFE_INTEGER);
  const toBlock = intQuery(c, "toBlock", 0, Number.MAX_SAFE_INTEGER);
  const h = await requireHead();
  const rows = await db
    .select()
    .from(auditEvent)
    .where(
      and(
        eq(auditEvent.patient, p),
        fromBlock === undefined ? undefined : gte(auditEvent.block, fromBlock),
        toBlock === undefined ? undefined : lte(auditEvent.block, toBlock),
        afterCursor(auditEvent as never, after),
      ),
    )
    .orderBy(asc(auditEvent.block), asc(auditEvent.logIndex))
    .limit(limit + 1);
  const { items, next } = paged(rows, limit);
  return c.json({
    head: h,
    items: items.map((e) => ({
      kind: e.kind,
      patient: e.patient,
      actor: e.actor,
      counterpart: e.counterpart,
      recordId: e.recordId,
      purpose: e.purpose,
      time: e.time,
      block: e.block,
      logIndex: e.logIndex,
      tx: e.tx,
      contract: e.contract,
    })),
    next,
  });
});

app.get("/v1/records/:recordId", async (c) => {
  const id = bytes32Param(c, "recordId");
  const h = await requireHead();
  const [row] = await db.select().from(record).where(eq(record.recordId, id));
  if (!row) throw new ApiError(404, "RECORD_NOT_INDEXED", `no anchored version ${id} is indexed`);
  return c.json({ head: h, item: anchorJson(row) });
});

app.get("/v1/records/:recordId/history", async (c) => {
  const id = bytes32Param(c, "recordId");
  const h = await requireHead();
  const [row] = await db.select().from(record).where(eq(record.recordId, id));
  if (!row) throw new ApiError(404, "RECORD_NOT_INDEXED", `no anchored version ${id} is indexed`);
  const versions = await db
    .select()
    .from(record)
    .where(eq(record.firstVersion, row.firstVersion))
    .orderBy(asc(record.version), asc(record.block), asc(record.logIndex));
  return c.json({ head: h, items: versions.map(anchorJson) });
});

app.get("/v1/records/:recordId/keyrings", async (c) => {
  const id = bytes32Param(c, "recordId");
  const h = await requireHead();
  const rows = await db
    .select()
    .from(keyring)
    .where(eq(keyring.recordId, id))
    .orderBy(asc(keyring.block), asc(keyring.logIndex));
  return c.json({
    head: h,
    items: rows.map((k) => ({
      recordId: k.recordId,
      patient: k.patient,
      publisher: k.publisher,
      keyringCid: k.keyringCid,
      source: k.source,
      block: k.block,
      logIndex: k.logIndex,
      tx: k.tx,
    })),
  });
});

app.get("/v1/batches/:batchId", async (c) => {
  const batchId = bytes32Param(c, "batchId");
  const h = await requireHead();
  const [row] = await db.select().from(batch).where(eq(batch.batchId, batchId));
  if (!row) throw new ApiError(404, "BATCH_NOT_INDEXED", `no anchored batch ${batchId} is indexed`);
  return c.json({ head: h, item: batchJson(row, await entriesOf(row.entriesIndexed ? [row.batchId] : [])) });
});

function anchorJson(r: typeof record.$inferSelect) {
  return {
    recordId: r.recordId,
    patient: r.patient,
    author: r.author,
    originalAuthor: r.originalAuthor,
    categories: String(r.categories),
    version: r.version,
    previous: r.previous,
    anchoredAt: r.anchoredAt,
    amended: r.amendedBy !== null,
    amendedBy: r.amendedBy,
    erased: r.erased,
    contentCid: r.contentCid,
    keyringCid: r.keyringCid,
    block: r.block,
    logIndex: r.logIndex,
    tx: r.tx,
  };
}

/** A batch as the API answers it; `entries` null when its manifest's entries are not indexed. */
function batchJson(b: typeof batch.$inferSelect, entries: Map<string, (typeof batchEntry.$inferSelect)[]>) {
  return {
    batchId: b.batchId,
    root: b.root,
    patient: b.patient,
    author: b.author,
    categories: String(b.categories),
    count: b.count,
    manifestCid: b.manifestCid,
    entries: b.entriesIndexed
      ? (entries.get(b.batchId) ?? []).map((e) => ({
          recordId: e.recordId,
          categories: String(e.categories),
          contentCid: e.contentCid,
          keyringCid: e.keyringCid,
        }))
      : null,
    erased: b.erased,
    anchoredAt: b.anchoredAt,
    block: b.block,
    logIndex: b.logIndex,
    tx: b.tx,
  };
}

export default app;
