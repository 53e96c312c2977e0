/**
 * The claims scenario: every Synthea claim through a published policy. An insurer publishes one policy per Synthea
 * coverage type (by CID and hash) and funds its escrow in a test stablecoin; each patient lets the provider and the
 * insurer write and read Financial records for payment (HPAYMT); the provider submits each Claim (encrypted, a
 * salted commitment on chain), the insurer adjudicates it with the deterministic adjudicator and anchors the
 * ClaimResponse and the patient's EOB, the patient re-runs the adjudication byte for byte, and the escrow pays the
 * provider. The adjudicated totals are compared with the bundles' EOBs; one claim's insurer is late and the claim
 * escalates to the arbiter; one appeal is upheld; the insurer reclaims the rest of the period's escrow.
 * Patients come from `--data DIR`, else from ../shared/data/fhir/synthea.
 */
import type { Claim, Coverage } from "@medplum/fhirtypes";

import {
  adjudicateClaim,
  ClaimsClient,
  ClaimsRevertError,
  claimSaltOf,
  deployClaims,
  deployPilotStablecoin,
  type Adjudication,
} from "../../sdk/claims.js";
import { fhirBundleSource } from "../pilot/data.js";
import type { Actor, Pilot } from "../pilot/runner.js";
import { defineScenario, type FhirBundle, type PatientSource } from "../pilot/scenario.js";
import {
  claimsOf,
  claimTotalCents,
  compareWithEob,
  COVERAGE_TYPES,
  pilotCoverage,
  pilotPolicy,
  type Comparison,
} from "./_claims-synthea.js";
import { DEFAULT_SYNTHEA_DIR, hasDefaultSynthea } from "./_synthea.js";

const DAY = 86_400;
const FINANCIAL = { read: ["Financial"], write: ["Financial"], purposes: ["HPAYMT"] } as const;

