/**
 * The trials client: a sponsor registers and amends studies, anchors visit data and reports results; a subject
 * enrols and withdraws under its study pseudonym; anyone checks the results for outcome switching. Public study
 * documents go to the BlobStore in clear (no patient data); the ResearchSubject and visit data are encrypted with the
 * SDK's envelope and keyrings; the chain gets hashes, CIDs, commitments, Merkle roots and the pseudonym.
 */
import { randomBytes } from "@noble/ciphers/utils.js";
import type { ResearchStudy, ResearchSubject } from "@medplum/fhirtypes";
import { encodeBytes32String, type ContractTransactionResponse, type Signer } from "ethers";
import { CID } from "multiformats/cid";

import { queuedSigner, sendAndConfirm, type QueuedSigner } from "../chain/sender.js";
import type { TxResult } from "../client/types.js";
import type { BlobStore } from "../content/blob-store.js";
import { StandardMerkleTree } from "../content/merkle.js";
import { encryptEnvelope, generateDek } from "../crypto/envelope.js";
import { fromHex, fromUtf8, toHex, utf8 } from "../crypto/bytes.js";
import { createKeyring, encodeKeyring } from "../crypto/keyring.js";
import type { StudyRegistry } from "../contracts/typechain/index.js";
import { IntegrityError } from "../errors/data.js";
import { canonicalJson } from "../fhir/canonical.js";
import { Category, categoryMask, type CategoryName } from "../fhir/categories.js";
import { connectStudyRegistry, trialsErrorOf } from "./contracts.js";
import type { EligibilityCriteria } from "./eligibility.js";
import { documentDigest, parseEndpoints, RESULTS_FORMAT, type StudyEndpoints, type StudyResults } from "./endpoints.js";
import { detectOutcomeSwitching, type AmendmentRecord, type OutcomeSwitch } from "./outcome-switching.js";

/** The public protocol document: the FHIR ResearchStudy and its eligibility criteria. */
export interface StudyProtocol {
  readonly format: "carechain.study-protocol/1";
  readonly researchStudy: ResearchStudy;
  readonly eligibility: EligibilityCriteria;
}

/** What withdrawal does to data collected before it, as the contract numbers it. */
export const WITHDRAWAL_SCOPES = ["none", "keep-collected", "erase-collected"] as const;

/** One version of a study, with its documents loaded and verified. */
export interface LoadedStudyVersion {
  readonly version: number;
  readonly protocol: StudyProtocol;
  readonly endpoints: StudyEndpoints;
  readonly reason?: string;
  readonly afterEnrolment: boolean;
}

const RESEARCH_SUBJECT_DOMAIN = "carechain/research-subject/v1";

/**
 * Trial actions of one account on a StudyRegistry.
 * @example
 * const sponsor = new TrialsClient({ registry, signer, store });
 * const { studyId } = await sponsor.registerStudy("DIAB-01", protocol, endpoints);
 */
export class TrialsClient {
  readonly registry: StudyRegistry;
  readonly store: BlobStore;
  readonly #sender: QueuedSigner;

