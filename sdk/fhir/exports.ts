/**
 * Exports that FHIR systems understand: grants as R4 `Consent`, chain events as R4 `AuditEvent`, anchors as `Provenance`.
 * @module
 */
import type { AuditEvent, Consent, Provenance } from "@medplum/fhirtypes";

import type { AuditEntry, GrantInfo } from "../chain/facts.js";
import { PURPOSE_DISPLAY, type PurposeCode } from "../chain/purpose.js";
import { categoryName, categorySources } from "./categories.js";

/**
 * Exports that FHIR systems understand: grants as R4 `Consent`, chain events as R4 `AuditEvent`. Accounts are
 * identified by their DID (`did:pkh:eip155:<chainId>:<address>`, system `urn:ietf:rfc:3986`).
 */

/** Where the exported facts live. */
export interface ChainContext {
  readonly chainId: bigint;
  /** Address of the contract that recorded the fact (ConsentRegistry or RecordRegistry). */
  readonly registry: string;
}

const URI = "urn:ietf:rfc:3986";
const ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

/** The DID of an account on a chain. */
export function accountDid(chainId: bigint, address: string): string {
  return `did:pkh:eip155:${chainId}:${address}`;
}

/**
 * A grant as a FHIR R4 `Consent` (scope patient-privacy, policy OPTIN, provision permit with actor, action,
 * purpose, period and class).
 */
export function grantToConsent(grant: GrantInfo, context: ChainContext): Consent {
  const ref = (address: string) => ({ identifier: { system: URI, value: accountDid(context.chainId, address) } });
  const categories = [...new Set([...grant.read, ...grant.write])];
  const classes = categories
    .flatMap((c) =>
      categorySources(c).map((s) => ({ system: "http://hl7.org/fhir/resource-types", code: s.resourceType })),
    )
    .filter((c, i, all) => all.findIndex((d) => d.code === c.code) === i);
  const actions = [
    ...(grant.read.length > 0 ? [{ code: "access", display: "Access" }] : []),
    ...(grant.write.length > 0 ? [{ code: "correct", display: "Access and Correct" }] : []),
  ];
  return {
    resourceType: "Consent",
    status: grant.active ? "active" : "inactive",
    scope: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/consentscope", code: "patient-privacy" }] },
    category: [{ coding: [{ system: "http://loinc.org", code: "59284-0", display: "Patient Consent" }] }],
    patient: ref(grant.patient),
    dateTime: new Date(grant.grantedAt * 1000).toISOString(),
    performer: [ref(grant.actor)],
    organization: [ref(grant.grantee)],
    sourceReference: { identifier: { system: URI, value: `urn:carechain:tx:${grant.tx}` } },
    policyRule: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: "OPTIN" }] },
    provision: {
      type: "permit",
      period: {
        start: new Date(grant.grantedAt * 1000).toISOString(),
        end: new Date(grant.expiresAt * 1000).toISOString(),
      },
      actor: [
        {
          role: {
            coding: [
              {
                system: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                code: "IRCP",
                display: "information recipient",
              },
            ],
          },
          reference: ref(grant.grantee),
        },
      ],
      ...(actions.length > 0
        ? {
            action: actions.map((a) => ({
              coding: [{ system: "http://terminology.hl7.org/CodeSystem/consentaction", ...a }],
            })),
          }
        : {}),
      ...(grant.purposes.length > 0
        ? { purpose: grant.purposes.map((code) => ({ system: ACT_REASON, code, display: PURPOSE_DISPLAY[code] })) }
        : {}),
      ...(classes.length > 0 ? { class: classes } : {}),
      ...(categories.length > 0
        ? {
            code: categories.map((c) => ({
              coding: [{ system: "urn:carechain:category", code: String(c), display: categoryName(c) }],
            })),
          }
        : {}),
    },
  };
}

const ACTIONS: Readonly<Record<string, "C" | "R" | "U" | "D" | "E">> = {
  RecordAnchored: "C",
  BatchAnchored: "C",
  RecordAccessed: "R",
  EmergencyKeyReleased: "R",
  KeyringPublished: "U",
  ConsentGranted: "C",
  ConsentRevoked: "D",
  DelegateAdded: "C",
  DelegateRemoved: "D",
  EmergencyCategoriesSet: "U",
  BreakGlassOpened: "E",
  BreakGlassClosed: "E",
};

