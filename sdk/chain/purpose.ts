/**
 * HL7 v3 PurposeOfUse codes (http://terminology.hl7.org/CodeSystem/v3-ActReason) by their on-chain index, the
 * `Purpose` enum in contracts/types/Purpose.sol, as listed in {@link PURPOSES} (sdk/contracts/enums.ts). Indices
 * are part of the wire format.
 */
import { PURPOSES, type PurposeCode } from "../contracts/enums.js";

export type { PurposeCode };

/** Each PurposeOfUse code's on-chain index, e.g. `PurposeOfUse.ETREAT === 4`. */
export const PurposeOfUse: Readonly<Record<PurposeCode, number>> = Object.freeze(
  Object.fromEntries(PURPOSES.map((code, index) => [code, index])) as Record<PurposeCode, number>,
);

/** The display text of each code, as in the HL7 code system. */
export const PURPOSE_DISPLAY: Readonly<Record<PurposeCode, string>> = {
  TREAT: "treatment",
  HPAYMT: "healthcare payment",
  HOPERAT: "healthcare operations",
  HRESCH: "healthcare research",
  ETREAT: "emergency treatment",
  BTG: "break the glass",
};

/**
 * The 32-bit purpose mask the ConsentRegistry stores.
 * @throws {RangeError} On a code that is not a known PurposeOfUse.
 */
export function purposeMask(codes: Iterable<PurposeCode>): number {
  let mask = 0;
  for (const code of codes) {
    if (typeof code !== "string" || !Object.hasOwn(PurposeOfUse, code))
      throw new RangeError(`purposes: unknown PurposeOfUse code ${JSON.stringify(code)}`);
    mask |= 1 << PurposeOfUse[code];
  }
  return mask;
}

/** The codes in a purpose mask. */
export function purposesOf(mask: number): PurposeCode[] {
  return (Object.keys(PurposeOfUse) as PurposeCode[]).filter((code) => (mask >> PurposeOfUse[code]) & 1);
}
