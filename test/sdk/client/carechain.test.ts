/**
 * The facade binding: every public method of `Carechain` calls its action with the client's context and a
 * parameter object built from its positional arguments, and returns what the action returns (table-driven; the
 * table must name every method, so a method added without an action binding fails here).
 */
import { beforeEach, describe, expect, it, vi } from "vitest";

import * as accessLog from "../../../sdk/client/actions/access-log.js";
import * as attachments from "../../../sdk/client/actions/attachments.js";
import * as audit from "../../../sdk/client/actions/audit.js";
import * as batches from "../../../sdk/client/actions/batches.js";
import * as breakGlass from "../../../sdk/client/actions/break-glass.js";
import * as consent from "../../../sdk/client/actions/consent.js";
import * as custody from "../../../sdk/client/actions/custody.js";
import * as delegates from "../../../sdk/client/actions/delegates.js";
import * as directory from "../../../sdk/client/actions/directory.js";
import * as erasure from "../../../sdk/client/actions/erasure.js";
import * as portability from "../../../sdk/client/actions/export.js";
import * as journal from "../../../sdk/client/actions/journal.js";
import * as keys from "../../../sdk/client/actions/keys.js";
import * as postQuantum from "../../../sdk/client/actions/post-quantum.js";
import * as recordsRead from "../../../sdk/client/actions/records-read.js";
import * as recordsWrite from "../../../sdk/client/actions/records-write.js";
import * as signedConsent from "../../../sdk/client/actions/signed-consent.js";
import { Carechain } from "../../../sdk/client/carechain.js";
import { FakeChain, fakeAccount } from "./actions/_fake-context.js";

vi.mock("../../../sdk/client/actions/access-log.js");
vi.mock("../../../sdk/client/actions/attachments.js");
vi.mock("../../../sdk/client/actions/audit.js");
vi.mock("../../../sdk/client/actions/batches.js");
vi.mock("../../../sdk/client/actions/break-glass.js");
vi.mock("../../../sdk/client/actions/consent.js");
vi.mock("../../../sdk/client/actions/custody.js");
vi.mock("../../../sdk/client/actions/delegates.js");
vi.mock("../../../sdk/client/actions/directory.js");
vi.mock("../../../sdk/client/actions/erasure.js");
vi.mock("../../../sdk/client/actions/export.js");
vi.mock("../../../sdk/client/actions/journal.js");
vi.mock("../../../sdk/client/actions/keys.js");
vi.mock("../../../sdk/client/actions/post-quantum.js");
vi.mock("../../../sdk/client/actions/records-read.js");
vi.mock("../../../sdk/client/actions/records-write.js");
vi.mock("../../../sdk/client/actions/signed-consent.js");

const A = "0x00000000000000000000000000000000000000a1";
const B = "0x00000000000000000000000000000000000000b2";
const ID = `0x${"11".repeat(32)}`;
const BATCH = `0x${"22".repeat(32)}`;
const KEY = new Uint8Array(32).fill(9);
const TERMS = { read: ["Laboratory"], expiresAt: 1 } as const;
const SIGNED = { request: {}, signature: "0x", keyrings: { recordIds: [], keyringCids: [] } } as never;
const LIMITS = { maxPerProvider: 1, maxPerPatient: 1, windowSeconds: 60, cooldownSeconds: 60 };
const IDENTITY = { publicKey: KEY, secretKey: KEY };
const RESOURCE = { resourceType: "Patient" };
const ATTACHMENT = { url: "ipfs://x" };
const SIGNAL = new AbortController().signal;
const READS = [{ recordId: ID, purpose: "TREAT" as const }];
const SET = { threshold: 2, nodes: [] };

type Row = [method: string, action: ReturnType<typeof vi.fn>, args: unknown[], params: unknown];
const m = (f: unknown) => f as ReturnType<typeof vi.fn>;

