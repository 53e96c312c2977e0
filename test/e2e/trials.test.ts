import { ethers } from "ethers";
import { CID } from "multiformats/cid";
import { describe, expect, it } from "vitest";

import { decodeKeyring, decryptEnvelope, generateIdentity, NotARecipientError, openKeyring } from "../../sdk/index.js";
import { fromUtf8, utf8 } from "../../sdk/crypto/bytes.js";
import {
  deployStudyRegistry,
  ELIGIBILITY_FORMAT,
  ENDPOINTS_FORMAT,
  RESULTS_FORMAT,
  studyPseudonym,
  TrialsClient,
  TrialsRevertError,
  trialsErrorOf,
  type StudyEndpoints,
  type StudyProtocol,
} from "../../sdk/trials.js";
import { heartRate, registeredFixture } from "../helpers/fixtures.js";

const ENDPOINTS: StudyEndpoints = {
  format: ENDPOINTS_FORMAT,
  primary: [{ id: "E1", measure: "Resting heart rate", timeFrame: "week 4" }],
  secondary: [],
};
const PROTOCOL: StudyProtocol = {
  format: "carechain.study-protocol/1",
  researchStudy: { resourceType: "ResearchStudy", status: "active", title: "Heart rate study" },
  eligibility: { format: ELIGIBILITY_FORMAT, criteria: [] },
};

async function trialsFixture() {
  const f = await registeredFixture();
  const signers = await f.connection.ethers.getSigners();
  const sponsorSigner = signers[5]!;
  const sponsorIdentity = generateIdentity();
  await f.registrar.registerProvider(sponsorSigner.address, "research", sponsorIdentity.publicKey);
  const registry = await deployStudyRegistry(signers[0]!, f.deployment.directory);
  const sponsor = new TrialsClient({ registry, signer: sponsorSigner, store: f.store });
  const patientIdentity = f.patient.identity;
  const { studyId } = await sponsor.registerStudy("HR-01", PROTOCOL, ENDPOINTS);
  const pseudonym = studyPseudonym(patientIdentity.secretKey, studyId, f.connection.ethers.provider);
  await f.connection.networkHelpers.setBalance(pseudonym.address, 10n ** 18n);
  const subject = new TrialsClient({ registry, signer: pseudonym, store: f.store });
  return { f, sponsor, sponsorIdentity, subject, pseudonym, studyId, registry, patientIdentity };
}

const errorName = (error: unknown) => (error instanceof TrialsRevertError ? error.errorName : String(error));

