// The supply-chain module end to end on an in-process chain: partners credentialed by the Directory's registrar,
// a lot commissioned, shipped manufacturer → wholesaler → pharmacy, verified with a proof re-checked offline, and
// every planted fault caught (counterfeit, diversion, double dispense, recall, expiry); alerts readable only by the
// partners concerned; nothing commercial in clear on chain.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

import { beforeAll, describe, expect, it } from "vitest";

import { deployCarechain, generateIdentity, MemoryBlobStore, NotARecipientError } from "../../sdk/index.js";
import {
  checkVerificationProof,
  CommissionedLot,
  commission,
  createEpcisSchemaValidator,
  decommission,
  deploySupplyChain,
  dispense,
  glnCommitment,
  licenceCommitment,
  openDocument,
  PartnerRole,
  parseProductIdentifier,
  recall,
  reportSuspect,
  SupplyChainLedger,
  SupplyChainRevertError,
  toDigitalLink,
  toElementString,
  transfer,
  unitCommitment,
  verifyProduct,
  type SupplyChainActor,
  type UnitPassport,
} from "../../sdk/supplychain.js";
import { sharedData } from "../sdk/_support.js";
import { createChain, FIRST_TEST_BLOCK } from "../helpers/chain.js";

const GTIN = "09501101530003";
const schemaFile = sharedData("epcis/schema/EPCIS-JSON-Schema.json");

async function setUp() {
  const connection = await createChain();
  const signers = await connection.ethers.getSigners();
  const deployment = await deployCarechain(signers[0]!);
  const addresses = await deploySupplyChain(signers[0]!, deployment.directory);
  const store = new MemoryBlobStore();
  const registrar = new SupplyChainLedger(addresses, signers[0]!);
  const actor = async (index: number, gln: string, role: PartnerRole) => {
    const signer = signers[index]!;
    const address = await signer.getAddress();
    const salt = `0x${randomBytes(32).toString("hex")}` as const;
    await registrar.credential(address, role, glnCommitment(gln, salt), licenceCommitment(`licence ${gln}`, salt));
    const a: SupplyChainActor = { ledger: new SupplyChainLedger(addresses, signer), address, gln, store };
    return { ...a, identity: generateIdentity() };
  };
  const manufacturer = await actor(1, "9501101000002", PartnerRole.Manufacturer);
  const wholesaler = await actor(2, "9501101000019", PartnerRole.Wholesaler);
  const rogue = await actor(3, "9501101000026", PartnerRole.Wholesaler);
  const pharmacy = await actor(4, "9501101000033", PartnerRole.Dispenser);
  const pharmacy2 = await actor(5, "9501101000040", PartnerRole.Dispenser);
  return { connection, addresses, store, registrar, manufacturer, wholesaler, rogue, pharmacy, pharmacy2 };
}