/** An audit entry as a FHIR R4 `AuditEvent` (purposeOfEvent BTG for break-glass). */
export function auditEntryToFhir(entry: AuditEntry, chainId: bigint): AuditEvent {
  const did = (address: string) => ({ identifier: { system: URI, value: accountDid(chainId, address) } });
  const breakGlass = entry.kind.startsWith("BreakGlass") || entry.kind === "EmergencyKeyReleased";
  const purpose: PurposeCode | undefined = breakGlass ? "BTG" : entry.purpose;
  return {
    resourceType: "AuditEvent",
    type: { system: "http://dicom.nema.org/resources/ontology/DCM", code: "110110", display: "Patient Record" },
    subtype: [{ system: "urn:carechain:event", code: entry.kind, display: entry.kind }],
    action: ACTIONS[entry.kind] ?? "E",
    recorded: new Date(entry.time * 1000).toISOString(),
    outcome: "0",
    ...(purpose
      ? { purposeOfEvent: [{ coding: [{ system: ACT_REASON, code: purpose, display: PURPOSE_DISPLAY[purpose] }] }] }
      : {}),
    agent: [
      { who: did(entry.actor), requestor: true },
      ...(entry.counterpart ? [{ who: did(entry.counterpart), requestor: false }] : []),
    ],
    source: {
      observer: { identifier: { system: URI, value: accountDid(chainId, entry.contract) }, display: "Carechain" },
    },
    entity: [
      {
        what: did(entry.patient),
        type: { system: "http://terminology.hl7.org/CodeSystem/audit-entity-type", code: "1", display: "Person" },
        role: { system: "http://terminology.hl7.org/CodeSystem/object-role", code: "1", display: "Patient" },
      },
      ...(entry.recordId
        ? [{ what: { identifier: { system: URI, value: `urn:carechain:record:${entry.recordId}` } } }]
        : []),
      { what: { identifier: { system: URI, value: `urn:carechain:tx:${entry.tx}` } } },
    ],
  };
}

/** What a Provenance export needs about one record version. */
export interface ProvenanceInput {
  readonly recordId: string;
  readonly patient: string;
  readonly author: string;
  /** Unix seconds of the anchoring block. */
  readonly anchoredAt: number;
  readonly version: number;
  /** The version it amends (0x00… for none). */
  readonly previous: string;
  /** The anchoring transaction. */
  readonly anchorTx: string;
  /** CID string of the ciphertext (the hash the anchor commits to). */
  readonly contentCid: string;
  /** Reference to the FHIR resource this version holds, e.g. `Observation/123`, when known. */
  readonly targetReference?: string;
}

/**
 * An anchored record version as a FHIR R4 `Provenance`: target (the record), recorded (anchor time), agent (the
 * author), entity (the ciphertext CID as the hash the chain commits to, and the previous version as a revision
 * source), with the anchoring transaction as the policy reference.
 */
export function anchorToProvenance(input: ProvenanceInput, context: ChainContext): Provenance {
  const zero = /^0x0*$/.test(input.previous);
  return {
    resourceType: "Provenance",
    target: [
      input.targetReference
        ? { reference: input.targetReference }
        : { identifier: { system: URI, value: `urn:carechain:record:${input.recordId}` } },
    ],
    recorded: new Date(input.anchoredAt * 1000).toISOString(),
    policy: [`urn:carechain:tx:${input.anchorTx}`],
    activity: {
      coding: [{ system: "http://terminology.hl7.org/CodeSystem/v3-DataOperation", code: zero ? "CREATE" : "UPDATE" }],
    },
    agent: [
      {
        type: {
          coding: [{ system: "http://terminology.hl7.org/CodeSystem/provenance-participant-type", code: "author" }],
        },
        who: { identifier: { system: URI, value: accountDid(context.chainId, input.author) } },
      },
      {
        type: {
          coding: [{ system: "http://terminology.hl7.org/CodeSystem/provenance-participant-type", code: "custodian" }],
        },
        who: { identifier: { system: URI, value: accountDid(context.chainId, context.registry) } },
      },
    ],
    entity: [
      {
        role: "source",
        what: {
          identifier: { system: URI, value: `ipfs://${input.contentCid}` },
          display: `version ${input.version} ciphertext (sha2-256 CID)`,
        },
      },
      ...(zero
        ? []
        : [
            {
              role: "revision" as const,
              what: { identifier: { system: URI, value: `urn:carechain:record:${input.previous}` } },
            },
          ]),
    ],
  };
}