/** Each method, its action, the arguments it is called with, and the parameters the action must receive. */
const TABLE: Row[] = [
  ["indexUsage", m(audit.getIndexUsage), [], undefined],
  ["address", m(directory.getAccountAddress), [], undefined],
  ["registerPatient", m(directory.registerPatient), [], undefined],
  ["signPatientRegistration", m(directory.signPatientRegistration), [{ deadline: 5 }], { deadline: 5 }],
  ["relayPatientRegistration", m(directory.relayPatientRegistration), [SIGNED], { signed: SIGNED }],
  ["registerProvider", m(directory.registerProvider), [A, "lab", KEY], { account: A, kind: "lab", publicKey: KEY }],
  ["suspendProvider", m(directory.suspendProvider), [A], { account: A }],
  ["reinstateProvider", m(directory.reinstateProvider), [A], { account: A }],
  ["grant", m(consent.grantConsent), [A, TERMS, { patient: B }], { grantee: A, terms: TERMS, patient: B }],
  ["revoke", m(consent.revokeConsent), [A, { patient: B }], { grantee: A, patient: B }],
  [
    "signGrant",
    m(signedConsent.signGrant),
    [A, TERMS, { deadline: 5, nonce: 2n }],
    { grantee: A, terms: TERMS, deadline: 5, nonce: 2n },
  ],
  ["relayGrant", m(signedConsent.relayGrant), [SIGNED], { signed: SIGNED }],
  ["signRevoke", m(signedConsent.signRevoke), [A, { patient: B }], { grantee: A, patient: B }],
  ["relayRevoke", m(signedConsent.relayRevoke), [SIGNED], { signed: SIGNED }],
  ["cancelNonce", m(consent.cancelNonce), [7n], { nonce: 7n }],
  ["shareRecords", m(consent.shareRecords), [A], { grantee: A }],
  ["listGrants", m(audit.listGrants), [A], { patient: A }],
  ["auditTrail", m(audit.auditTrail), [A, { fromBlock: 3, toBlock: 4 }], { patient: A, fromBlock: 3, toBlock: 4 }],
  [
    "watch",
    m(audit.watchAuditTrail),
    [A, { intervalMs: 5, signal: SIGNAL }],
    { patient: A, intervalMs: 5, signal: SIGNAL },
  ],
  [
    "canAccess",
    m(audit.canAccess),
    [A, B, "Laboratory", "read", "ETREAT"],
    { patient: A, grantee: B, category: "Laboratory", action: "read", purpose: "ETREAT" },
  ],
  ["addDelegate", m(delegates.addDelegate), [A, "proxy", { patient: B }], { delegate: A, kind: "proxy", patient: B }],
  ["removeDelegate", m(delegates.removeDelegate), [A], { delegate: A }],
  ["confirmDelegate", m(delegates.confirmDelegate), [A], { delegate: A }],
  ["listDelegates", m(delegates.listDelegates), [B], { patient: B }],
  ["setEmergencyCategories", m(breakGlass.setEmergencyCategories), [["Allergy"]], { categories: ["Allergy"] }],
  ["setEmergencyCustodian", m(breakGlass.setEmergencyCustodian), [A], { custodian: A }],
  ["setBreakGlassLimits", m(breakGlass.setBreakGlassLimits), [LIMITS], LIMITS],
  ["breakGlassLimits", m(breakGlass.getBreakGlassLimits), [], undefined],
  [
    "openBreakGlass",
    m(breakGlass.openBreakGlass),
    [A, { justification: "j", durationSeconds: 60 }],
    { patient: A, justification: "j", durationSeconds: 60 },
  ],
  ["closeBreakGlass", m(breakGlass.closeBreakGlass), [A, { patient: B }], { provider: A, patient: B }],
  [
    "releaseEmergencyKey",
    m(breakGlass.releaseEmergencyKey),
    [ID, A, { batch: { batchId: BATCH, proof: [] } }],
    { recordId: ID, provider: A, batch: { batchId: BATCH, proof: [] } },
  ],
  ["rotatePatientKey", m(keys.rotatePatientKey), [IDENTITY], { identity: IDENTITY }],
  ["rotateProviderKey", m(keys.rotateProviderKey), [IDENTITY, [A]], { identity: IDENTITY, patients: [A] }],
  ["publishPqKey", m(postQuantum.publishPostQuantumKey), [], undefined],
  ["placeInCustody", m(custody.placeRecordInCustody), [ID, { set: SET }], { recordId: ID, set: SET }],
  [
    "addRecord",
    m(recordsWrite.addRecord),
    [A, RESOURCE, { previous: ID, custody: "must-log" }],
    { patient: A, resource: RESOURCE, previous: ID, custody: "must-log" },
  ],
  ["amendRecord", m(recordsWrite.amendRecord), [ID, RESOURCE], { previous: ID, resource: RESOURCE }],
  [
    "addAttachment",
    m(attachments.addAttachment),
    [A, KEY, { contentType: "text/plain" }],
    { patient: A, source: KEY, options: { contentType: "text/plain" } },
  ],
  ["readAttachment", m(attachments.readAttachment), [A, ATTACHMENT], { patient: A, attachment: ATTACHMENT }],
  [
    "readAttachmentStream",
    m(attachments.readAttachmentStream),
    [A, ATTACHMENT],
    { patient: A, attachment: ATTACHMENT },
  ],
  [
    "readRecord",
    m(recordsRead.readRecord),
    [ID, { purpose: "BTG", batch: BATCH, logAccess: false }],
    { recordId: ID, purpose: "BTG", batch: BATCH, logAccess: false },
  ],
  ["logReads", m(accessLog.logReads), [READS], { reads: READS }],
  ["logBatchReads", m(accessLog.logBatchReads), [BATCH, READS], { batch: BATCH, reads: READS }],
  ["addRecords", m(batches.addRecords), [A, [RESOURCE]], { patient: A, resources: [RESOURCE] }],
  [
    "importBundle",
    m(batches.importBundle),
    [A, RESOURCE, { batchSize: 3 }],
    { patient: A, bundle: RESOURCE, batchSize: 3 },
  ],
  ["proveBatchRecord", m(batches.proveBatchRecord), [BATCH, ID], { batchId: BATCH, recordId: ID }],
  ["history", m(recordsRead.getRecordHistory), [ID], { recordId: ID }],
  ["verifyRecord", m(recordsRead.verifyRecord), [ID], { recordId: ID }],
  ["getRecord", m(recordsRead.getRecord), [ID], { recordId: ID }],
  ["listRecords", m(recordsRead.listRecords), [A, 7], { patient: A, pageSize: 7 }],
  ["erase", m(erasure.erase), [{ recordId: ID }], { recordId: ID }],
  ["exportBundle", m(portability.exportBundle), [{ patient: A }], { patient: A }],
  ["resume", m(journal.resumeWrites), [], undefined],
  ["pendingWrites", m(journal.pendingWrites), [], undefined],
];

