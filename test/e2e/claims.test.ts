import { readFileSync } from "node:fs";
import { join } from "node:path";

import type { Claim, Coverage } from "@medplum/fhirtypes";
import { describe, expect, it } from "vitest";

import {
  adjudicateClaim,
  AdjudicationMismatchError,
  ClaimConsentRequiredError,
  ClaimFormatError,
  ClaimsClient,
  ClaimsRevertError,
  claimSaltOf,
  deployClaims,
  deployPilotStablecoin,
  type CoveragePolicy,
} from "../../sdk/claims.js";
import { Carechain, generateIdentity } from "../../sdk/index.js";
import { registeredFixture } from "../helpers/fixtures.js";

const vector = (name: string) =>
  JSON.parse(readFileSync(join(import.meta.dirname, "..", "sdk", "claims", "vectors", name), "utf8")) as {
    input: { claim: Claim; coverage: Coverage; policy: CoveragePolicy };
  };
const DAY = 86_400;

async function claimsFixture() {
  const f = await registeredFixture();
  const signers = await f.connection.ethers.getSigners();
  const [insurerSigner, arbiterSigner] = [signers[5]!, signers[6]!];
  const connect = (signer: (typeof signers)[number]) =>
    Carechain.connect({
      deployment: f.deployment,
      signer,
      identity: generateIdentity(),
      store: f.store,
      validator: f.validator,
    });
  const [insurerCore, arbiterCore] = await Promise.all([connect(insurerSigner), connect(arbiterSigner)]);
  await f.registrar.registerProvider(insurerSigner.address, "insurer", insurerCore.identity.publicKey);
  const deployment = await deployClaims(signers[0]!, f.deployment.directory);
  const token = await deployPilotStablecoin(signers[0]!, signers[0]!.address);
  const hospitalSigner = signers[1]!;
  const insurer = ClaimsClient.connect({ carechain: insurerCore, signer: insurerSigner, deployment });
  const hospital = ClaimsClient.connect({ carechain: f.hospital, signer: hospitalSigner, deployment });
  const patient = ClaimsClient.connect({ carechain: f.patient, signer: signers[3]!, deployment });
  const lab = ClaimsClient.connect({ carechain: f.lab, signer: signers[2]!, deployment });
  const arbiter = ClaimsClient.connect({ carechain: arbiterCore, signer: arbiterSigner, deployment });
  const now = await f.now();
  const { input } = vector("02-deductible-cap-exclusion-prior-auth.json");
  const published = await insurer.publishPolicy(
    "gold",
    input.policy,
    { token: await token.getAddress(), periodStart: now, periodLength: 365 * DAY },
    { arbiter: arbiterSigner.address },
  );
  await token.mint(insurerSigner.address, 10_000_000n * 10n ** 6n);
  await insurer.fund(published.policyId, 0, 1_000_000_00);
  const patientAddress = await f.patient.address();
  const terms = {
    read: ["Financial"],
    write: ["Financial"],
    purposes: ["HPAYMT"],
    expiresAt: now + 365 * DAY,
  } as const;
  await f.patient.grant(hospitalSigner.address, terms);
  await f.patient.grant(insurerSigner.address, terms);
  const coverage = await insurer.addCoverage(patientAddress, input.coverage);
  return {
    f,
    token,
    insurer,
    hospital,
    patient,
    lab,
    arbiter,
    policyId: published.policyId,
    patientAddress,
    coverage,
    input,
    hospitalSigner,
  };
}