  /**
   * @param options - The registry's address, the account's signer, and the blob store for study documents.
   */
  constructor(options: { readonly registry: string; readonly signer: Signer; readonly store: BlobStore }) {
    this.#sender = queuedSigner(options.signer);
    this.registry = connectStudyRegistry(options.registry, this.#sender);
    this.store = options.store;
  }

  /**
   * Sponsor: registers a study (before any enrolment) by its protocol and pre-specified endpoints.
   * @param name - Short name, unique per sponsor (≤ 31 bytes).
   * @param protocol - ResearchStudy and eligibility criteria (public).
   * @param endpoints - Primary and secondary endpoints (public).
   * @returns The study id and the transaction.
   * @throws {FormatError} When the endpoints are malformed.
   * @throws {TrialsRevertError} E.g. `StudyNotSponsor`.
   */
  async registerStudy(
    name: string,
    protocol: StudyProtocol,
    endpoints: StudyEndpoints,
  ): Promise<{ studyId: string; tx: TxResult }> {
    const [p, e] = [await this.#publish(protocol), await this.#publish(parseEndpoints(endpoints))];
    const label = encodeBytes32String(name);
    const studyId = await this.registry.studyIdOf(await this.#sender.getAddress(), label);
    const tx = await this.#send("registerStudy", () =>
      this.registry.registerStudy(label, p.hash, p.cid.bytes, e.hash, e.cid.bytes),
    );
    return { studyId, tx };
  }

  /**
   * Sponsor: amends a study; the reasons are published with it, and the chain says whether subjects were already
   * enrolled.
   * @returns The new version and the transaction.
   */
  async amendStudy(
    studyId: string,
    protocol: StudyProtocol,
    endpoints: StudyEndpoints,
    reason: string,
  ): Promise<{ version: number; tx: TxResult }> {
    const [p, e, r] = [
      await this.#publish(protocol),
      await this.#publish(parseEndpoints(endpoints)),
      await this.#publish({ reason }),
    ];
    const tx = await this.#send("amendStudy", () =>
      this.registry.amendStudy(studyId, p.hash, p.cid.bytes, e.hash, e.cid.bytes, r.cid.bytes),
    );
    return { version: Number((await this.registry.study(studyId)).versions), tx };
  }

  /**
   * Anyone: every version of a study, each document verified against its anchored hash.
   * @throws {IntegrityError} When a document does not match its hash.
   */
  async loadStudy(
    studyId: string,
  ): Promise<{ versions: LoadedStudyVersion[]; registeredVersion: number; sponsor: string }> {
    const study = await this.#call(() => this.registry.study(studyId));
    const versions: LoadedStudyVersion[] = [];
    for (let v = 1; v <= Number(study.versions); v++) {
      const entry = await this.#call(() => this.registry.studyVersion(studyId, v));
      const protocol = await this.#fetch<StudyProtocol>(entry.protocolCid, entry.protocolHash);
      const endpoints = parseEndpoints(await this.#fetch(entry.endpointsCid, entry.endpointsHash));
      const reason =
        entry.reasonCid === "0x" ? undefined : (await this.#fetch<{ reason: string }>(entry.reasonCid)).reason;
      versions.push({
        version: v,
        protocol,
        endpoints,
        afterEnrolment: entry.afterEnrolment,
        ...(reason ? { reason } : {}),
      });
    }
    return {
      versions,
      registeredVersion: Number(await this.registry.registeredVersion(studyId)),
      sponsor: study.sponsor,
    };
  }

  /**
   * Subject (this client's signer is the study pseudonym, see {@link studyPseudonym}): consents to research use of
   * `categories` until `expiresAt` and enrols under the current protocol version. The ResearchSubject (with a random
   * salt) is encrypted for the given readers (e.g. the sponsor's Directory key and the patient's own key); only its
   * commitment goes on chain.
   * @returns The commitment, the ResearchSubject's ciphertext and keyring CIDs, and the transaction.
   * @throws {TrialsRevertError} E.g. `StudyNotRegistered`, `StudyPseudonymRegistered`.
   */
  async enroll(
    studyId: string,
    terms: {
      readonly categories: readonly CategoryName[];
      readonly expiresAt: number;
      readonly scope: Exclude<(typeof WITHDRAWAL_SCOPES)[number], "none">;
      readonly readers: readonly Uint8Array[];
    },
  ): Promise<{ researchSubject: string; contentCid: CID; keyringCid: CID; tx: TxResult }> {
    const study = await this.#call(() => this.registry.study(studyId));
    const subject: ResearchSubject = {
      resourceType: "ResearchSubject",
      identifier: [{ system: "urn:ietf:rfc:3986", value: `urn:carechain:salt:${toHex(randomBytes(32))}` }],
      status: "on-study",
      study: { identifier: { system: "urn:carechain:study", value: studyId } },
      individual: { identifier: { system: "urn:carechain:pseudonym", value: await this.#sender.getAddress() } },
      consent: {
        display: `HRESCH: ${terms.categories.join(", ")} until ${new Date(terms.expiresAt * 1000).toISOString()}`,
      },
    };
    const plaintext = utf8(canonicalJson(subject));
    const researchSubject = documentDigest({ domain: RESEARCH_SUBJECT_DOMAIN, subject }).hash;
    const { contentCid, keyringCid } = await this.#seal(
      plaintext,
      terms.readers,
      utf8(`${RESEARCH_SUBJECT_DOMAIN}:${studyId}`),
    );
    const tx = await this.#send("enroll", () =>
      this.registry.enroll(
        studyId,
        study.versions,
        categoryMask(terms.categories.map((c) => Category[c])),
        terms.expiresAt,
        WITHDRAWAL_SCOPES.indexOf(terms.scope),
        researchSubject,
      ),
    );
    return { researchSubject, contentCid, keyringCid, tx };
  }

  /** Subject (pseudonym): withdraws from a study; the sponsor's later data for it is refused on chain. */
  withdraw(studyId: string): Promise<TxResult> {
    return this.#send("withdraw", () => this.registry.withdraw(studyId));
  }

  /**
   * Sponsor: anchors one visit of a subject: each resource encrypted with a fresh key for `readers`, a manifest of
   * their CIDs, and a Merkle root over them (OpenZeppelin StandardMerkleTree of `bytes32` ciphertext digests).
   * @returns The root, the manifest CID and the transaction.
   * @throws {TrialsRevertError} `StudySubjectWithdrawn` or `StudyConsentExpired` when the subject's consent is gone.
   */
  async anchorVisit(
    studyId: string,
    subject: string,
    visit: number,
    resources: readonly unknown[],
    readers: readonly Uint8Array[],
  ) {
    const context = utf8(`carechain/study-visit/v1:${studyId}:${subject}:${visit}`);
    const entries: { contentCid: string; keyringCid: string }[] = [];
    for (const resource of resources) {
      const sealed = await this.#seal(utf8(canonicalJson(resource)), readers, context);
      entries.push({ contentCid: sealed.contentCid.toString(), keyringCid: sealed.keyringCid.toString() });
    }
    const tree = StandardMerkleTree.of(
      entries.map((e) => [toHex(CID.parse(e.contentCid).multihash.digest)] as const),
      ["bytes32"],
    );
    const manifest = await this.store.put(
      utf8(canonicalJson({ format: "carechain.study-visit/1", studyId, subject, visit, entries })),
    );
    const tx = await this.#send("anchorVisit", () =>
      this.registry.anchorVisit(studyId, subject, visit, tree.root, entries.length, manifest.bytes),
    );
    return { root: tree.root, manifestCid: manifest, records: entries.length, tx };
  }

  /**
   * Sponsor: reports results and closes the study. The chain flags results whose endpoints are not the registered
   * ones; the SDK names every switch with the amendment history.
   * @returns The on-chain flag, the switches, and the transaction.
   */
  async reportResults(
    studyId: string,
    results: StudyResults,
  ): Promise<{ asRegistered: boolean; switches: OutcomeSwitch[]; tx: TxResult }> {
    if ((results as { format?: unknown }).format !== RESULTS_FORMAT) {
      throw new TypeError(`results: format must be "${RESULTS_FORMAT}"`);
    }
    const r = await this.#publish(results);
    const endpointsHash = documentDigest(parseEndpoints(results.endpoints)).hash;
    const tx = await this.#send("reportResults", () =>
      this.registry.reportResults(studyId, r.hash, r.cid.bytes, endpointsHash),
    );
    const receipt = await this.#sender.provider.getTransactionReceipt(tx.hash);
    const event = (receipt?.logs ?? [])
      .map((l) => this.registry.interface.parseLog(l))
      .find((l) => l?.name === "ResultsReported");
    return {
      asRegistered: event?.args.asRegistered === true,
      switches: await this.detectOutcomeSwitching(studyId, results.endpoints),
      tx,
    };
  }

  /**
   * Anyone: compares reported endpoints with those registered before the first enrolment, naming the amendment
   * behind each change (or none: a silent switch).
   */
  async detectOutcomeSwitching(studyId: string, reported: StudyEndpoints): Promise<OutcomeSwitch[]> {
    const { versions, registeredVersion } = await this.loadStudy(studyId);
    const registered = versions.find((v) => v.version === registeredVersion)?.endpoints;
    if (!registered) throw new IntegrityError(`Study ${studyId} has no registered version ${registeredVersion}.`);
    const amendments: AmendmentRecord[] = versions
      .filter((v) => v.version > registeredVersion)
      .map((v) => ({
        version: v.version,
        endpoints: v.endpoints,
        reason: v.reason ?? "",
        afterEnrolment: v.afterEnrolment,
      }));
    return detectOutcomeSwitching(registered, reported, amendments);
  }

  async #publish(document: unknown): Promise<{ cid: CID; hash: string }> {
    const { bytes, hash } = documentDigest(document);
    return { cid: await this.store.put(bytes), hash };
  }

  async #fetch<T>(cidHex: string, hash?: string): Promise<T> {
    const bytes = await this.store.get(CID.decode(fromHex("cid", cidHex)));
    const text = fromUtf8("study document", bytes);
    if (hash !== undefined && documentDigest(JSON.parse(text)).hash !== hash.toLowerCase()) {
      throw new IntegrityError(`A study document (${cidHex}) does not match its anchored hash.`);
    }
    return JSON.parse(text) as T;
  }

  async #seal(
    plaintext: Uint8Array,
    readers: readonly Uint8Array[],
    context: Uint8Array,
  ): Promise<{ contentCid: CID; keyringCid: CID }> {
    const dek = generateDek();
    const contentCid = await this.store.put(encryptEnvelope(dek, plaintext, context));
    const keyringCid = await this.store.put(encodeKeyring(await createKeyring(contentCid, dek, readers)));
    return { contentCid, keyringCid };
  }

  async #send(action: string, run: () => Promise<ContractTransactionResponse>): Promise<TxResult> {
    try {
      return await sendAndConfirm(action, this.#sender, run);
    } catch (error) {
      throw trialsErrorOf(error);
    }
  }

  async #call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw trialsErrorOf(error);
    }
  }
}
