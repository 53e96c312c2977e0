/**
 * A seeded synthetic FHIR R4 generator: realistic-looking but entirely made-up patients and records, so the
 * pilot never needs real PHI. The same seed always gives the same data.
 */

/** A seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GIVEN = [
  "Amara",
  "Bohdan",
  "Chiara",
  "Dmitri",
  "Elif",
  "Farouk",
  "Greta",
  "Hiroshi",
  "Ingrid",
  "Jomo",
  "Kalani",
  "Lucía",
];
const FAMILY = [
  "Okafor",
  "Kowalczyk",
  "Esposito",
  "Volkov",
  "Yılmaz",
  "Haddad",
  "Lindqvist",
  "Tanaka",
  "Berg",
  "Mwangi",
  "Kahale",
  "Ordóñez",
];
const CONDITIONS = [
  ["44054006", "Diabetes mellitus type 2"],
  ["38341003", "Hypertensive disorder"],
  ["195967001", "Asthma"],
  ["35489007", "Depressive disorder"],
  ["13645005", "Chronic obstructive lung disease"],
] as const;
const MEDICATIONS = [
  ["860975", "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet"],
  ["314076", "lisinopril 10 MG Oral Tablet"],
  ["895994", "120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler"],
  ["312938", "sertraline 100 MG Oral Tablet"],
] as const;
const ALLERGIES = [
  ["91936005", "Allergy to penicillin"],
  ["300913006", "Shellfish allergy"],
  ["418689008", "Allergy to grass pollen"],
] as const;
const VACCINES = [
  ["140", "Influenza, seasonal, injectable, preservative free"],
  ["208", "SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose"],
  ["115", "Tdap"],
] as const;

/** One synthetic patient and their records (all FHIR R4 JSON). */
export interface SyntheticPatient {
  /** The Patient resource. */
  readonly patient: Record<string, unknown>;
  /** Clinical records about the patient, in a realistic order. */
  readonly records: Record<string, unknown>[];
}

/**
 * Generates patient number `index` of the seeded population.
 * @param seed - Population seed.
 * @param index - Patient number (0-based).
 */