describe("supply chain end to end", () => {
  let f: Awaited<ReturnType<typeof setUp>>;
  let lot: CommissionedLot;
  const passports = new Map<string, UnitPassport>();
  const serials = Array.from({ length: 64 }, (_, i) => `S${String(i).padStart(6, "0")}X`);
  const expiry = "301231";

  beforeAll(async () => {
    f = await setUp();
    lot = CommissionedLot.create({ gtin: GTIN, lot: "LOT-A1", expiry, serials, secret: randomBytes(32) });
    const readers = [f.manufacturer.identity.publicKey];
    const commissioned = await commission(f.manufacturer, lot, { readers });
    expect(commissioned.anchored.gasUsed).toBeLessThan(100_000n);
    // manufacturer → wholesaler: the whole lot; wholesaler → pharmacy: the first 8 units
    const all = serials.map((s) => ({ identifier: lot.identifier(s), commitment: lot.commitment(s) }));
    const toWholesaler = await transfer(f.manufacturer, f.wholesaler, all, {
      readers: [f.manufacturer.identity.publicKey, f.wholesaler.identity.publicKey],
    });
    for (const s of serials) passports.set(s, toWholesaler.handOn(lot.passport(s), lot.commitment(s)));
    const toPharmacy = await transfer(f.wholesaler, f.pharmacy, all.slice(0, 8), {
      readers: [f.wholesaler.identity.publicKey, f.pharmacy.identity.publicKey],
    });
    for (const s of serials.slice(0, 8)) passports.set(s, toPharmacy.handOn(passports.get(s)!, lot.commitment(s)));
  });

  const scan = (serial: string) => toElementString(lot.identifier(serial));

  it("a genuine unit verifies for its owner, with a proof that re-checks offline", async () => {
    const result = await verifyProduct(f.pharmacy.ledger.reader(), scan(serials[0]!), passports.get(serials[0]!), {
      seller: f.pharmacy.address,
    });
    expect(result).toMatchObject({ ok: true, reason: "genuine" });
    expect(result.proof!.custody).toHaveLength(2);
    expect(
      checkVerificationProof(toDigitalLink(lot.identifier(serials[0]!)) + `?17=${expiry}&10=LOT-A1`, result.proof!, {
        seller: f.pharmacy.address,
      }),
    ).toEqual({ ok: true, reason: "genuine" });
    // tampering with any part of the proof fails the offline check
    const forged = { ...result.proof!, lotProof: [...result.proof!.lotProof].reverse() };
    expect(checkVerificationProof(scan(serials[0]!), forged, { seller: f.pharmacy.address }).ok).toBe(false);
  });

  it("a counterfeit (never commissioned) is caught, with or without a forged passport", async () => {
    const fake = `(01)${GTIN}(17)${expiry}(10)LOT-A1(21)FAKE0001`;
    const reader = f.pharmacy.ledger.reader();
    expect(await verifyProduct(reader, fake, undefined, { seller: f.wholesaler.address })).toEqual({
      ok: false,
      reason: "not-commissioned",
    });
    const borrowed = passports.get(serials[1]!)!;
    const forged = await verifyProduct(reader, fake, borrowed, { seller: f.pharmacy.address });
    expect(forged).toMatchObject({ ok: false, reason: "not-commissioned" });
    const { alert, sealed } = await reportSuspect(
      f.pharmacy,
      parseProductIdentifier(fake),
      f.wholesaler.address,
      forged,
      [f.pharmacy.identity.publicKey, f.manufacturer.identity.publicKey],
    );
    expect(alert.kind).toBe("counterfeit");
    expect(await openDocument(f.store, "alert", sealed, f.manufacturer.identity)).toMatchObject({
      kind: "counterfeit",
      product: fake,
    });
    await expect(openDocument(f.store, "alert", sealed, f.rogue.identity)).rejects.toBeInstanceOf(NotARecipientError);
  });

  it("a diverted unit (offered by a partner that never received it) is caught", async () => {
    const serial = serials[20]!; // at the wholesaler, not shipped to the rogue
    const result = await verifyProduct(f.pharmacy2.ledger.reader(), scan(serial), passports.get(serial), {
      seller: f.rogue.address,
    });
    expect(result).toMatchObject({ ok: false, reason: "diverted" });
    // the rogue anchors its own shipment of the unit: the custody chain still does not reach it
    const hijack = await transfer(
      f.rogue,
      f.pharmacy2,
      [{ identifier: lot.identifier(serial), commitment: lot.commitment(serial) }],
      {
        readers: [f.rogue.identity.publicKey],
      },
    );
    const stolen = hijack.handOn(passports.get(serial)!, lot.commitment(serial));
    const again = await verifyProduct(f.pharmacy2.ledger.reader(), scan(serial), stolen, {
      seller: f.pharmacy2.address,
    });
    expect(again).toMatchObject({ ok: false, reason: "diverted" });
  });

  it("a double dispense is refused on chain and flagged by verification", async () => {
    const serial = serials[1]!;
    const id = lot.identifier(serial);
    await dispense(f.pharmacy, id, passports.get(serial)!, { readers: [f.pharmacy.identity.publicKey] });
    const second = dispense(f.pharmacy2, id, passports.get(serial)!, { readers: [f.pharmacy2.identity.publicKey] });
    await expect(second).rejects.toBeInstanceOf(SupplyChainRevertError);
    await expect(second).rejects.toMatchObject({ errorName: "ProductLedgerAlreadySpent" });
    const result = await verifyProduct(f.pharmacy.ledger.reader(), scan(serial), passports.get(serial), {
      seller: f.pharmacy.address,
    });
    expect(result).toMatchObject({ ok: false, reason: "dispensed" });
  });

  it("a decommissioned unit verifies as such and can be neither dispensed nor decommissioned again", async () => {
    const serial = serials[4]!;
    const id = lot.identifier(serial);
    const done = await decommission(f.pharmacy, id, passports.get(serial)!, {
      readers: [f.pharmacy.identity.publicKey],
    });
    expect(done.document.epcisBody.eventList[0]).toMatchObject({ action: "DELETE", bizStep: "decommissioning" });
    const result = await verifyProduct(f.pharmacy.ledger.reader(), scan(serial), passports.get(serial), {
      seller: f.pharmacy.address,
    });
    expect(result).toMatchObject({ ok: false, reason: "decommissioned" });
    await expect(
      dispense(f.pharmacy, id, passports.get(serial)!, { readers: [f.pharmacy.identity.publicKey] }),
    ).rejects.toMatchObject({
      errorName: "ProductLedgerAlreadySpent",
    });
    await expect(
      decommission(f.wholesaler, id, passports.get(serial)!, { readers: [f.wholesaler.identity.publicKey] }),
    ).rejects.toMatchObject({
      errorName: "ProductLedgerAlreadySpent",
    });
  });

  it("an expired unit is caught", async () => {
    const result = await verifyProduct(f.pharmacy.ledger.reader(), scan(serials[2]!), passports.get(serials[2]!), {
      seller: f.pharmacy.address,
      now: Date.UTC(2031, 0, 1),
    });
    expect(result).toMatchObject({ ok: false, reason: "expired" });
  });

  it("a recall stops verification and dispensing of the lot", async () => {
    const serial = serials[3]!;
    await recall(
      f.manufacturer,
      { gtin: GTIN, lot: "LOT-A1", lotId: lot.lotId },
      { readers: [f.manufacturer.identity.publicKey] },
    );
    const result = await verifyProduct(f.pharmacy.ledger.reader(), scan(serial), passports.get(serial), {
      seller: f.pharmacy.address,
    });
    expect(result).toMatchObject({ ok: false, reason: "recalled" });
    await expect(
      dispense(f.pharmacy, lot.identifier(serial), passports.get(serial)!, {
        readers: [f.pharmacy.identity.publicKey],
      }),
    ).rejects.toMatchObject({
      errorName: "ProductLedgerLotRecalled",
    });
  });

  it("puts no GTIN, serial, lot, expiry or GLN in clear in any transaction or log", async () => {
    const provider = f.connection.ethers.provider;
    const latest = await provider.getBlockNumber();
    const terms = [GTIN, "LOT-A1", serials[0]!, serials[20]!, "FAKE0001", "9501101000002", "9501101000033"];
    const hexTerms = terms.map((t) => Buffer.from(t, "utf8").toString("hex"));
    let scanned = 0;
    for (let n = FIRST_TEST_BLOCK; n <= latest; n++) {
      const block = await provider.getBlock(n, true);
      for (const tx of block!.prefetchedTransactions) {
        const receipt = await provider.getTransactionReceipt(tx.hash);
        const blob = (tx.data + receipt!.logs.map((l) => l.data + l.topics.join("")).join("")).toLowerCase();
        for (const h of hexTerms) expect(blob).not.toContain(h);
        scanned++;
      }
    }
    expect(scanned).toBeGreaterThan(10);
  });

  it.skipIf(!schemaFile.exists)("every EPCIS document the flows build is valid against GS1's schema", async () => {
    const validate = createEpcisSchemaValidator(JSON.parse(readFileSync(schemaFile.path, "utf8")));
    const {
      commissioningDocument,
      shippingDocument,
      dispensingDocument,
      decommissioningDocument,
      recallDocument,
      receivingDocument,
      packingDocument,
    } = await import("../../sdk/supplychain.js");
    const at = { time: new Date("2026-12-02T10:00:00Z"), siteGln: "9501101000002" };
    const units = serials.slice(0, 3).map((s) => toDigitalLink(lot.identifier(s)));
    for (const doc of [
      commissioningDocument(units, { lot: "LOT-A1", expiry }, at),
      shippingDocument(units, "9501101000002", "9501101000019", at),
      receivingDocument(units, "9501101000002", "9501101000019", at),
      packingDocument("095011010000000017", units, at),
      dispensingDocument(units[0]!, at),
      decommissioningDocument(units, at),
      recallDocument(GTIN, "LOT-A1", at),
    ]) {
      const result = validate(doc);
      expect(result.valid ? "valid" : JSON.stringify(result.reason)).toBe("valid");
    }
  });

  it("the unit commitment binds every element of the identifier", () => {
    const id = lot.identifier(serials[5]!);
    const { salt } = lot.passport(serials[5]!);
    const base = unitCommitment(id, salt);
    for (const change of [
      { gtin: "09501101530010" },
      { serial: "S000005Y" },
      { lot: "LOT-A2" },
      { expiry: "301230" },
    ]) {
      expect(unitCommitment({ ...id, ...change }, salt)).not.toBe(base);
    }
  });
});