describe("trials end to end", () => {
  it("enrols under a pseudonym; visit data opens for the sponsor and the patient, not for others; withdrawal stops data", async () => {
    const t = await trialsFixture();
    const expiresAt = (await t.f.now()) + 365 * 86_400;
    const readers = [t.sponsorIdentity.publicKey, t.patientIdentity.publicKey];
    const enrolled = await t.subject.enroll(t.studyId, {
      categories: ["VitalSigns"],
      expiresAt,
      scope: "erase-collected",
      readers,
    });
    const onChain = await t.sponsor.registry.enrolment(t.studyId, t.pseudonym.address);
    expect(onChain.researchSubject).toBe(enrolled.researchSubject);
    expect(Number(onChain.scope)).toBe(2);

    const visit = await t.sponsor.anchorVisit(
      t.studyId,
      t.pseudonym.address,
      1,
      [heartRate(61), heartRate(64)],
      readers,
    );
    expect(visit.records).toBe(2);
    const manifest = JSON.parse(fromUtf8("manifest", await t.f.store.get(visit.manifestCid))) as {
      entries: { contentCid: string; keyringCid: string }[];
    };
    const context = utf8(`carechain/study-visit/v1:${t.studyId}:${t.pseudonym.address}:1`);
    const open = async (identity: typeof t.sponsorIdentity, entry: (typeof manifest.entries)[number]) => {
      const contentCid = CID.parse(entry.contentCid);
      const keyring = decodeKeyring(await t.f.store.get(CID.parse(entry.keyringCid)));
      const dek = await openKeyring(keyring, contentCid, identity);
      return JSON.parse(fromUtf8("record", decryptEnvelope(dek, await t.f.store.get(contentCid), context))) as {
        valueQuantity: { value: number };
      };
    };
    expect((await open(t.sponsorIdentity, manifest.entries[0]!)).valueQuantity.value).toBeTypeOf("number");
    expect((await open(t.patientIdentity, manifest.entries[1]!)).valueQuantity.value).toBeTypeOf("number");
    await expect(open(t.f.lab.identity, manifest.entries[0]!)).rejects.toBeInstanceOf(NotARecipientError);

    await t.subject.withdraw(t.studyId);
    const refused = await t.sponsor
      .anchorVisit(t.studyId, t.pseudonym.address, 2, [heartRate(70)], readers)
      .catch((e: unknown) => e);
    expect(errorName(refused)).toBe("StudySubjectWithdrawn");
  });

  it("refuses enrolment into an unregistered study, from a Directory account, and under an old protocol version", async () => {
    const t = await trialsFixture();
    const terms = {
      categories: ["VitalSigns"] as const,
      expiresAt: (await t.f.now()) + 86_400,
      scope: "keep-collected" as const,
      readers: [t.sponsorIdentity.publicKey],
    };
    expect(errorName(await t.subject.enroll(ethers.id("unregistered"), terms).catch((e: unknown) => e))).toBe(
      "StudyNotRegistered",
    );
    const signers = await t.f.connection.ethers.getSigners();
    const asPatient = new TrialsClient({ registry: t.registry, signer: signers[3]!, store: t.f.store }); // the patient's own account
    expect(errorName(await asPatient.enroll(t.studyId, terms).catch((e: unknown) => e))).toBe(
      "StudyPseudonymRegistered",
    );
    await t.sponsor.amendStudy(t.studyId, PROTOCOL, ENDPOINTS, "Clarify the visit window.");
    const stale = await t.subject.registry
      .enroll(t.studyId, 1, 1n << 5n, terms.expiresAt, 1, ethers.id("subject"))
      .catch((e: unknown) => e);
    expect(errorName(trialsErrorOf(stale))).toBe("StudyInvalidConsent");
    expect(await t.subject.registry.study(t.studyId).then((s) => s.enrolled)).toBe(0n);
  });

  it("amendments keep their reasons; a switched outcome is flagged on chain and named by the SDK", async () => {
    const t = await trialsFixture();
    const amended: StudyEndpoints = {
      ...ENDPOINTS,
      secondary: [{ id: "E2", measure: "Blood pressure", timeFrame: "week 4" }],
    };
    await t.sponsor.amendStudy(t.studyId, PROTOCOL, amended, "Add blood pressure, as the ethics committee asked.");
    await t.subject.enroll(t.studyId, {
      categories: ["VitalSigns"],
      expiresAt: (await t.f.now()) + 86_400,
      scope: "keep-collected",
      readers: [t.sponsorIdentity.publicKey],
    });
    const { versions, registeredVersion } = await t.sponsor.loadStudy(t.studyId);
    expect(registeredVersion).toBe(2);
    expect(versions[1]!.reason).toBe("Add blood pressure, as the ethics committee asked.");
    const asRegistered = await t.sponsor.detectOutcomeSwitching(t.studyId, amended);
    expect(asRegistered).toEqual([]);
    const switched: StudyEndpoints = {
      ...amended,
      primary: [{ id: "E1", measure: "Heart rate variability", timeFrame: "week 4" }],
    };
    const result = await t.sponsor.reportResults(t.studyId, {
      format: RESULTS_FORMAT,
      endpoints: switched,
      summary: {},
    });
    expect(result.asRegistered).toBe(false);
    expect(result.switches).toEqual([expect.objectContaining({ kind: "changed", endpointId: "E1" })]);
    expect(result.switches[0]!.amendment).toBeUndefined();
  });
});