describe("claims end to end", () => {
  it("submits under consent, adjudicates, lets provider and patient re-run it byte for byte, pays only the approved amount", async () => {
    const c = await claimsFixture();
    const submitted = await c.hospital.submitClaim(c.patientAddress, c.input.claim, c.policyId);
    expect((await c.hospital.claim(submitted.claimId)).state).toBe("submitted");

    const anchored = await c.insurer.adjudicate(submitted.recordId, c.coverage.recordId, {
      created: "2011-07-10",
      deductibleMet: 5000,
    });
    expect(anchored.adjudication.decision).toBe("partial");
    expect(anchored.adjudication.totals.benefit).toBe(12020); // the hand-computed vector
    const status = await c.hospital.claim(submitted.claimId);
    expect([status.state, status.decision, status.amount]).toEqual(["adjudicated", "partial", 12020n * 10n ** 4n]);

    // Provider and patient re-run it: same bytes, same commitment.
    for (const party of [c.hospital, c.patient]) {
      const rerun = await party.verifyAdjudication(submitted.recordId, anchored.responseRecordId, c.coverage.recordId);
      expect(rerun.claimId).toBe(submitted.claimId);
    }
    // The patient's EOB is readable by the patient.
    const eob = await c.f.patient.readRecord(anchored.eobRecordId);
    expect(eob.resource.resourceType).toBe("ExplanationOfBenefit");

    // A re-run on other inputs (the EOB is not the Coverage) does not match what is anchored.
    await expect(
      c.patient.verifyAdjudication(submitted.recordId, anchored.responseRecordId, anchored.eobRecordId),
    ).rejects.toBeInstanceOf(ClaimFormatError);

    await c.hospital.settle(submitted.claimId);
    expect(await c.token.balanceOf(c.hospitalSigner.address)).toBe(12020n * 10n ** 4n);
    expect((await c.hospital.claim(submitted.claimId)).state).toBe("paid");
    const again = await c.hospital.settle(submitted.claimId).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ClaimsRevertError);
    expect((again as ClaimsRevertError).errorName).toBe("ClaimInvalidState");
  });

  it("refuses a claim without HPAYMT consent for the provider or the insurer, storing nothing", async () => {
    const c = await claimsFixture();
    const before = (await c.f.patient.listRecords(c.patientAddress)).length;
    await expect(c.lab.submitClaim(c.patientAddress, c.input.claim, c.policyId)).rejects.toBeInstanceOf(
      ClaimConsentRequiredError,
    );
    await c.f.patient.revoke(await c.insurer.carechain.address());
    const error = await c.hospital.submitClaim(c.patientAddress, c.input.claim, c.policyId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClaimConsentRequiredError);
    expect((error as ClaimConsentRequiredError).lacks).toBe("read");
    expect((await c.f.patient.listRecords(c.patientAddress)).length).toBe(before);
  });

  it("a late insurer lets the claim escalate; the arbiter's decision is paid from escrow", async () => {
    const c = await claimsFixture();
    const submitted = await c.hospital.submitClaim(c.patientAddress, c.input.claim, c.policyId);
    await c.f.advanceTime(30 * DAY + 1);
    const late = await c.insurer
      .adjudicate(submitted.recordId, c.coverage.recordId, { created: "2011-08-10" })
      .catch((e: unknown) => e);
    expect((late as ClaimsRevertError).errorName).toBe("ClaimAdjudicationDeadlinePassed");
    await c.hospital.escalate(submitted.claimId);
    expect((await c.hospital.claim(submitted.claimId)).state).toBe("escalated");
    // The provider shows the arbiter the adjudication it re-ran on the claim's inputs.
    const claim = (await c.f.hospital.readRecord<Claim>(submitted.recordId, { purpose: "HPAYMT" })).resource;
    const coverage = (await c.f.hospital.readRecord<Coverage>(c.coverage.recordId, { purpose: "HPAYMT" })).resource;
    const { policy } = await c.arbiter.loadPolicy(c.policyId);
    const adjudication = adjudicateClaim({ claim, coverage, policy, created: "2011-08-20" });
    await c.arbiter.resolve(submitted.claimId, adjudication, claimSaltOf(claim)!);
    await c.patient.settle(submitted.claimId); // final: anyone may settle
    expect(await c.token.balanceOf(c.hospitalSigner.address)).toBe(BigInt(adjudication.totals.benefit) * 10n ** 4n);
  });

  it("nothing moves while a claim is appealed; the re-adjudication is final", async () => {
    const c = await claimsFixture();
    const lateFiled = { ...c.input.claim, created: "2013-01-01T00:00:00+00:00" };
    const submitted = await c.hospital.submitClaim(c.patientAddress, lateFiled, c.policyId);
    const denied = await c.insurer.adjudicate(submitted.recordId, c.coverage.recordId, { created: "2013-01-02" });
    expect(denied.adjudication.decision).toBe("denied");
    expect((await c.hospital.settle(submitted.claimId).catch((e: unknown) => e)) as ClaimsRevertError).toBeInstanceOf(
      ClaimsRevertError,
    );
    await c.hospital.appeal(submitted.recordId, "Filed late because the patient's coverage was confirmed late.");
    expect(((await c.hospital.settle(submitted.claimId).catch((e: unknown) => e)) as ClaimsRevertError).errorName).toBe(
      "ClaimInvalidState",
    );
    const final = await c.insurer.adjudicate(submitted.recordId, c.coverage.recordId, { created: "2013-01-03" });
    expect((await c.hospital.claim(submitted.claimId)).state).toBe(
      final.adjudication.decision === "denied" ? "closed" : "adjudicated",
    );
    expect(await c.token.balanceOf(c.hospitalSigner.address)).toBe(0n);
    const second = await c.hospital.appeal(submitted.recordId, "again").catch((e: unknown) => e);
    expect(second).toBeInstanceOf(ClaimsRevertError);
  });

  it("detects an anchored response that the inputs do not give", async () => {
    const c = await claimsFixture();
    const submitted = await c.hospital.submitClaim(c.patientAddress, c.input.claim, c.policyId);
    const anchored = await c.insurer.adjudicate(submitted.recordId, c.coverage.recordId, {
      created: "2011-07-10",
      deductibleMet: 5000,
    });
    // The insurer anchors a second, more generous-looking response for the patient: it does not re-run.
    const forged = { ...anchored.adjudication.response, disposition: "Claim approved" };
    const { recordId } = await c.insurer.carechain.addRecord(c.patientAddress, forged);
    await expect(
      c.patient.verifyAdjudication(submitted.recordId, recordId, c.coverage.recordId),
    ).rejects.toBeInstanceOf(AdjudicationMismatchError);
  });
});
