/**
 * The trial scenario: a sponsor pre-registers a study (FHIR ResearchStudy, protocol, endpoints, eligibility as
 * FHIRPath) and amends it before enrolment; enrolment into an unregistered study is refused; every pilot patient's
 * client evaluates the eligibility criteria locally and only eligible patients who choose to answer enrol, each under
 * a study-specific pseudonym with study-bound research consent; visit data is anchored in batches; one subject
 * withdraws and the sponsor's next batch for it is refused; the results report switches a primary endpoint and is
 * caught. Patients come from `--data DIR`, else ../shared/data/fhir/synthea, else the generator (`--patients N`).
 */
import { ethers } from "ethers";

import {
  evaluateEligibility,
  ELIGIBILITY_FORMAT,
  ENDPOINTS_FORMAT,
  RESULTS_FORMAT,
  studyPseudonym,
  TrialsClient,
  TrialsRevertError,
  deployStudyRegistry,
  type StudyEndpoints,
  type StudyProtocol,
} from "../../sdk/trials.js";
import { fhirBundleSource } from "../pilot/data.js";
import type { Pilot } from "../pilot/runner.js";
import { defineScenario, type PatientSource } from "../pilot/scenario.js";
import { DEFAULT_SYNTHEA_DIR, hasDefaultSynthea } from "./_synthea.js";

const DAY = 86_400;

/** Registered endpoints (version 2, after the pre-enrolment amendment). */
const ENDPOINTS_V1: StudyEndpoints = {
  format: ENDPOINTS_FORMAT,
  primary: [{ id: "E1", measure: "Change in body mass index (LOINC 39156-5) from baseline", timeFrame: "visit 2" }],
  secondary: [{ id: "E2", measure: "Change in systolic blood pressure (LOINC 8480-6)", timeFrame: "visit 2" }],
};
const ENDPOINTS_V2: StudyEndpoints = {
  ...ENDPOINTS_V1,
  secondary: [
    ...ENDPOINTS_V1.secondary,
    { id: "E3", measure: "Change in body weight (LOINC 29463-7)", timeFrame: "visit 2" },
  ],
};

/** Whom the study recruits: a high body mass index or blood pressure on record, and no pregnancy. */
const PROTOCOL: StudyProtocol = {
  format: "carechain.study-protocol/1",
  researchStudy: {
    resourceType: "ResearchStudy",
    title: "Lifestyle coaching and body mass index (pilot)",
    status: "active",
    primaryPurposeType: {
      coding: [{ system: "http://terminology.hl7.org/CodeSystem/research-study-prim-purp-type", code: "treatment" }],
    },
    phase: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/research-study-phase", code: "n-a" }] },
  },
  eligibility: {
    format: ELIGIBILITY_FORMAT,
    criteria: [
      {
        id: "I1",
        kind: "inclusion",
        description: "a body mass index over 27, or a systolic blood pressure over 130 mm[Hg], on record",
        expression:
          "entry.resource.ofType(Observation).where(code.coding.code = '39156-5').value.ofType(Quantity).where(value > 27).exists() or " +
          "entry.resource.ofType(Observation).component.where(code.coding.code = '8480-6').value.ofType(Quantity).where(value > 130).exists()",
      },
      {
        id: "I2",
        kind: "inclusion",
        description: "a systolic blood pressure on record",
        expression:
          "entry.resource.ofType(Observation).component.where(code.coding.code = '8480-6').exists() or entry.resource.ofType(Observation).where(code.coding.code = '8480-6').exists()",
      },
      {
        id: "X1",
        kind: "exclusion",
        description: "no pregnancy (SNOMED CT 72892002)",
        expression: "entry.resource.ofType(Condition).code.coding.where(code = '72892002').exists()",
      },
    ],
  },
};

/** The published criteria (for tests and for copies of this scenario). */
export const TRIAL_ELIGIBILITY = PROTOCOL.eligibility;

