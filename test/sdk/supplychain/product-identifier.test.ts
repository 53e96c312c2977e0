// Product identifiers as scanned (GS1 element strings, Digital Link URIs) and the commitments derived from them.
import fc from "fast-check";
import { AbiCoder, keccak256 } from "ethers";
import { describe, expect, it } from "vitest";

import {
  expiryEnd,
  lotIdOf,
  nullifierOf,
  parseProductIdentifier,
  toDigitalLink,
  toElementString,
  unitCommitment,
  unitSalt,
} from "../../../sdk/supplychain.js";

const ID = { gtin: "09501101530003", serial: "S1/2", lot: "L-7", expiry: "270131" };

describe("parseProductIdentifier", () => {
  it.each([
    ["bracketed element string", "(01)09501101530003(21)S1/2(10)L-7(17)270131"],
    ["element string in another order", "(17)270131(10)L-7(01)09501101530003(21)S1/2"],
    ["FNC1 form with GS separators", "]d2010950110153000317270131" + "10L-7\u001d21S1/2"],
    ["Digital Link with lot and serial in the path", "https://id.gs1.org/01/09501101530003/10/L-7/21/S1%2F2?17=270131"],
    [
      "Digital Link on a brand domain with a GTIN-13",
      "https://brand.example/gtin/9501101530003/lot/L-7/ser/S1%2F2?exp=270131",
    ],
  ])("reads a %s", (_what, scanned) => {
    expect(parseProductIdentifier(scanned)).toEqual(ID);
  });

  it("round-trips through the element string", () => {
    expect(parseProductIdentifier(toElementString(ID))).toEqual(ID);
    expect(toDigitalLink(ID)).toBe("https://id.gs1.org/01/09501101530003/21/S1%2F2");
  });

  it.each([
    ["a wrong GTIN check digit", "(01)09501101530004(21)S1(10)L1(17)270131", /check digit/],
    ["a missing expiry", "(01)09501101530003(21)S1(10)L1", /required/],
    ["a month 13 expiry", "(01)09501101530003(21)S1(10)L1(17)271331", /YYMMDD/],
    ["a serial with a space", "(01)09501101530003(21)S 1(10)L1(17)270131", /serial/],
    ["a serial over 20 characters", `(01)09501101530003(21)${"S".repeat(21)}(10)L1(17)270131`, /serial/],
    ["garbage before the first AI", "x(01)09501101530003(21)S1(10)L1(17)270131", /unsupported AI|malformed/],
    ["an empty string", "", /non-empty/],
  ])("refuses %s", (_what, scanned, message) => {
    expect(() => parseProductIdentifier(scanned)).toThrow(message);
  });

  it("reads expiry day 00 as the month's last day", () => {
    expect(new Date(expiryEnd("270200")).toISOString()).toBe("2027-02-28T23:59:59.999Z");
    expect(new Date(expiryEnd("270131")).toISOString()).toBe("2027-01-31T23:59:59.999Z");
  });
});

describe("commitments", () => {
  const secret = new Uint8Array(32).fill(7);

  it("derive salts per unit from the lot secret; the lot id hides GTIN and lot", () => {
    expect(unitSalt(secret, "A")).not.toBe(unitSalt(secret, "B"));
    expect(unitSalt(secret, "A")).toBe(unitSalt(secret, "A"));
    expect(lotIdOf(secret, ID.gtin, ID.lot)).not.toBe(lotIdOf(new Uint8Array(32).fill(8), ID.gtin, ID.lot));
    expect(() => unitSalt(new Uint8Array(31), "A")).toThrow(/lotSecret/);
  });

  it("the hand-written commitment encoding equals ethers' ABI coder (property)", () => {
    const text = fc.string({ unit: "binary", maxLength: 70 });
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        text,
        text,
        text,
        text,
        (salt, gtin, serial, lot, expiry) => {
          const hex = `0x${Buffer.from(salt).toString("hex")}` as const;
          const expected = keccak256(
            AbiCoder.defaultAbiCoder().encode(
              ["bytes32", "string", "string", "string", "string"],
              [hex, gtin, serial, lot, expiry],
            ),
          );
          expect(unitCommitment({ gtin, serial, lot, expiry }, hex)).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a nullifier is neither the commitment nor computable without it", () => {
    const c = unitCommitment(ID, unitSalt(secret, ID.serial));
    expect(nullifierOf(c)).not.toBe(c);
    expect(nullifierOf(c)).toMatch(/^0x[0-9a-f]{64}$/);
  });
});
