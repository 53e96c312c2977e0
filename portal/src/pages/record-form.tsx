/**
 * Adding a record from a form for a few common types (Condition, Observation, AllergyIntolerance, Immunization):
 * the form builds the FHIR resource, the SDK's validator checks it in the page, and each problem is shown under
 * the field it concerns (by its FHIR path); nothing is sent while any remains.
 */
import { useState } from "preact/hooks";
import { FhirValidationError } from "carechain";

import type { NameOf } from "../errors.js";
import type { Session } from "../session.js";
import { ErrorNotice, Status, useAction } from "../ui.js";

type Values = Record<string, string>;
/** A form field: free text, a date, or one of a list of options. */
type Field =
  | { readonly id: string; readonly label: string; readonly kind?: "date" }
  | { readonly id: string; readonly label: string; readonly kind: "select"; readonly options: readonly string[] };
interface FormType {
  readonly fields: readonly Field[];
  readonly build: (v: Values, patient: string) => Record<string, unknown>;
  /** FHIR path prefixes → the field their problems are shown under. */
  readonly paths: readonly (readonly [string, string])[];
}

const text = (value: string | undefined) => (value?.trim() ? { text: value.trim() } : undefined);
const date = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
/** A number when the text is one; otherwise the text itself, for the validator to refuse with its path. */
const numberOrText = (value: string | undefined) =>
  value?.trim() && Number.isFinite(Number(value)) ? Number(value) : value?.trim() || undefined;
const subject = (patient: string) => ({ reference: `Patient/${patient}` });

const FORMS = {
  Observation: {
    fields: [
      { id: "code", label: "What was measured" },
      { id: "category", label: "Category", kind: "select", options: ["laboratory", "vital-signs"] },
      { id: "value", label: "Value" },
      { id: "unit", label: "Unit (UCUM, e.g. mg/dL)" },
      { id: "date", label: "When", kind: "date" },
    ],
    build: (v, patient) => ({
      resourceType: "Observation",
      status: "final",
      category: [
        { coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: v.category }] },
      ],
      code: text(v.code),
      subject: subject(patient),
      effectiveDateTime: date(v.date),
      valueQuantity:
        v.value?.trim() || v.unit?.trim()
          ? {
              value: numberOrText(v.value),
              unit: v.unit?.trim() || undefined,
              system: "http://unitsofmeasure.org",
              code: v.unit?.trim() || undefined,
            }
          : undefined,
    }),
    paths: [
      ["Observation.code", "code"],
      ["Observation.category", "category"],
      ["Observation.value", "value"],
      ["Observation.effective", "date"],
    ],
  },
  Condition: {
    fields: [
      { id: "code", label: "Condition" },
      { id: "clinicalStatus", label: "Clinical status", kind: "select", options: ["active", "resolved", "inactive"] },
      { id: "onset", label: "Onset", kind: "date" },
    ],
    build: (v, patient) => ({
      resourceType: "Condition",
      clinicalStatus: {
        coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: v.clinicalStatus }],
      },
      code: text(v.code),
      subject: subject(patient),
      onsetDateTime: date(v.onset),
    }),
    paths: [
      ["Condition.code", "code"],
      ["Condition.clinicalStatus", "clinicalStatus"],
      ["Condition.onset", "onset"],
    ],
  },
  AllergyIntolerance: {
    fields: [
      { id: "code", label: "Substance" },
      { id: "criticality", label: "Criticality", kind: "select", options: ["low", "high", "unable-to-assess"] },
    ],
    build: (v, patient) => ({
      resourceType: "AllergyIntolerance",
      clinicalStatus: {
        coding: [{ system: "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", code: "active" }],
      },
      criticality: v.criticality,
      code: text(v.code),
      patient: subject(patient),
    }),
    paths: [
      ["AllergyIntolerance.code", "code"],
      ["AllergyIntolerance.criticality", "criticality"],
    ],
  },
  Immunization: {
    fields: [
      { id: "code", label: "Vaccine" },
      { id: "date", label: "Given on", kind: "date" },
    ],
    build: (v, patient) => ({
      resourceType: "Immunization",
      status: "completed",
      vaccineCode: text(v.code),
      patient: subject(patient),
      occurrenceDateTime: date(v.date),
    }),
    paths: [
      ["Immunization.vaccineCode", "code"],
      ["Immunization.occurrence", "date"],
    ],
  },
} satisfies Record<string, FormType>;
type FormName = keyof typeof FORMS;

