/**
 * Activity: the patient's audit trail as a timeline, newest first — reads with their purpose, writes, grants and
 * revocations, break-glass and key releases in red — refreshed by polling the chain, exportable as a FHIR
 * AuditEvent bundle and the grants as a Consent bundle.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { auditEntryToFhir, grantToConsent, PURPOSE_DISPLAY, type AuditEntry } from "carechain";

import type { NameOf } from "../errors.js";
import type { Session } from "../session.js";
import { ErrorNotice, dateTime, downloadJson } from "../ui.js";

/** How often the timeline asks the chain for new events. */
export const POLL_MS = 2000;

const EMERGENCY = new Set(["BreakGlassOpened", "BreakGlassClosed", "EmergencyKeyReleased"]);
/** Break-glass entries, and reads made under it (purpose break-the-glass or emergency treatment), are shown in red. */
const isEmergency = (e: AuditEntry) =>
  EMERGENCY.has(e.kind) || (e.kind === "RecordAccessed" && (e.purpose === "BTG" || e.purpose === "ETREAT"));

/** One entry as a sentence. */
function describe(e: AuditEntry, name: NameOf): string {
  const who = name(e.actor);
  const other = e.counterpart ? name(e.counterpart) : "";
  switch (e.kind) {
    case "RecordAccessed":
      return `${who} read a record for ${e.purpose ? PURPOSE_DISPLAY[e.purpose] : "an unstated purpose"}`;
    case "RecordAnchored":
      return `${who} added a record`;
    case "BatchAnchored":
      return `${who} added a batch of records`;
    case "ConsentGranted":
      return `${who} granted access to ${other}`;
    case "ConsentRevoked":
      return `${who} revoked the access of ${other}`;
    case "DelegateAdded":
      return `${who} named ${other} as a delegate`;
    case "DelegateRemoved":
      return `${who} removed the delegate ${other}`;
    case "EmergencyCategoriesSet":
      return `${who} set the emergency categories`;
    case "BreakGlassOpened":
      return `${who} opened emergency (break-glass) access`;
    case "BreakGlassClosed":
      return `${who} closed emergency (break-glass) access${other && e.counterpart !== e.actor ? ` of ${other}` : ""}`;
    case "KeyringPublished":
      return `${who} shared record keys${other ? ` with ${other}` : ""}`;
    case "EmergencyKeyReleased":
      return `The emergency custodian released a record key to ${other || "a provider"}`;
    default:
      return `${e.kind} by ${who}`;
  }
}

/** The activity page. */
export function Activity({ session, name }: { session: Session; name: NameOf }) {
  const [entries, setEntries] = useState<AuditEntry[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [polledAt, setPolledAt] = useState<number | undefined>();
  const [polls, setPolls] = useState(0);
  const busy = useRef(false);
  useEffect(() => {
    let live = true;
    const poll = async () => {
      if (busy.current) return;
      busy.current = true;
      try {
        const trail = await session.client.auditTrail(session.address);
        if (!live) return;
        setEntries(trail);
        setError(undefined);
        setPolledAt(Date.now());
        setPolls((n) => n + 1);
      } catch (e) {
        if (live) setError(e);
      } finally {
        busy.current = false;
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [session]);
  const exportAudit = () =>
    downloadJson("carechain-audit-events.json", {
      resourceType: "Bundle",
      type: "collection",
      entry: (entries ?? []).map((e) => ({ resource: auditEntryToFhir(e, session.chainId) })),
    });
  const exportConsents = async () => {
    try {
      const grants = await session.client.listGrants(session.address);
      const registry = await session.client.contracts.consent.getAddress();
      downloadJson("carechain-consents.json", {
        resourceType: "Bundle",
        type: "collection",
        entry: grants.map((g) => ({ resource: grantToConsent(g, { chainId: session.chainId, registry }) })),
      });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-labelledby="activity-title" data-polls={polls}>
      <h2 id="activity-title">Activity</h2>
      <p class="muted" aria-live="off">
        Updated every {POLL_MS / 1000} s from the chain
        {polledAt ? `; last at ${new Date(polledAt).toLocaleTimeString()}` : ""}.{" "}
        <button type="button" onClick={exportAudit} disabled={!entries}>
          Export as FHIR AuditEvent bundle
        </button>{" "}
        <button type="button" onClick={() => void exportConsents()}>
          Export grants as FHIR Consent bundle
        </button>
      </p>
      <ErrorNotice error={error} name={name} />
      {!entries && !error && <p role="status">Loading the audit trail…</p>}
      <ol class="timeline" aria-label="Audit trail, newest first">
        {(entries ?? [])
          .slice()
          .reverse()
          .map((e) => (
            <li
              key={`${e.tx}-${e.kind}-${e.recordId ?? ""}-${e.counterpart ?? ""}`}
              class={isEmergency(e) ? "emergency" : ""}
              data-kind={e.kind}
              data-actor={e.actor}
            >
              <span class="when">{dateTime(e.time)}</span> {describe(e, name)}
              <span class="muted"> · block {e.block}</span>
            </li>
          ))}
      </ol>
    </section>
  );
}
