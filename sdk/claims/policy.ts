/**
 * Coverage policy documents: the JSON an insurer publishes (by CID and SHA-256 of its canonical JSON) and the
 * adjudicator applies. A policy holds no patient data: covered services by code system and code, allowed amounts,
 * deductible and co-insurance, prior-authorisation rules, the filing deadline, and the deadlines the claim contract
 * enforces.
 */
import { sha256 } from "@noble/hashes/sha2.js";

import { toHex, utf8 } from "../crypto/bytes.js";
import { PolicyFormatError } from "../errors/claims.js";
import { canonicalJson } from "../fhir/canonical.js";

/** The format tag every policy document carries. */
export const POLICY_FORMAT = "carechain.coverage-policy/1";

/** How one service (a code in a code system) is covered. */
export interface ServiceRule {
  /** Code system URI, e.g. `http://snomed.info/sct`. */
  readonly system: string;
  /** The code; `"*"` matches every code of the system not listed otherwise. */
  readonly code: string;
  /** Whether the service is covered at all. */
  readonly covered: boolean;
  /** Most the plan allows for one line, in cents (the rest is not eligible); absent: no cap. */
  readonly allowed?: number;
  /** Co-insurance for this service in basis points (overrides the plan's). */
  readonly coinsuranceBps?: number;
  /** Whether a line needs a prior-authorisation reference on the claim's focal insurance. */
  readonly priorAuthorization?: boolean;
}

/** A coverage policy document (one version). All amounts are integer cents. */
export interface CoveragePolicy {
  /** Always {@link POLICY_FORMAT}. */
  readonly format: typeof POLICY_FORMAT;
  /** Name of the plan, e.g. `"Acme Gold 2026"`. */
  readonly name: string;
  /** The Coverage.type text or code the plan applies to (e.g. Synthea's `private`, `medicaid`). */
  readonly coverageType: string;
  /** ISO 4217 currency of every amount. */
  readonly currency: string;
  /** Deductible per escrow period, in cents. */
  readonly deductible: number;
  /** Default co-insurance (the member's share after the deductible), in basis points. */
  readonly coinsuranceBps: number;
  /** Days after the end of the billable period within which a claim must be created. */
  readonly filingDays: number;
  /** Days the insurer has to adjudicate (mirrored on chain). */
  readonly adjudicationDays: number;
  /** Days the provider has to appeal (mirrored on chain). */
  readonly appealDays: number;
  /** Covered and excluded services; the first rule whose system and code match a line applies. */
  readonly services: readonly ServiceRule[];
}

const RULE_KEYS = new Set(["system", "code", "covered", "allowed", "coinsuranceBps", "priorAuthorization"]);
const POLICY_KEYS = new Set([
  "format",
  "name",
  "coverageType",
  "currency",
  "deductible",
  "coinsuranceBps",
  "filingDays",
  "adjudicationDays",
  "appealDays",
  "services",
]);

/**
 * Checks a policy document and returns it typed. Unknown fields are refused, so two readers cannot apply a document
 * differently.
 * @param value - The parsed JSON.
 * @returns The policy.
 * @throws {PolicyFormatError} Naming the first offending field.
 */
export function parsePolicy(value: unknown): CoveragePolicy {
  const doc = record(value, "policy");
  for (const key of Object.keys(doc))
    if (!POLICY_KEYS.has(key)) throw new PolicyFormatError(key, "is not a policy field");
  if (doc.format !== POLICY_FORMAT) throw new PolicyFormatError("format", `must be "${POLICY_FORMAT}"`);
  text(doc.name, "name");
  text(doc.coverageType, "coverageType");
  if (typeof doc.currency !== "string" || !/^[A-Z]{3}$/.test(doc.currency)) {
    throw new PolicyFormatError("currency", "must be an ISO 4217 code");
  }
  amount(doc.deductible, "deductible");
  bps(doc.coinsuranceBps, "coinsuranceBps");
  for (const key of ["filingDays", "adjudicationDays", "appealDays"] as const) days(doc[key], key);
  if (!Array.isArray(doc.services)) throw new PolicyFormatError("services", "must be an array");
  doc.services.forEach((raw, i) => {
    const rule = record(raw, `services[${i}]`);
    for (const key of Object.keys(rule)) {
      if (!RULE_KEYS.has(key)) throw new PolicyFormatError(`services[${i}].${key}`, "is not a service rule field");
    }
    text(rule.system, `services[${i}].system`);
    text(rule.code, `services[${i}].code`);
    if (typeof rule.covered !== "boolean") throw new PolicyFormatError(`services[${i}].covered`, "must be a boolean");
    if (rule.allowed !== undefined) amount(rule.allowed, `services[${i}].allowed`);
    if (rule.coinsuranceBps !== undefined) bps(rule.coinsuranceBps, `services[${i}].coinsuranceBps`);
    if (rule.priorAuthorization !== undefined && typeof rule.priorAuthorization !== "boolean") {
      throw new PolicyFormatError(`services[${i}].priorAuthorization`, "must be a boolean");
    }
  });
  return doc as unknown as CoveragePolicy;
}

/**
 * The bytes a policy is published as: its canonical JSON (RFC 8785), after {@link parsePolicy}.
 * @param policy - The policy.
 * @returns UTF-8 bytes; their SHA-256 is the on-chain document hash, their CID the document CID.
 * @throws {PolicyFormatError} When the policy is malformed.
 */
export function policyBytes(policy: CoveragePolicy): Uint8Array {
  return utf8(canonicalJson(parsePolicy(policy)));
}

/**
 * The SHA-256 of a policy's canonical JSON, as anchored on chain.
 * @param policy - The policy.
 * @returns 0x-prefixed hex.
 * @throws {PolicyFormatError} When the policy is malformed.
 */
export function policyHash(policy: CoveragePolicy): string {
  return toHex(sha256(policyBytes(policy)));
}

/**
 * The rule that applies to a coding: the first exact (system, code) match, else the first `"*"` rule of the
 * system; undefined when none applies (the line is not covered).
 * @param policy - The policy.
 * @param system - The coding's system.
 * @param code - The coding's code.
 * @returns The rule, if any.
 */
export function ruleFor(policy: CoveragePolicy, system: string, code: string): ServiceRule | undefined {
  return (
    policy.services.find((r) => r.system === system && r.code === code) ??
    policy.services.find((r) => r.system === system && r.code === "*")
  );
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new PolicyFormatError(path, "must be an object");
  return value as Record<string, unknown>;
}

function text(value: unknown, path: string): void {
  if (typeof value !== "string" || value.length === 0) throw new PolicyFormatError(path, "must be a non-empty string");
}

function amount(value: unknown, path: string): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0)
    throw new PolicyFormatError(path, "must be whole cents ≥ 0");
}

function bps(value: unknown, path: string): void {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 10_000) {
    throw new PolicyFormatError(path, "must be basis points 0..10000");
  }
}

function days(value: unknown, path: string): void {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 3650) {
    throw new PolicyFormatError(path, "must be 1..3650 days");
  }
}
