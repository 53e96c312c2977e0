/**
 * Strict rule per-1: a Period's start is not after its end. @medplum/core never evaluates data-type
 * invariants, so this runs for every Period-typed value (Encounter.period, Observation.effectivePeriod,
 * Identifier.period, …). Values of different precision are compared at their shared precision (2020-01 and
 * 2020-01-15 are not ordered, so they pass); two values with a time are compared as instants (timezones applied).
 * @internal
 */
import { R4_PATTERNS } from "./primitives.js";
import type { FhirNode, Report, RuleVisitor, StrictRule } from "../rule.js";

const DATE_TIME = new RegExp(`^(?:${R4_PATTERNS.dateTime})$`);

interface ParsedDateTime {
  /** Year, month, day as far as given. */
  readonly date: number[];
  /** With a time: seconds since the epoch (UTC) and the fraction digits. */
  readonly instant?: { seconds: number; fraction: string };
}

/** Parses an R4 dateTime (undefined when it is not one: the format rule reports that). */
export function parseDateTime(value: string): ParsedDateTime | undefined {
  if (!DATE_TIME.test(value)) return undefined;
  const [datePart = "", timePart] = value.split("T");
  const date = datePart.split("-").map(Number);
  if (timePart === undefined) return { date };
  const m = /^(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(timePart);
  if (!m) return undefined;
  const [, hh, mm, ss, fraction = "", zone = "Z"] = m;
  let offset = 0;
  if (zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const utc = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps the years 0-99 to 1900-1999.
  // With a time the date is complete (DATE_TIME), so the defaults never apply.
  const [year = 0, month = 1, day = 1] = date;
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(Number(hh), Number(mm) - offset, Number(ss), 0);
  const ms = utc.getTime();
  return { date, instant: { seconds: ms / 1000, fraction } };
}

/**
 * Compares two R4 dateTimes at their shared precision.
 * @returns Negative, zero or positive; undefined when either is not a valid dateTime.
 */
export function compareDateTimes(a: string, b: string): number | undefined {
  const x = parseDateTime(a);
  const y = parseDateTime(b);
  if (!x || !y) return undefined;
  if (x.instant && y.instant) {
    if (x.instant.seconds !== y.instant.seconds) return x.instant.seconds - y.instant.seconds;
    const width = Math.max(x.instant.fraction.length, y.instant.fraction.length);
    const fx = x.instant.fraction.padEnd(width, "0");
    const fy = y.instant.fraction.padEnd(width, "0");
    return fx < fy ? -1 : fx > fy ? 1 : 0;
  }
  const shared = Math.min(x.date.length, y.date.length);
  for (let i = 0; i < shared; i++) {
    const dx = x.date[i] ?? 0;
    const dy = y.date[i] ?? 0; // i < shared: both present
    if (dx !== dy) return dx - dy;
  }
  return 0;
}

/** The rule. */
export const periodRule: StrictRule = {
  name: "Period start <= end (per-1)",
  start: () => VISITOR,
};

const VISITOR: RuleVisitor = { visit };

function visit(node: FhirNode, report: Report): void {
  if (node.type !== "Period") return;
  const { start, end } = node.value as { start?: unknown; end?: unknown };
  if (typeof start !== "string" || typeof end !== "string") return;
  const order = compareDateTimes(start, end);
  if (order !== undefined && order > 0) {
    report(node.path, `start (${start}) is after end (${end}) (per-1)`);
  }
}