/** Key rotations return a client on the action's new context instead of the context itself. */
const ROTATIONS = new Set(["rotatePatientKey", "rotateProviderKey"]);

describe("Carechain facade", () => {
  const chain = new FakeChain();
  const { ctx } = fakeAccount(chain);
  const client = new Carechain(ctx);

  beforeEach(() => vi.clearAllMocks());

  it("has a row for every public method, and no row for a method it lacks", () => {
    const methods = Object.getOwnPropertyNames(Carechain.prototype).filter(
      (name) =>
        name !== "constructor" &&
        typeof Object.getOwnPropertyDescriptor(Carechain.prototype, name)?.value === "function",
    );
    expect(methods.sort()).toEqual(TABLE.map(([method]) => method).sort());
  });

  it("exposes the context's contracts, identity and store", () => {
    expect(client.context).toBe(ctx);
    expect(client.contracts).toBe(ctx.contracts);
    expect(client.identity).toBe(ctx.identity);
    expect(client.store).toBe(ctx.store);
  });

  it.each(TABLE)("%s delegates to its action", async (method, action, args, params) => {
    const sentinel = ROTATIONS.has(method)
      ? { context: fakeAccount(chain).ctx, tx: { hash: "0x1" } }
      : { sentinel: method };
    action.mockReturnValue(ROTATIONS.has(method) ? Promise.resolve(sentinel) : sentinel);
    const result = await (client as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);
    expect(action).toHaveBeenCalledTimes(1);
    expect(action).toHaveBeenCalledWith(...(params === undefined ? [ctx] : [ctx, params]));
    if (ROTATIONS.has(method)) {
      const rotation = result as { client: Carechain; tx: unknown; context?: unknown };
      expect(rotation.client).toBeInstanceOf(Carechain);
      expect(rotation.client.context).toBe((sentinel as { context: unknown }).context);
      expect(rotation.tx).toEqual({ hash: "0x1" });
      expect(rotation.context).toBeUndefined();
    } else {
      expect(result).toBe(sentinel);
    }
  });
});
