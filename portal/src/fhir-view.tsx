/**
 * A readable clinical view of the common FHIR R4 resource types (Condition, Observation with values and units,
 * MedicationRequest, AllergyIntolerance, Immunization, DiagnosticReport, Encounter, Procedure, DocumentReference
 * and Media with a download of an inline attachment), the raw JSON one click away, and narratives shown only
 * through the SDK's sanitiser.
 */
import { sanitizeNarrative } from "carechain";

/** A JSON object read field by field: every value is checked before it is used. */
type Json = Readonly<Record<string, unknown>>;

/** The value as a JSON object, or undefined when it is not one (absent, a primitive or an array). */
function obj(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** The value when it is a string. */
function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** One field of a value that may or may not be a JSON object. */
function field(value: unknown, key: string): unknown {
  return obj(value)?.[key];
}

/** The value's elements, mapped, when it is an array; undefined otherwise. */
function mapList<T>(value: unknown, f: (item: unknown) => T): T[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const items: readonly unknown[] = value;
  return items.map(f);
}

/** A CodeableConcept as words. */
export function conceptText(cc: unknown): string | undefined {
  const concept = obj(cc);
  if (!concept) return undefined;
  const codings = mapList(concept.coding, obj) ?? [];
  return str(concept.text) ?? str(codings.find((c) => c?.display)?.display) ?? str(codings[0]?.code);
}

function quantity(value: unknown): string | undefined {
  const q = obj(value);
  if (q?.value === undefined) return undefined;
  const amount = typeof q.value === "number" || typeof q.value === "string" ? q.value : JSON.stringify(q.value);
  return `${amount} ${str(q.unit) ?? str(q.code) ?? ""}`.trim();
}

function observationValue(r: Json): string | undefined {
  if (r.valueQuantity) return quantity(r.valueQuantity);
  if (r.valueCodeableConcept) return conceptText(r.valueCodeableConcept);
  if (r.valueString) return str(r.valueString);
  return mapList(
    r.component,
    (c) =>
      `${conceptText(field(c, "code")) ?? "?"}: ${quantity(field(c, "valueQuantity")) ?? conceptText(field(c, "valueCodeableConcept")) ?? "—"}`,
  )?.join("; ");
}

function day(value: unknown): string | undefined {
  if (typeof value !== "string" || !value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toLocaleDateString(undefined, { dateStyle: "medium" });
}

/** The resource's title, clinical date and fields worth reading. */
export function summarize(resource: object): { title: string; date?: string; rows: [string, string | undefined][] } {
  const r = obj(resource) ?? {};
  const status = (s: unknown) => str(s) ?? conceptText(s);
  switch (r.resourceType) {
    case "Condition":
      return {
        title: conceptText(r.code) ?? "Condition",
        date: str(r.onsetDateTime) ?? str(r.recordedDate),
        rows: [
          ["Clinical status", status(r.clinicalStatus)],
          ["Verification", status(r.verificationStatus)],
          ["Onset", day(r.onsetDateTime)],
        ],
      };
    case "Observation":
      return {
        title: conceptText(r.code) ?? "Observation",
        date: str(r.effectiveDateTime) ?? str(r.issued),
        rows: [
          ["Value", observationValue(r)],
          ["Status", str(r.status)],
          ["Category", mapList(r.category, conceptText)?.join(", ")],
          ["When", day(r.effectiveDateTime)],
        ],
      };
    case "MedicationRequest":
      return {
        title:
          conceptText(r.medicationCodeableConcept) ??
          str(field(r.medicationReference, "display")) ??
          "Medication request",
        date: str(r.authoredOn),
        rows: [
          ["Dosage", mapList(r.dosageInstruction, (d) => str(field(d, "text")))?.join("; ")],
          ["Status", str(r.status)],
          ["Intent", str(r.intent)],
          ["Prescribed", day(r.authoredOn)],
        ],
      };
    case "AllergyIntolerance":
      return {
        title: conceptText(r.code) ?? "Allergy",
        date: str(r.recordedDate) ?? str(r.onsetDateTime),
        rows: [
          ["Clinical status", status(r.clinicalStatus)],
          ["Criticality", str(r.criticality)],
          [
            "Reactions",
            mapList(r.reaction, (x) => mapList(field(x, "manifestation"), conceptText)?.join(", "))?.join("; "),
          ],
        ],
      };
    case "Immunization":
      return {
        title: conceptText(r.vaccineCode) ?? "Immunization",
        date: str(r.occurrenceDateTime),
        rows: [
          ["Status", str(r.status)],
          ["Given", day(r.occurrenceDateTime)],
          ["Lot", str(r.lotNumber)],
        ],
      };
    case "DiagnosticReport": {
      const results = mapList(r.result, (x) => x)?.length ?? 0;
      return {
        title: conceptText(r.code) ?? "Diagnostic report",
        date: str(r.effectiveDateTime) ?? str(r.issued),
        rows: [
          ["Conclusion", str(r.conclusion)],
          ["Status", str(r.status)],
          ["Results", results ? `${results} linked result(s)` : undefined],
          ["When", day(r.effectiveDateTime)],
        ],
      };
    }
    case "Encounter": {
      const period = obj(r.period);
      return {
        title: conceptText(mapList(r.type, (x) => x)?.[0]) ?? str(field(r.class, "display")) ?? "Encounter",
        date: str(period?.start),
        rows: [
          ["Class", str(field(r.class, "display")) ?? str(field(r.class, "code"))],
          ["Status", str(r.status)],
          ["From", day(period?.start)],
          ["To", day(period?.end)],
        ],
      };
    }
    case "Procedure": {
      const performed = str(r.performedDateTime) ?? str(field(r.performedPeriod, "start"));
      return {
        title: conceptText(r.code) ?? "Procedure",
        date: performed,
        rows: [
          ["Status", str(r.status)],
          ["Performed", day(performed)],
          ["Outcome", conceptText(r.outcome)],
        ],
      };
    }
    case "DocumentReference":
      return {
        title: str(r.description) ?? conceptText(r.type) ?? "Document",
        date: str(r.date),
        rows: [
          ["Type", conceptText(r.type)],
          ["Status", str(r.status)],
          [
            "Files",
            mapList(r.content, (c) => {
              const attachment = field(c, "attachment");
              return str(field(attachment, "title")) ?? str(field(attachment, "contentType"));
            })?.join(", "),
          ],
        ],
      };
    case "Media":
      return {
        title: conceptText(r.type) ?? str(field(r.content, "title")) ?? "Media",
        date: str(r.createdDateTime),
        rows: [
          ["Status", str(r.status)],
          ["File", str(field(r.content, "title")) ?? str(field(r.content, "contentType"))],
        ],
      };
    default:
      return { title: str(r.resourceType) ?? "Resource", rows: [["Type", str(r.resourceType)]] };
  }
}

/** An inline attachment: its base64 bytes, media type and title. */
interface Attachment {
  data: string;
  contentType?: string;
  title?: string;
}

/** The attachment when it carries inline (base64) data. */
function inline(value: unknown): Attachment | undefined {
  const a = obj(value);
  const data = str(a?.data);
  if (!a || !data) return undefined;
  return { data, contentType: str(a.contentType), title: str(a.title) };
}

/** Inline attachments (base64 `data`) of a DocumentReference or Media. */
function attachments(r: Json): Attachment[] {
  if (r.resourceType === "DocumentReference")
    return (mapList(r.content, (c) => inline(field(c, "attachment"))) ?? []).filter((a) => a !== undefined);
  if (r.resourceType === "Media") {
    const media = inline(r.content);
    return media ? [media] : [];
  }
  return [];
}

function download(attachment: Attachment, index: number): void {
  const bytes = Uint8Array.from(atob(attachment.data), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: attachment.contentType ?? "application/octet-stream" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = attachment.title ?? `attachment-${index + 1}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The clinical view of one resource. */
export function ClinicalView({ resource }: { resource: object }) {
  const r = obj(resource) ?? {};
  const { title, rows } = summarize(resource);
  let narrative: string | undefined;
  let narrativeRefused = false;
  const div = field(r.text, "div");
  if (typeof div === "string") {
    try {
      narrative = sanitizeNarrative(div);
    } catch {
      narrativeRefused = true;
    }
  }
  return (
    <div class="clinical">
      <h4>
        <span class="type">{str(r.resourceType)}</span> {title}
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
      {attachments(r).map((a, i) => (
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