export default defineScenario({
  name: "claims",
  description:
    "Every Synthea claim through a published policy: consent for payment, encrypted claims with salted commitments " +
    "on chain, deterministic adjudication anchored by the insurer and re-run by the patient byte for byte, escrow " +
    "payment in a test stablecoin, a late insurer escalated to the arbiter, an appeal, and the adjudicated totals " +
    "compared with the bundles' ExplanationOfBenefits.",
  async run(pilot, data) {
    const bundles = await syntheaBundles(data);
    const hospital = await pilot.provider("Synthea provider organisations", "hospital");
    const insurer = await pilot.provider("Pilot Health (insurer)", "insurer");
    const arbiter = await pilot.account("Insurance ombudsman (arbiter)", "registrar");
    const [deployer] = await pilot.options.connection.ethers.getSigners();
    const deployment = await deployClaims(deployer!, pilot.options.deployment.directory);
    const token = await deployPilotStablecoin(deployer!, deployer!.address);
    pilot.options.log?.(
      `  ✓ deployed PolicyRegistry ${deployment.policyRegistry}, ClaimRegistry ${deployment.claimRegistry}, stablecoin ${await token.getAddress()}`,
    );
    const claimsOfActor = (actor: Actor) => ClaimsClient.connect({ carechain: actor.client, deployment });
    const [provider, payer, ombudsman] = [hospital, insurer, arbiter].map(claimsOfActor) as [
      ClaimsClient,
      ClaimsClient,
      ClaimsClient,
    ];

    // Policies: one per coverage type, named neutrally on chain (the name is public), funded for period 0.
    const start = (await pilot.chain.getBlock("latest"))!.timestamp;
    const all = bundles.flatMap((b, i) => claimsOf(b).map((c) => ({ ...c, patientIndex: i })));
    const policyIds = new Map<string, string>();
    await (await token.mint(insurer.address, 10n ** 15n)).wait();
    const tokenAddress = await token.getAddress();
    for (const [k, type] of COVERAGE_TYPES.entries()) {
      const published = await pilot.step(`publish policy ${k + 1} (document by CID and hash)`, insurer.name, () =>
        payer.publishPolicy(
          `plan-${k + 1}`,
          pilotPolicy(type),
          { token: tokenAddress, periodStart: start, periodLength: 365 * DAY },
          { arbiter: arbiter.address },
        ),
      );
      policyIds.set(type, published.policyId);
      const exposure = all.filter((c) => c.coverageType === type).reduce((n, c) => n + claimTotalCents(c.claim), 0);
      await pilot.step(`fund escrow of policy ${k + 1}, period 0`, insurer.name, () =>
        payer.fund(published.policyId, 0, Math.max(exposure, 1)),
      );
    }

    const comparisons: Comparison[] = [];
    const outcomes = { approved: 0, partial: 0, denied: 0, paidCents: 0, verified: 0 };
    let appealed = false;
    pilot.quiet = true;
    for (const [i, bundle] of bundles.entries()) {
      const patient = await pilot.patient(`Patient ${i + 1}`);
      const patientClaims = all.filter((c) => c.patientIndex === i);
      for (const c of patientClaims) {
        pilot.input(c.claim);
        if (c.eob) pilot.input(c.eob);
      }
      const t = (await pilot.chain.getBlock("latest"))!.timestamp;
      await pilot.step("grant provider Financial read+write (payment)", patient.name, () =>
        patient.client.grant(hospital.address, { ...FINANCIAL, expiresAt: t + 3 * 365 * DAY }),
      );
      await pilot.step("grant insurer Financial read+write (payment)", patient.name, () =>
        patient.client.grant(insurer.address, { ...FINANCIAL, expiresAt: t + 3 * 365 * DAY }),
      );
      const patientRef = patientReference(bundle);
      const coverages = new Map<string, string>();
      for (const type of new Set(patientClaims.map((c) => c.coverageType))) {
        const coverage = pilot.input(pilotCoverage(patientRef, type));
        const added = await pilot.step("anchor the member's Coverage", insurer.name, () =>
          payer.addCoverage(patient.address, coverage),
        );
        pilot.anchored.push(added.recordId);
        coverages.set(type, added.recordId);
      }
      const patientClaimsClient = claimsOfActor(patient);
      for (const c of patientClaims) {
        const submitted = await pilot.step("submit claim (encrypted; commitment on chain)", hospital.name, () =>
          provider.submitClaim(patient.address, c.claim, policyIds.get(c.coverageType)!),
        );
        pilot.anchored.push(submitted.recordId);
        const coverageRecord = coverages.get(c.coverageType)!;
        const anchored = await pilot.step("adjudicate and anchor ClaimResponse + EOB", insurer.name, () =>
          payer.adjudicate(submitted.recordId, coverageRecord, { created: "2026-12-01" }),
        );
        pilot.input(anchored.adjudication.response);
        pilot.anchored.push(anchored.responseRecordId, anchored.eobRecordId);
        await pilot.step("re-run the adjudication (byte for byte, commitment on chain)", patient.name, async () => {
          await patientClaimsClient.verifyAdjudication(submitted.recordId, anchored.responseRecordId, coverageRecord);
          outcomes.verified++;
          return undefined;
        });
        outcomes[anchored.adjudication.decision]++;
        comparisons.push(compareWithEob(anchored.adjudication, c.eob));
        if (anchored.adjudication.decision === "denied" && !appealed) {
          appealed = true;
          pilot.quiet = false;
          await pilot.step("appeal a claim with nothing payable", hospital.name, () =>
            provider.appeal(submitted.recordId, "The encounter's base charge was not itemised; please review."),
          );
          await pilot.step("re-adjudicate the appeal (final; upheld, closed)", insurer.name, () =>
            payer.adjudicate(submitted.recordId, coverageRecord, { created: "2026-12-02" }),
          );
          pilot.quiet = true;
        } else if (anchored.adjudication.decision === "denied") {
          await pilot.step("accept the denial (close)", hospital.name, () => provider.close(submitted.claimId));
        } else {
          await pilot.step("settle from escrow (accept)", hospital.name, () => provider.settle(submitted.claimId));
          outcomes.paidCents += anchored.adjudication.totals.benefit;
        }
      }
      pilot.progress("patients", i + 1, bundles.length);
    }
    pilot.quiet = false;

    const award = await lateInsurer(pilot, { provider, payer, ombudsman, hospital, insurer, arbiter, all, policyIds });
    await report(pilot, comparisons, outcomes, all.length);

    const paid = await token.balanceOf(hospital.address);
    const due = outcomes.paidCents + award;
    await pilot.step(
      `escrow paid the provider exactly the approved benefits (${dollars(outcomes.paidCents)} + the arbiter's award ${dollars(award)})`,
      "checks",
      async () => {
        if (paid !== BigInt(due) * 10n ** 4n)
          throw new Error(`provider holds ${paid} units, not the ${due} cents approved`);
        return undefined;
      },
    );
    await pilot.advanceTime(366 * DAY);
    for (const [k, policyId] of [...policyIds.values()].entries()) {
      await pilot.step(`reclaim the rest of policy ${k + 1}'s period 0 (every claim final)`, insurer.name, () =>
        payer.reclaim(policyId, 0),
      );
    }
  },
});

