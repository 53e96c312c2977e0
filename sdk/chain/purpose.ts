/**
 * HL7 v3 PurposeOfUse codes (http://terminology.hl7.org/CodeSystem/v3-ActReason) and their on-chain
 * index (`Purpose` enum in contracts/types/Access.sol). Indices are part of the wire format.
 */
export const PurposeOfUse = {
  TREAT: 0,
  HPAYMT: 1,
  HOPERAT: 2,
  HRESCH: 3,
  ETREAT: 4,
  BTG: 5,
} as const;

/** A PurposeOfUse code, e.g. `"TREAT"`. */
export type PurposeCode = keyof typeof PurposeOfUse;

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
    if (typeof code !== "string" || !Object.hasOwn(PurposeOfUse, code)) throw new RangeError(`purposes: unknown PurposeOfUse code ${String(code)}`);
    mask |= 1 << PurposeOfUse[code];
  }
  return mask;
}

/** The codes in a purpose mask. */
export function purposesOf(mask: number): PurposeCode[] {
  return (Object.keys(PurposeOfUse) as PurposeCode[]).filter((code) => (mask >> PurposeOfUse[code]) & 1);
}