/** Whether the name is one of the forms (the type picker offers only these). */
function isFormName(name: string): name is FormName {
  return Object.hasOwn(FORMS, name);
}

/** A validator message in a form's words (the FHIR path is the field itself). */
function inFormWords(message: string): string {
  if (message.includes("expected number")) return "Enter a number.";
  if (message.includes("Missing required property")) return "Required.";
  if (/dateTime|date format|Invalid date/i.test(message)) return `Enter a date (${message}).`;
  return message;
}

/** Drops undefined members (the form leaves empty fields out). */
function clean(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** The form. */
export function RecordForm({ session, patient, name }: { session: Session; patient: string; name: NameOf }) {
  const [type, setType] = useState<FormName>("Observation");
  const [values, setValues] = useState<Values>({
    category: "laboratory",
    clinicalStatus: "active",
    criticality: "high",
  });
  const [problems, setProblems] = useState<Record<string, string[]>>({});
  const form: FormType = FORMS[type];
  const otherProblems = problems._other ?? [];
  const add = useAction(async () => {
    setProblems({});
    const resource = clean(form.build(values, patient));
    try {
      session.validator.validate(resource);
    } catch (error) {
      if (error instanceof FhirValidationError) {
        const byField: Record<string, string[]> = {};
        for (const issue of error.issues) {
          const field = form.paths.find(([prefix]) => issue.path.startsWith(prefix))?.[1] ?? "_other";
          (byField[field] ??= []).push(
            field === "_other" ? `${issue.path}: ${issue.message}` : inFormWords(issue.message),
          );
        }
        setProblems(byField);
      }
      throw error;
    }
    add.setProgress(`Encrypting, storing and anchoring the ${type} (confirm in your wallet)…`);
    const added = await session.client.addRecord(patient, resource);
    return `${type} anchored in block ${added.blockNumber}`;
  });
  const set = (id: string, value: string) => {
    setValues({ ...values, [id]: value });
    if (problems[id]) setProblems({ ...problems, [id]: [] });
  };
  return (
    <form
      class="record-form"
      aria-labelledby="form-title"
      onSubmit={(e) => {
        e.preventDefault();
        void add.run();
      }}
    >
      <h3 id="form-title">Fill in a form</h3>
      <p>
        <label for="form-type">Record type </label>
        <select
          id="form-type"
          value={type}
          onChange={(e) => {
            const picked = (e.target as HTMLSelectElement).value;
            if (isFormName(picked)) setType(picked);
            setProblems({});
            add.reset();
          }}
        >
          {Object.keys(FORMS).map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </p>
      {form.fields.map((f) => {
        const id = `form-${f.id}`;
        const errors = problems[f.id] ?? [];
        const describedBy = errors.length > 0 ? `${id}-problems` : undefined;
        const common = {
          id,
          "aria-invalid": errors.length > 0,
          "aria-describedby": describedBy,
        };
        return (
          <p key={`${type}-${f.id}`} class="field">
            <label for={id}>{f.label} </label>
            {f.kind === "select" ? (
              <select
                {...common}
                value={values[f.id]}
                onChange={(e) => set(f.id, (e.target as HTMLSelectElement).value)}
              >
                {f.options.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            ) : f.kind === "date" ? (
              <input
                {...common}
                type="date"
                value={values[f.id] ?? ""}
                onInput={(e) => set(f.id, (e.target as HTMLInputElement).value)}
              />
            ) : (
              <input
                {...common}
                type="text"
                value={values[f.id] ?? ""}
                onInput={(e) => set(f.id, (e.target as HTMLInputElement).value)}
              />
            )}
            {errors.length > 0 && (
              <span id={describedBy} class="field-problems">
                {errors.join("; ")}
              </span>
            )}
          </p>
        );
      })}
      {otherProblems.length > 0 && (
        <ul class="issues" aria-label="Other validation problems">
          {otherProblems.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
      <button type="submit" class="primary" disabled={add.busy}>
        Add from the form
      </button>
      {add.busy && <Status>{add.progress ?? "Validating…"}</Status>}
      {add.result && <Status kind="ok">Added: {add.result}.</Status>}
      <ErrorNotice error={add.error} name={name} />
    </form>
  );
}
