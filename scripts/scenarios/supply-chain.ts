/**
 * The supply-chain scenario (issue 16): a manufacturer commissions 100,000 serialised units in four lots (one
 * transaction per lot), ships them to a wholesaler, which ships to five pharmacies; pharmacies verify what they
 * receive and what comes back as saleable returns, and dispense to patients (one dispensing written into a
 * patient's record as a FHIR MedicationDispense). The run plants a counterfeit, a diverted unit, a double
 * dispense, a lot recall and an expired unit: each is caught, alerted to the partners concerned and refused on
 * chain. Report sections: events, verification, suspect products, gas, privacy.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import type { Signer } from "ethers";

import { NotARecipientError } from "../../sdk/index.js";
import {
  checkVerificationProof,
  commission,
  createEpcisSchemaValidator,
  deploySupplyChain,
  dispense,
  openDocument,
  packingDocument,
  parseProductIdentifier,
  PartnerRole,
  recall,
  receivingDocument,
  recordEvent,
  reportSuspect,
  sealDocument,
  SupplyChainLedger,
  SupplyChainRevertError,
  toDigitalLink,
  toElementString,
  transfer,
  verifyProduct,
  type CommissionedLot,
  type EpcisDocument,
  type ProductIdentifier,
  type SealedDocument,
  type UnitPassport,
  type VerificationReason,
  type VerificationResult,
} from "../../sdk/supplychain.js";
import type { Pilot } from "../pilot/runner.js";
import { defineScenario, type Scenario } from "../pilot/scenario.js";
import { buildLot, credentialPartner, GTIN, ssccOf, Tally, type Partner } from "./supply-chain-parties.js";
import { supplyChainSections } from "./supply-chain-report.js";

/** How big a run is. */
export interface SupplyChainScale {
  readonly lots: number;
  readonly unitsPerLot: number;
  readonly pharmacies: number;
  readonly unitsPerPharmacy: number;
  readonly dispensesPerPharmacy: number;
}

/** 100,000 units in four lots, five pharmacies. */
export const FULL_SCALE: SupplyChainScale = {
  lots: 4,
  unitsPerLot: 25_000,
  pharmacies: 5,
  unitsPerPharmacy: 200,
  dispensesPerPharmacy: 20,
};

const SCHEMA = join(
  import.meta.dirname,
  "..",
  "..",
  "..",
  "shared",
  "data",
  "epcis",
  "schema",
  "EPCIS-JSON-Schema.json",
);
const DAY = 86_400_000;

/** A unit at a holder: its identifier and passport. */
interface Held {
  readonly id: ProductIdentifier;
  readonly passport: UnitPassport;
}

/** The scenario at a given scale (the default export runs {@link FULL_SCALE}). */
export function supplyChainScenario(scale: SupplyChainScale = FULL_SCALE): Scenario {
  return defineScenario({
    name: "supply-chain",
    description:
      `Drug supply chain: ${(scale.lots * scale.unitsPerLot).toLocaleString("en-US")} serialised units in ${scale.lots} lots, ` +
      `a wholesaler and ${scale.pharmacies} pharmacies; EPCIS events by Event Hash ID, commitments only on chain, ` +
      "verification with offline-checkable proofs; a counterfeit, a diversion, a double dispense, a recall and an expired unit caught.",
    run: (pilot) => runSupplyChain(pilot, scale),
  });
}

export default supplyChainScenario();

