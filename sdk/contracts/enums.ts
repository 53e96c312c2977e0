/**
 * The contracts' enums and constant codes, mirrored in TypeScript: the one place the SDK knows them. Each enum list is
 * in Solidity declaration order, so a name's index is its on-chain value; a test (test/sdk/contracts/enums.test.ts)
 * round-trips every value through the deployed contracts.
 * @module
 */

/** `IDirectory.ProviderKind` (contracts/interfaces/IDirectory.sol); index = on-chain value, `"none"` = not a provider. */
export const PROVIDER_KINDS = [
  "none",
  "hospital",
  "clinic",
  "lab",
  "pharmacy",
  "insurer",
  "research",
  "emergency",
] as const;

/** A provider kind, e.g. `"hospital"`. */
export type ProviderKind = Exclude<(typeof PROVIDER_KINDS)[number], "none">;

/** `IConsentRegistry.DelegateKind` (contracts/interfaces/IConsentRegistry.sol); index = on-chain value. */
export const DELEGATE_KINDS = ["none", "guardian", "proxy"] as const;

/** A delegate kind: a guardian (of a minor; may also name delegates) or a proxy. */
export type DelegateKind = Exclude<(typeof DELEGATE_KINDS)[number], "none">;

/** `Action` (contracts/types/Action.sol): what a grant's read mask and write mask allow; index = on-chain value. */
export const ACTIONS = ["read", "write"] as const;

/** An action on a category of records. */
export type ActionName = (typeof ACTIONS)[number];

/**
 * `Purpose` (contracts/types/Purpose.sol) as HL7 v3 PurposeOfUse codes
 * (http://terminology.hl7.org/CodeSystem/v3-ActReason): Treatment, Payment, Operations, Research, EmergencyTreatment,
 * BreakTheGlass. Index = on-chain value and bit of a purpose mask.
 */
export const PURPOSES = ["TREAT", "HPAYMT", "HOPERAT", "HRESCH", "ETREAT", "BTG"] as const;

/** A PurposeOfUse code, e.g. `"TREAT"`. */
export type PurposeCode = (typeof PURPOSES)[number];

/** The purposes a break-glass read may be for (`EMERGENCY_PURPOSES` in contracts/types/Purpose.sol). */
export const EMERGENCY_PURPOSES: readonly PurposeCode[] = ["ETREAT", "BTG"];

/** Highest record category: categories are the bits 0..63 of a uint64 mask (`MAX_CATEGORY`, CategoryMask.sol). */
export const MAX_CATEGORY = 63;

/**
 * The categories break-glass may read by default (`IPS_CATEGORIES`, IConsentRegistry.sol): Allergies (1),
 * Medications (2), Problems (3) and Immunizations (4), the International Patient Summary set.
 */
export const IPS_CATEGORIES = 0x1en;

/** The multicodecs of the CIDs the RecordRegistry takes (raw bytes and dag-pb), as its `RecordVersion.codec` holds them. */
export const RECORD_CID_CODECS = { raw: 0x55, dagPb: 0x70 } as const;

/**
 * The on-chain value of `name` in the enum list `values`.
 * @param argument - The argument's name, for the error message.
 * @param values - One of this module's enum lists.
 * @param name - A name in it.
 * @returns Its index: the value the contract takes.
 * @throws {RangeError} When `name` is not in `values`.
 * @example
 * enumValue("kind", PROVIDER_KINDS, "emergency"); // 7
 */
export function enumValue<const T extends readonly string[]>(argument: string, values: T, name: T[number]): number {
  const index = values.indexOf(name);
  if (index < 0) throw new RangeError(`${argument}: expected one of ${values.join(", ")}, got ${name}`);
  return index;
}

/**
 * The name of the on-chain value `value` in the enum list `values` (as a view or an event returns it).
 * @param argument - The argument's name, for the error message.
 * @param values - One of this module's enum lists.
 * @param value - An on-chain enum value.
 * @returns Its name.
 * @throws {RangeError} When `value` is not an index of `values` (a contract newer than this SDK).
 * @example
 * enumName("kind", DELEGATE_KINDS, 1n); // "guardian"
 */
export function enumName<const T extends readonly string[]>(
  argument: string,
  values: T,
  value: number | bigint,
): T[number] {
  const index = typeof value === "bigint" ? Number(value) : value;
  const name: T[number] | undefined = Number.isInteger(index) ? values[index] : undefined;
  if (name === undefined) {
    throw new RangeError(`${argument}: expected an on-chain value 0 to ${values.length - 1}, got ${String(value)}`);
  }
  return name;
}
