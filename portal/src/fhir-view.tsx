/**
 * A readable clinical view of the common FHIR R4 resource types (Condition, Observation with values and units,
 * MedicationRequest, AllergyIntolerance, Immunization, DiagnosticReport, Encounter, Procedure, DocumentReference
 * and Media with a download of an inline attachment), the raw JSON one click away, and narratives shown only
 * through the SDK's sanitiser.
 */
import { sanitizeNarrative } from "carechain";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A CodeableConcept as words. */
export function conceptText(cc: Json | undefined): string | undefined {
  if (!cc) return undefined;
  return cc.text ?? cc.coding?.find((c: Json) => c.display)?.display ?? cc.coding?.[0]?.code;
}

function quantity(q: Json | undefined): string | undefined {
  if (!q || q.value === undefined) return undefined;
  return `${q.value} ${q.unit ?? q.code ?? ""}`.trim();
}

function observationValue(r: Json): string | undefined {
  if (r.valueQuantity) return quantity(r.valueQuantity);
  if (r.valueCodeableConcept) return conceptText(r.valueCodeableConcept);
  if (r.valueString) return r.valueString;
  if (r.component) {
    return (r.component as Json[])
      .map(
        (c) =>
          `${conceptText(c.code) ?? "?"}: ${quantity(c.valueQuantity) ?? conceptText(c.valueCodeableConcept) ?? "—"}`,
      )
      .join("; ");
  }
  return undefined;
}

function day(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toLocaleDateString(undefined, { dateStyle: "medium" });
}

/** The resource's title, clinical date and fields worth reading. */
export function summarize(r: Json): { title: string; date?: string; rows: [string, string | undefined][] } {
  const status = (s: Json | string | undefined) => (typeof s === "string" ? s : conceptText(s as Json));
  switch (r.resourceType) {
    case "Condition":
      return {
        title: conceptText(r.code) ?? "Condition",
        date: r.onsetDateTime ?? r.recordedDate,
        rows: [
          ["Clinical status", status(r.clinicalStatus)],
          ["Verification", status(r.verificationStatus)],
          ["Onset", day(r.onsetDateTime)],
        ],
      };
    case "Observation":
      return {
        title: conceptText(r.code) ?? "Observation",
        date: r.effectiveDateTime ?? r.issued,
        rows: [
          ["Value", observationValue(r)],
          ["Status", r.status],
          ["Category", r.category?.map(conceptText).join(", ")],
          ["When", day(r.effectiveDateTime)],
        ],
      };
    case "MedicationRequest":
      return {
        title: conceptText(r.medicationCodeableConcept) ?? r.medicationReference?.display ?? "Medication request",
        date: r.authoredOn,
        rows: [
          ["Dosage", r.dosageInstruction?.map((d: Json) => d.text).join("; ")],
          ["Status", r.status],
          ["Intent", r.intent],
          ["Prescribed", day(r.authoredOn)],
        ],
      };
    case "AllergyIntolerance":
      return {
        title: conceptText(r.code) ?? "Allergy",
        date: r.recordedDate ?? r.onsetDateTime,
        rows: [
          ["Clinical status", status(r.clinicalStatus)],
          ["Criticality", r.criticality],
          ["Reactions", r.reaction?.map((x: Json) => x.manifestation?.map(conceptText).join(", ")).join("; ")],
        ],
      };
    case "Immunization":
      return {
        title: conceptText(r.vaccineCode) ?? "Immunization",
        date: r.occurrenceDateTime,
        rows: [
          ["Status", r.status],
          ["Given", day(r.occurrenceDateTime)],
          ["Lot", r.lotNumber],
        ],
      };
    case "DiagnosticReport":
      return {
        title: conceptText(r.code) ?? "Diagnostic report",
        date: r.effectiveDateTime ?? r.issued,
        rows: [
          ["Conclusion", r.conclusion],
          ["Status", r.status],
          ["Results", r.result?.length ? `${r.result.length} linked result(s)` : undefined],
          ["When", day(r.effectiveDateTime)],
        ],
      };
    case "Encounter":
      return {
        title: conceptText(r.type?.[0]) ?? r.class?.display ?? "Encounter",
        date: r.period?.start,
        rows: [
          ["Class", r.class?.display ?? r.class?.code],
          ["Status", r.status],
          ["From", day(r.period?.start)],
          ["To", day(r.period?.end)],
        ],
      };
    case "Procedure":
      return {
        title: conceptText(r.code) ?? "Procedure",
        date: r.performedDateTime ?? r.performedPeriod?.start,
        rows: [
          ["Status", r.status],
          ["Performed", day(r.performedDateTime ?? r.performedPeriod?.start)],
          ["Outcome", conceptText(r.outcome)],
        ],
      };
    case "DocumentReference":
      return {
        title: r.description ?? conceptText(r.type) ?? "Document",
        date: r.date,
        rows: [
          ["Type", conceptText(r.type)],
          ["Status", r.status],
          ["Files", r.content?.map((c: Json) => c.attachment?.title ?? c.attachment?.contentType).join(", ")],
        ],
      };
    case "Media":
      return {
        title: conceptText(r.type) ?? r.content?.title ?? "Media",
        date: r.createdDateTime,
        rows: [
          ["Status", r.status],
          ["File", r.content?.title ?? r.content?.contentType],
        ],
      };
    default:
      return { title: r.resourceType ?? "Resource", rows: [["Type", r.resourceType]] };
  }
}

/** Inline attachments (base64 `data`) of a DocumentReference or Media. */
function attachments(r: Json): Json[] {
  if (r.resourceType === "DocumentReference")
    return (r.content ?? []).map((c: Json) => c.attachment).filter((a: Json) => a?.data);
  if (r.resourceType === "Media" && r.content?.data) return [r.content];
  return [];
}

function download(attachment: Json, index: number): void {
  const bytes = Uint8Array.from(atob(attachment.data as string), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: attachment.contentType ?? "application/octet-stream" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = attachment.title ?? `attachment-${index + 1}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The clinical view of one resource. */
export function ClinicalView({ resource }: { resource: Json }) {
  const { title, rows } = summarize(resource);
  let narrative: string | undefined;
  let narrativeRefused = false;
  if (typeof resource.text?.div === "string") {
    try {
      narrative = sanitizeNarrative(resource.text.div);
    } catch {
      narrativeRefused = true;
    }
  }
  return (
    <div class="clinical">
      <h4>
        <span class="type">{resource.resourceType}</span> {title}
      </h4>
      <dl>
        {rows
          .filter(([, v]) => v)
          .map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
      </dl>
      {attachments(resource).map((a, i) => (
        <button type="button" key={i} onClick={() => download(a, i)}>
          Download {a.title ?? `attachment ${i + 1}`}
        </button>
      ))}
      {narrative !== undefined && (
        // The SDK's sanitiser is the only path to the DOM for a record's narrative.
        <div class="narrative" dangerouslySetInnerHTML={{ __html: narrative }} />
      )}
      {narrativeRefused && <p class="muted">The record's narrative was refused by the sanitiser and is not shown.</p>}
      <details class="raw">
        <summary>Raw FHIR JSON</summary>
        <pre>{JSON.stringify(resource, null, 2)}</pre>
      </details>
    </div>
  );
}