async function runSupplyChain(pilot: Pilot, scale: SupplyChainScale): Promise<void> {
  if (scale.lots < 4 || scale.pharmacies < 5)
    throw new RangeError("the supply-chain scenario needs 4 lots and 5 pharmacies");
  const tally = new Tally();
  const validate = existsSync(SCHEMA)
    ? createEpcisSchemaValidator(JSON.parse(readFileSync(SCHEMA, "utf8")))
    : undefined;
  const checkSchema = (doc: EpcisDocument) => {
    if (!validate) return;
    const result = validate(doc);
    if (!result.valid) throw new Error(`EPCIS document invalid: ${JSON.stringify(result.reason)}`);
    tally.schemaChecked++;
  };
  const registrarActor = await pilot.registrar();
  const addresses = await pilot.step("deploy TradingPartners and ProductLedger", registrarActor.name, () =>
    deploySupplyChain(registrarActor.client.contracts.directory.runner as Signer, pilot.options.deployment.directory),
  );
  const registrar = new SupplyChainLedger(addresses, registrarActor.client.contracts.directory.runner as Signer);
  const partner = (name: string, role: PartnerRole, n: number) =>
    credentialPartner(pilot, addresses, registrar, name, role, n);
  const maker = await partner("Northwind Pharmaceuticals", PartnerRole.Manufacturer, 1);
  const wholesaler = await partner("Contoso Drug Distribution", PartnerRole.Wholesaler, 2);
  const rogue = await partner("Quickmeds Trading", PartnerRole.Wholesaler, 3);
  const pharmacies: Partner[] = [];
  for (let i = 0; i < scale.pharmacies; i++)
    pharmacies.push(await partner(`Pharmacy ${i + 1} (Main Street)`, PartnerRole.Dispenser, 10 + i));
  const keys = (...ps: Partner[]) => ps.map((p) => p.identity.publicKey);

  // Lots: the last one expires early (31 Jan 2027) — the expired-unit plant.
  const lots: CommissionedLot[] = [];
  for (let i = 0; i < scale.lots; i++) {
    const expiry = i === scale.lots - 1 ? "270131" : "281231";
    const lot = await pilot.step(
      `build lot ${i + 1}: ${scale.unitsPerLot.toLocaleString("en-US")} salted commitments and their Merkle tree`,
      maker.name,
      async () => buildLot(i, scale.unitsPerLot, expiry),
    );
    pilot.input({
      gtin: GTIN,
      lot: lot.plan.lot,
      expiry: lot.plan.expiry,
      serials: lot.plan.serials,
      quantity: lot.size,
    });
    lots.push(lot);
    const done = await pilot.step(`commission lot ${i + 1} (one transaction)`, maker.name, () =>
      commission(maker, lot, { readers: keys(maker) }),
    );
    checkSchema(done.document);
    tally.event("commissioning", lot.size);
    tally.spend("commission", done.anchored.gasUsed, lot.size);
  }
  pilot.input({ totalUnits: scale.lots * scale.unitsPerLot });

  // Manufacturer → wholesaler, a lot per shipment; the lot secrets go to the wholesaler sealed.
  const atWholesaler = new Map<string, Held>();
  const handOns: ((serial: string) => Held)[] = [];
  for (const [i, lot] of lots.entries()) {
    const shipment = await pilot.step(`ship lot ${i + 1} to the wholesaler`, maker.name, () =>
      transfer(maker, wholesaler, lot, { readers: keys(maker, wholesaler) }),
    );
    checkSchema(shipment.document);
    tally.event("shipping", lot.size);
    tally.spend("ship (manufacturer → wholesaler)", shipment.anchored.gasUsed, lot.size);
    handOns.push((serial) => ({
      id: lot.identifier(serial),
      passport: shipment.handOn(lot.passport(serial), lot.commitment(serial)),
    }));
  }
  const secrets = await pilot.step("seal the lot secrets for the wholesaler", maker.name, () =>
    sealDocument(
      maker.store,
      "passports",
      lots.map((l) => ({ lot: l.plan.lot, secret: Buffer.from(l.plan.secret).toString("hex") })),
      keys(maker, wholesaler),
    ),
  );
  await pilot.step("open the lot secrets", wholesaler.name, () =>
    openDocument(wholesaler.store, "passports", secrets, wholesaler.identity),
  );
  await pilot.refused("open the lot secrets (not shared with it)", rogue.name, NotARecipientError, () =>
    openDocument(rogue.store, "passports", secrets, rogue.identity),
  );

  // Wholesaler → pharmacies: pharmacy p gets units of lot p mod lots; passports sealed for it.
  const stock: Held[][] = [];
  const next = new Array<number>(scale.lots).fill(0);
  const take = (lotIndex: number, count: number): Held[] => {
    const lot = lots[lotIndex]!;
    const serials = lot.plan.serials.slice(next[lotIndex], next[lotIndex]! + count);
    next[lotIndex]! += count;
    return serials.map((s) => handOns[lotIndex]!(s));
  };
  for (const [p, pharmacy] of pharmacies.entries()) {
    const units = take(p % scale.lots, scale.unitsPerPharmacy);
    const moving = units.map((u) => ({ identifier: u.id, commitment: commitmentOf(lots, u) }));
    const links = units.map((u) => toDigitalLink(u.id));
    const packed = await pilot.step(`pack ${units.length} units into case ${ssccOf(p + 1)}`, wholesaler.name, () =>
      recordEvent(
        wholesaler,
        packingDocument(ssccOf(p + 1), links, { time: new Date(), siteGln: wholesaler.gln }),
        keys(wholesaler, pharmacy),
      ),
    );
    checkSchema(packed.document);
    tally.event("packing", units.length);
    const shipment = await pilot.step(`ship ${units.length} units to ${pharmacy.name}`, wholesaler.name, () =>
      transfer(wholesaler, pharmacy, moving, { readers: keys(wholesaler, pharmacy) }),
    );
    checkSchema(shipment.document);
    tally.event("shipping", units.length);
    tally.spend("ship (wholesaler → pharmacy)", shipment.anchored.gasUsed, units.length);
    const handed = units.map((u, i) => ({ id: u.id, passport: shipment.handOn(u.passport, moving[i]!.commitment) }));
    const sealed = await pilot.step(`seal the units' passports for ${pharmacy.name}`, wholesaler.name, () =>
      sealDocument(
        wholesaler.store,
        "passports",
        handed.map((h) => ({ unit: toElementString(h.id), passport: h.passport })),
        keys(wholesaler, pharmacy),
      ),
    );
    const opened = (await pilot.step("open the passports", pharmacy.name, () =>
      openDocument(pharmacy.store, "passports", sealed, pharmacy.identity),
    )) as {
      unit: string;
      passport: UnitPassport;
    }[];
    stock.push(opened.map((o) => ({ id: parseProductIdentifier(o.unit), passport: o.passport })));
    const received = await pilot.step(`record receiving of ${units.length} units`, pharmacy.name, () =>
      recordEvent(
        pharmacy,
        receivingDocument(links, wholesaler.gln, pharmacy.gln, { time: new Date(), siteGln: pharmacy.gln }),
        keys(wholesaler, pharmacy),
      ),
    );
    checkSchema(received.document);
    tally.event("receiving", units.length);
    pilot.input({ shipped: units.map((u) => toElementString(u.id)) });
  }
  // Units still at the wholesaler, one per lot (for the diversion plant).
  for (let l = 0; l < scale.lots; l++) for (const h of take(l, 1)) atWholesaler.set(`lot${l}`, h);

  // Every pharmacy verifies what it received; proofs are re-checked offline to measure the rate.
  const proofs: { scanned: string; result: VerificationResult; seller: string }[] = [];
  const verify = async (by: Partner, held: Held | undefined, scanned: string, seller: string) =>
    verifyProduct(by.ledger.reader(), scanned, held?.passport, { seller, now: Date.UTC(2026, 11, 2) });
  for (const [p, pharmacy] of pharmacies.entries()) {
    await pilot.step(`verify ${stock[p]!.length} received units`, pharmacy.name, async () => {
      for (const held of stock[p]!) {
        const scanned = toElementString(held.id);
        const result = await verify(pharmacy, held, scanned, pharmacy.address);
        tally.verified++;
        if (!result.ok) throw new Error(`unit ${scanned} failed verification: ${result.reason}`);
        tally.genuine++;
        proofs.push({ scanned, result, seller: pharmacy.address });
      }
      return undefined;
    });
  }
  const started = performance.now();
  let checks = 0;
  while (performance.now() - started < 1000 || checks < proofs.length) {
    const { scanned, result, seller } = proofs[checks % proofs.length]!;
    if (!checkVerificationProof(scanned, result.proof!, { seller, now: Date.UTC(2026, 11, 2) }).ok)
      throw new Error("offline check failed");
    checks++;
  }
  tally.verifyPerSec = Math.round(checks / ((performance.now() - started) / 1000));
  const sample = stock[0]![0]!;
  tally.itemStatusGas = await maker.ledger.ledger.itemStatus.estimateGas(
    sample.passport.lotId,
    commitmentOf(lots, sample),
    [...sample.passport.lotProof],
  );

  // A saleable return: pharmacy 2 sends 10 units back; the wholesaler verifies them (seller: the pharmacy) first.
  const returning = stock[1]!.splice(0, 10);
  await pilot.step("verify 10 saleable returns (seller: the pharmacy)", wholesaler.name, async () => {
    for (const held of returning) {
      const result = await verify(wholesaler, held, toElementString(held.id), pharmacies[1]!.address);
      tally.verified++;
      if (!result.ok) throw new Error(`return ${toElementString(held.id)} failed verification: ${result.reason}`);
      tally.genuine++;
    }
    return undefined;
  });
  const back = await pilot.step("ship 10 saleable returns back to the wholesaler", pharmacies[1]!.name, () =>
    transfer(
      pharmacies[1]!,
      wholesaler,
      returning.map((h) => ({ identifier: h.id, commitment: commitmentOf(lots, h) })),
      { readers: keys(pharmacies[1]!, wholesaler) },
    ),
  );
  tally.event("shipping", returning.length);
  tally.spend("ship (return to wholesaler)", back.anchored.gasUsed, returning.length);

  // Dispensing: every pharmacy verifies, then dispenses, some units.
  for (const [p, pharmacy] of pharmacies.entries()) {
    const units = stock[p]!.slice(0, scale.dispensesPerPharmacy);
    await pilot.step(`verify and dispense ${units.length} units`, pharmacy.name, async () => {
      const sent = [];
      for (const held of units) {
        const result = await verify(pharmacy, held, toElementString(held.id), pharmacy.address);
        if (!result.ok)
          throw new Error(`unit ${toElementString(held.id)} failed verification before dispensing: ${result.reason}`);
        const done = await dispense(pharmacy, held.id, held.passport, { readers: keys(pharmacy) });
        tally.event("dispensing", 1);
        tally.spend("dispense", done.anchored.gasUsed, 1);
        sent.push(done.anchored);
      }
      return sent;
    });
  }
  await medicationDispense(pilot, pharmacies[0]!, stock[0]![0]!);

  // Planted faults.
  const plant = async (
    name: string,
    by: Partner,
    held: Held | undefined,
    id: ProductIdentifier,
    seller: string,
    expected: VerificationReason,
    options: { now?: number } = {},
  ) => {
    const scanned = toElementString(id);
    const result = await pilot.step(`${name}: verify`, by.name, async () => {
      const r = await verifyProduct(by.ledger.reader(), scanned, held?.passport, {
        seller,
        now: options.now ?? Date.UTC(2026, 11, 2),
      });
      if (r.reason !== expected) throw new Error(`expected "${expected}", verification said "${r.reason}"`);
      return r;
    });
    const alert = await pilot.step(`${name}: alert the partners concerned`, by.name, () =>
      reportSuspect(by, id, seller, result, keys(by, maker, wholesaler)),
    );
    await pilot.step(`${name}: read the alert`, maker.name, () =>
      openDocument(maker.store, "alert", alert.sealed, maker.identity),
    );
    tally.suspects.push({
      plant: name,
      reason: result.reason,
      kind: alert.alert.kind,
      alertGas: alert.anchored.gasUsed,
      refusedOnChain: "",
    });
    alerts.push(alert.sealed);
    return tally.suspects.at(-1)!;
  };
  const alerts: SealedDocument[] = [];
  const refusedDispense = async (entry: { refusedOnChain: string }, by: Partner, held: Held) => {
    const error = await pilot.refused("dispense it anyway", by.name, SupplyChainRevertError, () =>
      dispense(by, held.id, held.passport, { readers: keys(by) }),
    );
    entry.refusedOnChain = error.errorName;
  };

  // 1. A counterfeit: a serial never commissioned, offered with a passport copied from a genuine unit.
  const genuine = stock[3]![scale.dispensesPerPharmacy]!;
  const fake: ProductIdentifier = { ...genuine.id, serial: "FAKE7Q2M9X4K" };
  pilot.input({ counterfeit: toElementString(fake) });
  const counterfeit = await plant(
    "counterfeit",
    pharmacies[3]!,
    genuine,
    fake,
    pharmacies[3]!.address,
    "not-commissioned",
  );
  await refusedDispense(counterfeit, pharmacies[3]!, { id: fake, passport: genuine.passport });
  // 2. A diversion: the rogue distributor offers a unit the wholesaler still holds (passport stolen).
  const diverted = atWholesaler.get("lot0")!;
  await plant("diverted unit", pharmacies[4]!, diverted, diverted.id, rogue.address, "diverted");
  // 3. A double dispense: a dispensed pack is presented again at the same pharmacy.
  const dispensed = stock[0]![0]!;
  const twice = await plant(
    "double dispense",
    pharmacies[0]!,
    dispensed,
    dispensed.id,
    pharmacies[0]!.address,
    "dispensed",
  );
  await refusedDispense(twice, pharmacies[0]!, dispensed);
  // 4. A recall of lot 3: pharmacy 3's stock of it can no longer be verified or dispensed.
  const recalled = await pilot.step("recall lot 3", maker.name, () =>
    recall(
      maker,
      { gtin: GTIN, lot: lots[2]!.plan.lot, lotId: lots[2]!.lotId },
      { readers: keys(maker, wholesaler, ...pharmacies) },
    ),
  );
  checkSchema(recalled.document);
  tally.event("recall", 0);
  tally.spend("recall", recalled.anchored.gasUsed, 0);
  const inRecalledLot = stock[2]![scale.dispensesPerPharmacy]!;
  const recallPlant = await plant(
    "recalled lot",
    pharmacies[2]!,
    inRecalledLot,
    inRecalledLot.id,
    pharmacies[2]!.address,
    "recalled",
  );
  await refusedDispense(recallPlant, pharmacies[2]!, inRecalledLot);
  // 5. An expired unit: lot 4 expired on 31 Jan 2027; a pack found on the shelf is checked on 15 Feb 2027.
  const old = stock[3]![scale.dispensesPerPharmacy + 1]!;
  const expired = await plant("expired unit", pharmacies[3]!, old, old.id, pharmacies[3]!.address, "expired", {
    now: Date.UTC(2027, 1, 15),
  });
  expired.refusedOnChain = "(verification refuses; expiry is not on chain)";
  await pilot.refused("read the diversion alert (not a partner concerned)", rogue.name, NotARecipientError, () =>
    openDocument(rogue.store, "alert", alerts[1]!, rogue.identity),
  );

  pilot.sections.push(...supplyChainSections(tally, scale, { schema: validate !== undefined }));
  const log = pilot.options.log ?? console.log;
  log(`  supplychain.verify.perSec ${tally.verifyPerSec}`);
  const c = tally.gas.get("commission")!;
  log(`  supplychain.commission.gasPerUnit ${(Number(c.gas) / c.units).toFixed(2)}`);
}