/** A late insurer: the claim escalates, the arbiter decides on the provider's re-run, the escrow pays. */
async function lateInsurer(
  pilot: Pilot,
  a: {
    provider: ClaimsClient;
    payer: ClaimsClient;
    ombudsman: ClaimsClient;
    hospital: Actor;
    insurer: Actor;
    arbiter: Actor;
    all: readonly { claim: Claim; coverageType: string; patientIndex: number }[];
    policyIds: ReadonlyMap<string, string>;
  },
): Promise<number> {
  const priced = a.all.find((c) => c.claim.item?.some((item) => item.net !== undefined))!;
  const patient = await pilot.patient("Patient with a late claim");
  const t = (await pilot.chain.getBlock("latest"))!.timestamp;
  await pilot.step("grant provider and insurer Financial (payment)", patient.name, async () => [
    await patient.client.grant(a.hospital.address, { ...FINANCIAL, expiresAt: t + 3 * 365 * DAY }),
    await patient.client.grant(a.insurer.address, { ...FINANCIAL, expiresAt: t + 3 * 365 * DAY }),
  ]);
  const coverage = await pilot.step("anchor the member's Coverage", a.insurer.name, () =>
    a.payer.addCoverage(patient.address, pilotCoverage(priced.claim.patient.reference!, priced.coverageType)),
  );
  const claim = { ...priced.claim, id: `${priced.claim.id}-late` };
  pilot.input(claim);
  const submitted = await pilot.step("submit claim", a.hospital.name, () =>
    a.provider.submitClaim(patient.address, claim, a.policyIds.get(priced.coverageType)!),
  );
  pilot.anchored.push(submitted.recordId, coverage.recordId);
  await pilot.advanceTime(31 * DAY);
  await pilot.refused(
    "adjudicate after the 30-day deadline (ClaimAdjudicationDeadlinePassed)",
    a.insurer.name,
    ClaimsRevertError,
    () =>
      a.payer.adjudicate(submitted.recordId, coverage.recordId, { created: "2027-01-05" }).catch((error: unknown) => {
        if (error instanceof ClaimsRevertError && error.errorName !== "ClaimAdjudicationDeadlinePassed") {
          throw new Error(`refused with ${error.errorName}, not ClaimAdjudicationDeadlinePassed`, { cause: error });
        }
        throw error;
      }),
  );
  await pilot.step("escalate to the arbiter", a.hospital.name, () => a.provider.escalate(submitted.claimId));
  const { rerun, salt } = await pilot.step("re-run the adjudication for the arbiter", a.hospital.name, async () => {
    const read = (await a.provider.carechain.readRecord<Claim>(submitted.recordId, { purpose: "HPAYMT" })).resource;
    const { policy } = await a.provider.loadPolicy(a.policyIds.get(priced.coverageType)!);
    const cov = (await a.provider.carechain.readRecord(coverage.recordId, { purpose: "HPAYMT" })).resource;
    const adjudication: Adjudication = adjudicateClaim({
      claim: read,
      coverage: cov as Coverage,
      policy,
      created: "2027-01-06",
    });
    return { rerun: adjudication, salt: claimSaltOf(read)! };
  });
  await pilot.step("arbiter's final decision", a.arbiter.name, () =>
    a.ombudsman.resolve(submitted.claimId, rerun, salt),
  );
  await pilot.step("settle the arbiter's award from the insurer's escrow", a.hospital.name, () =>
    a.provider.settle(submitted.claimId),
  );
  return rerun.totals.benefit;
}

/** Records the comparison with the bundles' EOBs as checks (steps) with their figures. */
async function report(
  pilot: Pilot,
  comparisons: readonly Comparison[],
  outcomes: { approved: number; partial: number; denied: number; verified: number },
  total: number,
) {
  const count = (kind: Comparison["kind"]) => comparisons.filter((c) => c.kind === kind).length;
  const differs = comparisons.filter((c): c is Extract<Comparison, { kind: "differs" }> => c.kind === "differs");
  const rounding = comparisons.filter((c): c is Extract<Comparison, { kind: "rounding" }> => c.kind === "rounding");
  const maxRounding = Math.max(0, ...rounding.map((r) => Math.abs(r.diffMills)));
  const withEob = total - count("no-eob");
  const lines = [
    `${total} Synthea claims adjudicated: ${outcomes.approved} approved, ${outcomes.partial} partial, ${outcomes.denied} with nothing payable; ${outcomes.verified} re-run byte for byte by the patient`,
    `${withEob} with an EOB in the bundle: ${count("exact")} agree to the cent; ${count("rounding")} differ by rounding only (at most ${maxRounding / 10} ¢ on a claim, half a cent per priced line: co-insurance rounded half-even to the cent per line, Synthea keeps fractions of a cent); ${differs.length} differ otherwise${differs.length ? ` (${[...new Set(differs.map((d) => d.cause))].join("; ")})` : ""}`,
    `${count("no-eob")} without an EOB (Synthea writes none for pharmacy claims; their amount is only in Claim.total, no line is priced, so nothing is payable under the policy)`,
  ];
  for (const line of lines) {
    await pilot.step(line, "checks", async () => {
      if (differs.length > 0 || outcomes.verified !== total)
        throw new Error("adjudication disagrees with the EOBs beyond rounding, or a re-run failed");
      return undefined;
    });
  }
}

/** The Synthea bundles: `--data DIR`'s, else the shared folder's. */
async function syntheaBundles(data: PatientSource): Promise<FhirBundle[]> {
  let source = data;
  if (!source.bundle) {
    if (!hasDefaultSynthea())
      throw new Error(`the claims scenario needs Synthea bundles: pass --data DIR, or provide ${DEFAULT_SYNTHEA_DIR}`);
    source = await fhirBundleSource(DEFAULT_SYNTHEA_DIR);
  }
  return Array.from({ length: source.size }, (_, i) => source.bundle!(i));
}

function patientReference(bundle: FhirBundle): string {
  const claim = bundle.entry?.find((e) => e.resource?.resourceType === "Claim")?.resource as Claim | undefined;
  return claim?.patient.reference ?? "Patient/unknown";
}

function dollars(cents: number): string {
  return `$${(cents / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })}`;
}
