/**
 * Indexing functions of the Directory: patients, providers, their keys, suspension, directory settings.
 */
import { ponder } from "ponder:registry";
import { directorySetting, encryptionKey, patient, provider } from "ponder:schema";

import { position } from "../lib/audit";

ponder.on("Directory:PatientRegistered", async ({ event, context }) => {
  const at = position(event);
  await context.db.insert(patient).values({
    address: event.args.patient,
    encryptionKey: event.args.encryptionKey,
    registeredAt: at.time,
    registeredBlock: at.block,
  });
  await context.db
    .insert(encryptionKey)
    .values({ id: event.id, account: event.args.patient, role: "patient", key: event.args.encryptionKey, ...at });
});

ponder.on("Directory:PatientKeyRotated", async ({ event, context }) => {
  const at = position(event);
  await context.db
    .update(patient, { address: event.args.patient })
    .set({ encryptionKey: event.args.encryptionKey, keyRotatedAt: at.time });
  await context.db.insert(encryptionKey).values({
    id: event.id,
    account: event.args.patient,
    role: "patient",
    key: event.args.encryptionKey,
    previousKey: event.args.previousKey,
    ...at,
  });
});

ponder.on("Directory:ProviderRegistered", async ({ event, context }) => {
  const at = position(event);
  await context.db.insert(provider).values({
    address: event.args.provider,
    kind: event.args.kind,
    encryptionKey: event.args.encryptionKey,
    suspended: false,
    registrar: event.args.registrar,
    registeredAt: at.time,
    registeredBlock: at.block,
  });
  await context.db
    .insert(encryptionKey)
    .values({ id: event.id, account: event.args.provider, role: "provider", key: event.args.encryptionKey, ...at });
});

ponder.on("Directory:ProviderKeyRotated", async ({ event, context }) => {
  await context.db.update(provider, { address: event.args.provider }).set({ encryptionKey: event.args.encryptionKey });
  await context.db.insert(encryptionKey).values({
    id: event.id,
    account: event.args.provider,
    role: "provider",
    key: event.args.encryptionKey,
    previousKey: event.args.previousKey,
    ...position(event),
  });
});

ponder.on("Directory:ProviderSuspended", async ({ event, context }) => {
  await context.db.update(provider, { address: event.args.provider }).set({ suspended: true });
});

ponder.on("Directory:ProviderReinstated", async ({ event, context }) => {
  await context.db.update(provider, { address: event.args.provider }).set({ suspended: false });
});

ponder.on("Directory:EmergencyCustodianSet", async ({ event, context }) => {
  const row = { name: "emergencyCustodian", value: event.args.custodian, block: Number(event.block.number) };
  await context.db.insert(directorySetting).values(row).onConflictDoUpdate({ value: row.value, block: row.block });
});

ponder.on("Directory:BreakGlassMaxDurationSet", async ({ event, context }) => {
  const row = {
    name: "breakGlassMaxDuration",
    value: String(event.args.maxDuration),
    block: Number(event.block.number),
  };
  await context.db.insert(directorySetting).values(row).onConflictDoUpdate({ value: row.value, block: row.block });
});

ponder.on("Directory:BreakGlassLimitsSet", async ({ event, context }) => {
  const { maxPerProvider, maxPerPatient, window, cooldown } = event.args;
  const value = JSON.stringify({ maxPerProvider, maxPerPatient, window: String(window), cooldown: String(cooldown) });
  const row = { name: "breakGlassLimits", value, block: Number(event.block.number) };
  await context.db.insert(directorySetting).values(row).onConflictDoUpdate({ value: row.value, block: row.block });
});