export default defineScenario({
  name: "trial",
  description:
    "A pre-registered study with an amendment, enrolment refused before registration, recruitment with eligibility " +
    "computed only on the patients' own clients (FHIRPath), pseudonymous enrolment with study-bound research consent, " +
    "visit data in batches, a withdrawal after which data is refused, and a switched outcome caught in the results.",
  async run(pilot, data, { patients }) {
    const source = await patientSource(data);
    const count = Number.isFinite(source.size) ? source.size : patients;
    const sponsor = await pilot.provider("Northside Research Institute (sponsor)", "research");
    const [deployer] = await pilot.options.connection.ethers.getSigners();
    const registry = await deployStudyRegistry(deployer!, pilot.options.deployment.directory);
    pilot.options.log?.(`  ✓ deployed StudyRegistry ${registry}`);
    const trials = (signer: ethers.Signer) => new TrialsClient({ registry, signer, store: pilot.options.store });
    const sponsorTrials = trials(sponsor.client.contracts.directory.runner as ethers.Signer);

    const stray = await fundedPseudonym(pilot, ethers.Wallet.createRandom());
    await pilot.refused(
      "enrol into a study that is not registered (StudyNotRegistered)",
      "a pseudonym",
      TrialsRevertError,
      () =>
        named("StudyNotRegistered", () =>
          trials(stray).enroll(ethers.id("no such study"), {
            categories: ["VitalSigns"],
            expiresAt: 4_102_444_800,
            scope: "keep-collected",
            readers: [sponsor.client.identity.publicKey],
          }),
        ),
    );
    const { studyId } = await pilot.step(
      "register study (ResearchStudy, protocol, endpoints by hash + CID)",
      sponsor.name,
      () => sponsorTrials.registerStudy("BMI-COACH-01", PROTOCOL, ENDPOINTS_V1),
    );
    await pilot.step("amend before enrolment (add secondary endpoint E3, with reasons)", sponsor.name, () =>
      sponsorTrials.amendStudy(
        studyId,
        PROTOCOL,
        ENDPOINTS_V2,
        "Ethics committee asked for body weight as a secondary endpoint.",
      ),
    );

    // Recruitment: each patient's client evaluates the published criteria on its own resources.
    const { versions } = await sponsorTrials.loadStudy(studyId);
    const criteria = versions.at(-1)!.protocol.eligibility;
    const answers: boolean[] = [];
    const recruits: { name: string; resources: unknown[]; client: Awaited<ReturnType<Pilot["patient"]>> }[] = [];
    for (let i = 0; i < count; i++) {
      const resources = source.bundle
        ? (source.bundle(i).entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []))
        : recordsOf(source, i);
      for (const r of resources) pilot.input(r);
      const { eligible } = evaluateEligibility(criteria, resources);
      answers.push(eligible);
      if (eligible)
        recruits.push({ name: `Patient ${i + 1}`, resources, client: await pilot.patient(`Patient ${i + 1}`) });
    }
    await pilot.step(
      `recruitment: ${answers.filter(Boolean).length} of ${count} patients eligible, computed on their own clients (the others sent nothing)`,
      "checks",
      async () => {
        if (recruits.length < 2) throw new Error("the scenario needs at least two eligible patients");
        return undefined;
      },
    );

    const now = (await pilot.chain.getBlock("latest"))!.timestamp;
    const subjects: { name: string; pseudonym: string; resources: unknown[]; publicKey: Uint8Array }[] = [];
    for (const r of recruits) {
      const pseudonym = await fundedPseudonym(pilot, studyPseudonym(r.client.client.identity.secretKey, studyId));
      await pilot.step("consent (HRESCH, study-bound) and enrol under a study pseudonym", r.name, () =>
        trials(pseudonym).enroll(studyId, {
          categories: ["VitalSigns", "Laboratory"],
          expiresAt: now + 365 * DAY,
          scope: "keep-collected",
          readers: [sponsor.client.identity.publicKey, r.client.client.identity.publicKey],
        }),
      );
      subjects.push({
        name: r.name,
        pseudonym: pseudonym.address,
        resources: r.resources,
        publicKey: r.client.client.identity.publicKey,
      });
    }

    const readers = (s: (typeof subjects)[number]) => [sponsor.client.identity.publicKey, s.publicKey];
    for (const s of subjects) {
      const vitals = s.resources
        .filter((r) => (r as { resourceType?: string }).resourceType === "Observation")
        .slice(0, 4);
      await pilot.step("anchor visit 1 data (encrypted batch, Merkle root)", sponsor.name, () =>
        sponsorTrials.anchorVisit(studyId, s.pseudonym, 1, vitals, readers(s)),
      );
    }
    const leaving = subjects[0]!;
    const leaver = await fundedPseudonym(pilot, studyPseudonym(recruits[0]!.client.client.identity.secretKey, studyId));
    await pilot.step("withdraw from the study (data collected so far is kept, as consented)", leaving.name, () =>
      trials(leaver).withdraw(studyId),
    );
    await pilot.refused(
      "anchor visit 2 data of the withdrawn subject (StudySubjectWithdrawn)",
      sponsor.name,
      TrialsRevertError,
      () =>
        named("StudySubjectWithdrawn", () =>
          sponsorTrials.anchorVisit(studyId, leaving.pseudonym, 2, leaving.resources.slice(0, 1), readers(leaving)),
        ),
    );
    for (const s of subjects.slice(1)) {
      const labs = s.resources
        .filter((r) => (r as { resourceType?: string }).resourceType === "Observation")
        .slice(4, 8);
      if (labs.length > 0)
        await pilot.step("anchor visit 2 data", sponsor.name, () =>
          sponsorTrials.anchorVisit(studyId, s.pseudonym, 2, labs, readers(s)),
        );
    }

    // The results report swaps the primary endpoint for weight, with no amendment: caught on chain and by the SDK.
    const reported: StudyEndpoints = {
      format: ENDPOINTS_FORMAT,
      primary: [{ id: "E1", measure: "Change in body weight (LOINC 29463-7) from baseline", timeFrame: "visit 2" }],
      secondary: ENDPOINTS_V2.secondary,
    };
    const outcome = await pilot.step("report results (one primary endpoint switched)", sponsor.name, () =>
      sponsorTrials.reportResults(studyId, {
        format: RESULTS_FORMAT,
        endpoints: reported,
        summary: { E1: "reported", E2: "reported", E3: "reported" },
      }),
    );
    await pilot.step(
      `outcome switching caught: on chain asRegistered=${outcome.asRegistered}; ${outcome.switches.map((s) => `${s.kind} ${s.endpointId}${s.amendment ? ` (amendment v${s.amendment.version})` : " (no amendment)"}`).join(", ")}`,
      "checks",
      async () => {
        if (
          outcome.asRegistered ||
          !outcome.switches.some((s) => s.endpointId === "E1" && s.kind === "changed" && !s.amendment)
        ) {
          throw new Error("the switched primary endpoint was not caught");
        }
        return undefined;
      },
    );
  },
});

/** Runs `run`, letting through only a {@link TrialsRevertError} named `errorName` (anything else fails the step). */
async function named(errorName: string, run: () => Promise<unknown>): Promise<unknown> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TrialsRevertError && error.errorName !== errorName) {
      throw new Error(`refused with ${error.errorName}, not ${errorName}`, { cause: error });
    }
    throw error;
  }
}

/** Gives a pseudonym gas money (in-process and `hardhat node` chains) and connects it to the pilot's chain. */
async function fundedPseudonym(pilot: Pilot, wallet: ethers.Wallet | ethers.HDNodeWallet): Promise<ethers.Wallet> {
  const connected = new ethers.Wallet(wallet.privateKey, pilot.chain);
  await pilot.options.connection.networkHelpers.setBalance(connected.address, 10n ** 18n);
  return connected;
}

async function patientSource(data: PatientSource): Promise<PatientSource> {
  if (data.bundle || !hasDefaultSynthea()) return data;
  return fhirBundleSource(DEFAULT_SYNTHEA_DIR);
}

function recordsOf(source: PatientSource, i: number): unknown[] {
  const { patient, records } = source.patient(i);
  return [patient, ...records];
}
