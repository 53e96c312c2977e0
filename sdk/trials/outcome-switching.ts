/**
 * Outcome-switching detection: a results report's endpoints against the endpoints registered before the first
 * enrolment. Every endpoint added, dropped, changed, promoted or demoted is flagged, with the amendment that made the
 * change (if one did, and whether it came after enrolment) or none (a silent switch in the report).
 */
import type { Endpoint, StudyEndpoints } from "./endpoints.js";

/** One amendment as the history shows it. */
export interface AmendmentRecord {
  readonly version: number;
  readonly endpoints: StudyEndpoints;
  readonly reason: string;
  readonly afterEnrolment: boolean;
}

/** A flagged difference between the registered and the reported endpoints. */
export interface OutcomeSwitch {
  readonly kind: "added" | "dropped" | "changed" | "promoted" | "demoted";
  readonly endpointId: string;
  /** The registered endpoint (absent when added). */
  readonly registered?: Endpoint;
  /** The reported endpoint (absent when dropped). */
  readonly reported?: Endpoint;
  /** The amendment whose endpoints first contain the reported form, if any did (else the switch is silent). */
  readonly amendment?: { readonly version: number; readonly reason: string; readonly afterEnrolment: boolean };
}

/**
 * Compares reported endpoints with registered ones.
 * @param registered - The endpoints in force at the first enrolment.
 * @param reported - The endpoints the results report on.
 * @param amendments - Later versions, in order, with their reasons (to say which amendment made each change).
 * @returns Every switch; empty when the report is as registered.
 */
export function detectOutcomeSwitching(
  registered: StudyEndpoints,
  reported: StudyEndpoints,
  amendments: readonly AmendmentRecord[] = [],
): OutcomeSwitch[] {
  const before = roles(registered);
  const after = roles(reported);
  const switches: OutcomeSwitch[] = [];
  const explain = (id: string, inReport: Endpoint | undefined, role: Role | undefined) => {
    const found = amendments.find((a) => {
      const r = roles(a.endpoints).get(id);
      return inReport === undefined
        ? r === undefined
        : r !== undefined && r.role === role && same(r.endpoint, inReport);
    });
    return found
      ? { amendment: { version: found.version, reason: found.reason, afterEnrolment: found.afterEnrolment } }
      : {};
  };
  for (const [id, was] of before) {
    const now = after.get(id);
    if (!now) {
      switches.push({
        kind: "dropped",
        endpointId: id,
        registered: was.endpoint,
        ...explain(id, undefined, undefined),
      });
    } else if (!same(was.endpoint, now.endpoint)) {
      switches.push({
        kind: "changed",
        endpointId: id,
        registered: was.endpoint,
        reported: now.endpoint,
        ...explain(id, now.endpoint, now.role),
      });
    } else if (was.role !== now.role) {
      const kind = now.role === "primary" ? "promoted" : "demoted";
      switches.push({
        kind,
        endpointId: id,
        registered: was.endpoint,
        reported: now.endpoint,
        ...explain(id, now.endpoint, now.role),
      });
    }
  }
  for (const [id, now] of after) {
    if (!before.has(id))
      switches.push({ kind: "added", endpointId: id, reported: now.endpoint, ...explain(id, now.endpoint, now.role) });
  }
  return switches;
}

type Role = "primary" | "secondary";

function roles(endpoints: StudyEndpoints): Map<string, { role: Role; endpoint: Endpoint }> {
  return new Map([
    ...endpoints.primary.map((e): [string, { role: Role; endpoint: Endpoint }] => [
      e.id,
      { role: "primary", endpoint: e },
    ]),
    ...endpoints.secondary.map((e): [string, { role: Role; endpoint: Endpoint }] => [
      e.id,
      { role: "secondary", endpoint: e },
    ]),
  ]);
}

function same(a: Endpoint, b: Endpoint): boolean {
  return a.measure === b.measure && a.timeFrame === b.timeFrame;
}