function commitmentOf(lots: readonly CommissionedLot[], held: Held): `0x${string}` {
  const lot = lots.find((l) => l.lotId === held.passport.lotId)!;
  return lot.commitment(held.id.serial);
}

/** The first dispensing, written into the patient's record as a FHIR MedicationDispense under the patient's consent. */
async function medicationDispense(pilot: Pilot, pharmacy: Partner, held: Held): Promise<void> {
  const patient = await pilot.patient("Patient 1");
  const now = Math.floor(Date.now() / 1000);
  await pilot.step("grant the pharmacy write access to medications", patient.name, () =>
    patient.client.grant(pharmacy.address, {
      read: ["Medications"],
      write: ["Medications"],
      purposes: ["TREAT"],
      expiresAt: now + (30 * DAY) / 1000,
    }),
  );
  const resource = pilot.input({
    resourceType: "MedicationDispense",
    status: "completed",
    contained: [
      {
        resourceType: "Medication",
        id: "pack",
        code: {
          coding: [{ system: "https://www.gs1.org/gtin", code: held.id.gtin }],
          text: "Amoxicillin 500 mg capsules, 21",
        },
        batch: {
          lotNumber: held.id.lot,
          expirationDate: `20${held.id.expiry.slice(0, 2)}-${held.id.expiry.slice(2, 4)}-${held.id.expiry.slice(4, 6)}`,
        },
      },
    ],
    identifier: [{ system: "https://id.gs1.org", value: toDigitalLink(held.id) }],
    medicationReference: { reference: "#pack" },
    subject: { reference: "Patient/patient-1" },
    whenHandedOver: new Date().toISOString(),
  });
  const added = await pilot.step("write the MedicationDispense (with the product identifier)", pharmacy.name, () =>
    pharmacy.provider!.client.addRecord(patient.address, resource),
  );
  pilot.anchored.push(added.recordId);
  await pilot.step("read the dispensed pack's identifier back", patient.name, async () => {
    const read = (await patient.client.readRecord(added.recordId)) as unknown as {
      resource: { identifier: { value: string }[] };
    };
    if (read.resource.identifier[0]!.value !== toDigitalLink(held.id))
      throw new Error("the product identifier did not round-trip");
    return undefined;
  });
}
