/**
 * A gasless signed grant as text a patient hands to a provider (copy, or a file) and the provider pastes to relay:
 * the SDK's `SignedGrant` as JSON, with bigints as `{"$bigint":"…"}` and bytes as `{"$bytes":"0x…"}`. It holds
 * addresses, category and purpose masks, dates, the signature and keyring CIDs: no health data.
 */
import type { SignedGrant } from "carechain";
import { getBytes, hexlify } from "ethers";

/** Text that is not a signed grant. */
export class SignedGrantFormatError extends Error {
  constructor(problem: string) {
    super(`Not a signed grant: ${problem}.`);
    this.name = "SignedGrantFormatError";
  }
}

/** The signed grant as text. */
export function encodeSignedGrant(signed: SignedGrant): string {
  const { request, signature, keyrings } = signed; // `skipped` is the signer's own report, not for the relayer
  return JSON.stringify(
    { carechainSignedGrant: 1, request, signature, keyrings },
    (_key, value: unknown) => {
      if (typeof value === "bigint") return { $bigint: value.toString() };
      if (value instanceof Uint8Array) return { $bytes: hexlify(value) };
      return value;
    },
    2,
  );
}

/**
 * Parses a signed grant's text.
 * @throws {SignedGrantFormatError} When the text is not one.
 */
export function decodeSignedGrant(text: string): SignedGrant {
  let value: unknown;
  try {
    value = JSON.parse(text, (_key, v: unknown) => {
      if (v && typeof v === "object" && "$bigint" in v) return BigInt(String(v.$bigint));
      if (v && typeof v === "object" && "$bytes" in v) return getBytes(String(v.$bytes));
      return v;
    });
  } catch {
    throw new SignedGrantFormatError("the text is not JSON");
  }
  if (typeof value !== "object" || value === null) throw new SignedGrantFormatError("the text is not a JSON object");
  const { carechainSignedGrant, request, signature, keyrings } = value as {
    carechainSignedGrant?: unknown;
    request?: SignedGrant["request"];
    signature?: unknown;
    keyrings?: SignedGrant["keyrings"];
  };
  if (carechainSignedGrant !== 1) throw new SignedGrantFormatError("no carechainSignedGrant marker");
  const fields = request as Record<string, unknown> | undefined;
  const bigints = ["readMask", "writeMask", "expiresAt", "epoch", "nonce", "deadline", "chainId"];
  if (
    !request ||
    !fields ||
    bigints.some((k) => typeof fields[k] !== "bigint") ||
    typeof fields.patient !== "string" ||
    typeof fields.grantee !== "string"
  ) {
    throw new SignedGrantFormatError("the request is incomplete");
  }
  if (typeof signature !== "string" || !keyrings || !Array.isArray(keyrings.recordIds)) {
    throw new SignedGrantFormatError("the signature or the keyrings are missing");
  }
  return { request, signature, keyrings };
}