export function syntheticPatient(seed: number, index: number): SyntheticPatient {
  const r = rng(seed * 1_000_003 + index);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
  const id = `syn-${seed}-${index}`;
  const given = pick(GIVEN);
  const family = pick(FAMILY);
  const year = 1940 + Math.floor(r() * 70);
  const birthDate = `${year}-${String(1 + Math.floor(r() * 12)).padStart(2, "0")}-${String(1 + Math.floor(r() * 28)).padStart(2, "0")}`;
  const mrn = `MRN${String(Math.floor(r() * 1e8)).padStart(8, "0")}`;
  const phone = `+1-555-${String(Math.floor(r() * 1e7)).padStart(7, "0")}`;
  const subject = { reference: `Patient/${id}`, display: `${given} ${family}` };
  const when = (days: number) => new Date(Date.UTC(2026, 0, 1) + days * 86_400_000).toISOString().replace(".000", "");

  const patient = {
    resourceType: "Patient",
    id,
    identifier: [{ system: "urn:oid:2.16.840.1.113883.19.5", value: mrn }],
    name: [{ use: "official", family, given: [given] }],
    telecom: [{ system: "phone", value: phone, use: "mobile" }],
    gender: r() < 0.5 ? "female" : "male",
    birthDate,
    address: [
      {
        line: [`${1 + Math.floor(r() * 999)} ${pick(["Linden", "Harbor", "Maple", "Cedar"])} Street`],
        city: pick(["Springfield", "Riverton", "Lakeside"]),
        postalCode: String(10000 + Math.floor(r() * 89999)),
        country: "US",
      },
    ],
  };
  const encounterId = `${id}-enc-1`;
  const [conditionCode, conditionText] = pick(CONDITIONS);
  const [medCode, medText] = pick(MEDICATIONS);
  const [allergyCode, allergyText] = pick(ALLERGIES);
  const [cvx, vaccineText] = pick(VACCINES);
  const systolic = 105 + Math.floor(r() * 50);
  const records: Record<string, unknown>[] = [
    {
      resourceType: "Encounter",
      id: encounterId,
      status: "finished",
      class: { system: "http://terminology.hl7.org/CodeSystem/v3-ActCode", code: "AMB", display: "ambulatory" },
      type: [{ coding: [{ system: "http://snomed.info/sct", code: "185349003", display: "Encounter for check up" }] }],
      subject,
      period: { start: when(10), end: when(10) },
    },
    {
      resourceType: "Observation",
      id: `${id}-obs-bp`,
      status: "final",
      category: [
        { coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "vital-signs" }] },
      ],
      code: { coding: [{ system: "http://loinc.org", code: "85354-9", display: "Blood pressure panel" }] },
      subject,
      encounter: { reference: `Encounter/${encounterId}` },
      effectiveDateTime: when(10),
      component: [
        {
          code: { coding: [{ system: "http://loinc.org", code: "8480-6", display: "Systolic blood pressure" }] },
          valueQuantity: { value: systolic, unit: "mm[Hg]", system: "http://unitsofmeasure.org", code: "mm[Hg]" },
        },
        {
          code: { coding: [{ system: "http://loinc.org", code: "8462-4", display: "Diastolic blood pressure" }] },
          valueQuantity: {
            value: 60 + Math.floor(r() * 35),
            unit: "mm[Hg]",
            system: "http://unitsofmeasure.org",
            code: "mm[Hg]",
          },
        },
      ],
    },
    {
      resourceType: "Condition",
      id: `${id}-cond-1`,
      clinicalStatus: {
        coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: "active" }],
      },
      verificationStatus: {
        coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-ver-status", code: "confirmed" }],
      },
      code: {
        coding: [{ system: "http://snomed.info/sct", code: conditionCode, display: conditionText }],
        text: conditionText,
      },
      subject,
      onsetDateTime: when(-400 - Math.floor(r() * 2000)),
    },
    {
      resourceType: "MedicationRequest",
      id: `${id}-med-1`,
      status: "active",
      intent: "order",
      medicationCodeableConcept: {
        coding: [{ system: "http://www.nlm.nih.gov/research/umls/rxnorm", code: medCode, display: medText }],
        text: medText,
      },
      subject,
      authoredOn: when(10),
      dosageInstruction: [{ text: "Take one tablet by mouth daily" }],
    },
    {
      resourceType: "AllergyIntolerance",
      id: `${id}-alg-1`,
      clinicalStatus: {
        coding: [{ system: "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", code: "active" }],
      },
      code: { coding: [{ system: "http://snomed.info/sct", code: allergyCode, display: allergyText }] },
      patient: subject,
    },
    {
      resourceType: "Immunization",
      id: `${id}-imm-1`,
      status: "completed",
      vaccineCode: { coding: [{ system: "http://hl7.org/fhir/sid/cvx", code: cvx, display: vaccineText }] },
      patient: subject,
      occurrenceDateTime: when(30),
    },
    {
      resourceType: "Observation",
      id: `${id}-obs-hba1c`,
      status: "final",
      category: [
        { coding: [{ system: "http://terminology.hl7.org/CodeSystem/observation-category", code: "laboratory" }] },
      ],
      code: {
        coding: [{ system: "http://loinc.org", code: "4548-4", display: "Hemoglobin A1c/Hemoglobin.total in Blood" }],
      },
      subject,
      effectiveDateTime: when(12),
      valueQuantity: {
        value: Math.round((5 + r() * 4) * 10) / 10,
        unit: "%",
        system: "http://unitsofmeasure.org",
        code: "%",
      },
    },
    {
      resourceType: "DiagnosticReport",
      id: `${id}-dr-1`,
      status: "final",
      category: [{ coding: [{ system: "http://terminology.hl7.org/CodeSystem/v2-0074", code: "LAB" }] }],
      code: { coding: [{ system: "http://loinc.org", code: "4548-4", display: "Hemoglobin A1c" }] },
      subject,
      effectiveDateTime: when(12),
      result: [{ reference: `Observation/${id}-obs-hba1c` }],
      conclusion: "HbA1c reviewed with the patient.",
    },
  ];
  return { patient, records };
}

/** The strings that identify a patient or describe their care: what the privacy scan looks for on chain. */
export function identifyingStrings(resources: readonly unknown[], minLength = 4): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, key: string): void => {
    if (typeof value === "string") {
      if (value.length >= minLength && !IGNORED_KEYS.has(key) && !value.startsWith("http")) found.add(value);
    } else if (typeof value === "number") {
      const text = String(value);
      if (text.length >= minLength) found.add(text);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, key);
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  for (const resource of resources) visit(resource, "");
  return [...found];
}

/** Structural keys whose values are FHIR vocabulary, not facts about a patient. */
const IGNORED_KEYS = new Set(["resourceType", "status", "use", "system", "intent", "unit"]);
