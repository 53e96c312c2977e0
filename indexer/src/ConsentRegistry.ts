/**
 * Indexing functions of the ConsentRegistry: grants (current terms and history), delegates, emergency categories,
 * break-glass episodes, and their audit-trail rows.
 */
import { ponder } from "ponder:registry";
import {
  auditEvent,
  breakGlass,
  breakGlassState,
  cancelledNonce,
  consentEvent,
  consentGrant,
  delegate,
  emergencyPolicy,
} from "ponder:schema";

import { auditRow, position } from "../lib/audit";

ponder.on("ConsentRegistry:ConsentGranted", async ({ event, context }) => {
  const { patient: p, grantee, actor, terms } = event.args;
  const at = position(event);
  const current = {
    readMask: terms.readMask,
    writeMask: terms.writeMask,
    purposes: terms.purposes,
    expiresAt: terms.expiresAt,
    actor,
    revoked: false,
    block: at.block,
    logIndex: at.logIndex,
  };
  await context.db
    .insert(consentGrant)
    .values({ patient: p, grantee, ...current })
    .onConflictDoUpdate(current);
  await context.db.insert(consentEvent).values({
    id: event.id,
    patient: p,
    grantee,
    actor,
    kind: "granted",
    readMask: terms.readMask,
    writeMask: terms.writeMask,
    purposes: terms.purposes,
    expiresAt: terms.expiresAt,
    ...at,
  });
  await context.db.insert(auditEvent).values(auditRow(event, "ConsentGranted", p, actor, { counterpart: grantee }));
});

ponder.on("ConsentRegistry:ConsentRevoked", async ({ event, context }) => {
  const { patient: p, grantee, actor } = event.args;
  const at = position(event);
  // The contract deletes the terms: the grantee holds nothing until a new grant.
  await context.db.update(consentGrant, { patient: p, grantee }).set({
    readMask: 0n,
    writeMask: 0n,
    purposes: 0,
    expiresAt: 0n,
    actor,
    revoked: true,
    block: at.block,
    logIndex: at.logIndex,
  });
  await context.db.insert(consentEvent).values({ id: event.id, patient: p, grantee, actor, kind: "revoked", ...at });
  await context.db.insert(auditEvent).values(auditRow(event, "ConsentRevoked", p, actor, { counterpart: grantee }));
});

ponder.on("ConsentRegistry:DelegateAdded", async ({ event, context }) => {
  const { patient: p, delegate: d, actor, kind } = event.args;
  const row = {
    kind,
    actor,
    confirmed: actor === p,
    active: true,
    addedAt: Number(event.block.timestamp),
    removedAt: null,
    removedBy: null,
  };
  await context.db
    .insert(delegate)
    .values({ patient: p, delegate: d, ...row })
    .onConflictDoUpdate(row);
  await context.db.insert(auditEvent).values(auditRow(event, "DelegateAdded", p, actor, { counterpart: d }));
});

ponder.on("ConsentRegistry:DelegateRemoved", async ({ event, context }) => {
  const { patient: p, delegate: d, actor } = event.args;
  await context.db
    .update(delegate, { patient: p, delegate: d })
    .set({ active: false, removedAt: Number(event.block.timestamp), removedBy: actor });
  await context.db.insert(auditEvent).values(auditRow(event, "DelegateRemoved", p, actor, { counterpart: d }));
});

ponder.on("ConsentRegistry:DelegateConfirmed", async ({ event, context }) => {
  await context.db
    .update(delegate, { patient: event.args.patient, delegate: event.args.delegate })
    .set({ confirmed: true });
});

ponder.on("ConsentRegistry:NonceCancelled", async ({ event, context }) => {
  const { signer, nonce } = event.args;
  await context.db
    .insert(cancelledNonce)
    .values({ id: event.id, signer, nonce, block: Number(event.block.number), tx: event.transaction.hash });
});

ponder.on("ConsentRegistry:EmergencyCategoriesSet", async ({ event, context }) => {
  const { patient: p, actor, categories } = event.args;
  const policy = { categories, actor, block: Number(event.block.number) };
  await context.db
    .insert(emergencyPolicy)
    .values({ patient: p, ...policy })
    .onConflictDoUpdate(policy);
  await context.db.insert(auditEvent).values(auditRow(event, "EmergencyCategoriesSet", p, actor));
});

ponder.on("ConsentRegistry:BreakGlassOpened", async ({ event, context }) => {
  const { patient: p, provider, justificationHash, expiresAt } = event.args;
  const at = position(event);
  await context.db.insert(breakGlass).values({
    id: event.id,
    patient: p,
    provider,
    justificationHash,
    openedAt: at.time,
    expiresAt,
    block: at.block,
    tx: at.tx,
  });
  const state = { episode: event.id, expiresAt };
  await context.db
    .insert(breakGlassState)
    .values({ patient: p, provider, ...state })
    .onConflictDoUpdate(state);
  await context.db.insert(auditEvent).values(auditRow(event, "BreakGlassOpened", p, provider));
});

ponder.on("ConsentRegistry:BreakGlassClosed", async ({ event, context }) => {
  const { patient: p, provider, actor } = event.args;
  const state = await context.db.find(breakGlassState, { patient: p, provider });
  if (state) {
    await context.db
      .update(breakGlass, { id: state.episode })
      .set({ closedAt: Number(event.block.timestamp), closedBy: actor });
    await context.db.update(breakGlassState, { patient: p, provider }).set({ expiresAt: 0n });
  }
  await context.db.insert(auditEvent).values(auditRow(event, "BreakGlassClosed", p, actor, { counterpart: provider }));
});
