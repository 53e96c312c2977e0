/**
 * The claims client: one account's actions on claims, on top of a Carechain client. The Claim, the Coverage, the
 * ClaimResponse and the patient's ExplanationOfBenefit are Financial records of the patient (validated, encrypted,
 * anchored by the core, shared under HPAYMT consent); the claim contracts get only commitments, parties, the policy
 * version, the state and the amount the escrow pays.
 */
import { randomBytes } from "@noble/ciphers/utils.js";
import type { Claim, ClaimResponse, Coverage } from "@medplum/fhirtypes";
import { getAddress, type Signer } from "ethers";

import { queuedSigner } from "../chain/sender.js";
import type { Carechain } from "../client/carechain.js";
import type { TxResult } from "../client/types.js";
import { toHex } from "../crypto/bytes.js";
import { AdjudicationMismatchError, ClaimConsentRequiredError, ClaimFormatError } from "../errors/claims.js";
import {
  adjudicateClaim,
  adjudicationInputsOf,
  claimResponseBytes,
  type Adjudication,
  type ClaimDecision,
} from "./adjudicate.js";
import { appealCommitment, CLAIM_SALT_SYSTEM, claimCommitment, claimSaltOf, responseCommitment } from "./commitment.js";
import { connectClaims, connectSettlementToken, type ClaimsDeployment } from "./contracts.js";
import { explanationOfBenefit } from "./eob.js";
import {
  call,
  loadPolicy,
  publishPolicy,
  publishPolicyVersion,
  send,
  type ClaimsContext,
  type PolicySettlement,
  type PublishedPolicy,
} from "./policies.js";
import type { CoveragePolicy } from "./policy.js";

/** Claim states and decisions, as the contract numbers them. */
export const CLAIM_STATES = ["none", "submitted", "adjudicated", "appealed", "escalated", "paid", "closed"] as const;
/** A claim's state. */
export type ClaimState = (typeof CLAIM_STATES)[number];
const DECISIONS = ["none", "approved", "partial", "denied"] as const;

/** A claim as the chain holds it. */
export interface ClaimStatus {
  readonly claimId: string;
  readonly provider: string;
  readonly state: ClaimState;
  readonly decision: ClaimDecision | "none";
  readonly appeals: number;
  readonly policyId: string;
  readonly policyVersion: number;
  readonly period: number;
  readonly deadline: number;
  /** Token units the escrow pays (or paid) the provider. */
  readonly amount: bigint;
  readonly response: string;
}

/** A submitted claim: its on-chain id, its record, and the transactions. */
export interface SubmittedClaim {
  readonly claimId: string;
  readonly recordId: string;
  readonly record: TxResult;
  readonly submit: TxResult;
}

/** An anchored adjudication: the figures, the records the insurer wrote, the transaction. */
export interface AnchoredAdjudication {
  readonly claimId: string;
  readonly adjudication: Adjudication;
  readonly responseRecordId: string;
  readonly eobRecordId: string;
  readonly amount: bigint;
  /** The anchoring of the ClaimResponse record. */
  readonly responseRecord: TxResult;
  /** The anchoring of the EOB record. */
  readonly eobRecord: TxResult;
  readonly adjudicate: TxResult;
}

const FINANCIAL = "Financial";
const PAYMENT = "HPAYMT";

/**
 * Claims for one account (provider, insurer, arbiter or patient), through its Carechain client.
 * @example
 * const claims = ClaimsClient.connect({ carechain: hospital, signer, deployment });
 * const { claimId, recordId } = await claims.submitClaim(patient, claim, policyId);
 */
export class ClaimsClient {
  readonly carechain: Carechain;
  readonly #ctx: ClaimsContext;

  private constructor(carechain: Carechain, ctx: ClaimsContext) {
    this.carechain = carechain;
    this.#ctx = ctx;
  }

  /**
   * Binds the claim contracts to the account of `carechain` (its signer, behind the same send queue).
   * @param options - The account's Carechain client, optionally its signer (default: the one `carechain` sends
   * with), and the claim contracts' deployment.
   * @returns The client.
   */
  static connect(options: {
    readonly carechain: Carechain;
    readonly signer?: Signer;
    readonly deployment: ClaimsDeployment;
  }): ClaimsClient {
    const sender = queuedSigner(options.signer ?? (options.carechain.contracts.directory.runner as Signer));
    return new ClaimsClient(options.carechain, {
      contracts: connectClaims(options.deployment, sender),
      sender,
      store: options.carechain.store,
    });
  }

  /** The bound claim contracts. */
  get contracts(): ClaimsContext["contracts"] {
    return this.#ctx.contracts;
  }

  /** Insurer: creates a policy with its settlement terms and first version (see {@link publishPolicy}). */
  publishPolicy(
    name: string,
    policy: CoveragePolicy,
    settlement: PolicySettlement,
    terms: { readonly arbiter: string; readonly effectiveFrom?: bigint | number },
  ): Promise<PublishedPolicy> {
    return publishPolicy(this.#ctx, name, policy, settlement, terms);
  }

  /** Insurer: publishes the next version of a policy (see {@link publishPolicyVersion}). */
  publishPolicyVersion(
    policyId: string,
    policy: CoveragePolicy,
    terms: { readonly arbiter: string; readonly effectiveFrom?: bigint | number },
  ): Promise<PublishedPolicy> {
    return publishPolicyVersion(this.#ctx, policyId, policy, terms);
  }

  /** Anyone: a policy version, verified against the chain (see {@link loadPolicy}). */
  loadPolicy(policyId: string, version?: number): ReturnType<typeof loadPolicy> {
    return loadPolicy(this.#ctx, policyId, version);
  }

  /**
   * Insurer: anchors the member's Coverage as a Financial record of the patient (needs write consent for payment).
   * @param patient - The member.
   * @param coverage - The FHIR Coverage.
   * @returns The record id and transaction.
   */
  async addCoverage(patient: string, coverage: Coverage): Promise<{ recordId: string; tx: TxResult }> {
    await this.#requireConsent(patient, await this.carechain.address(), "write");
    const added = await this.carechain.addRecord(patient, coverage);
    return { recordId: added.recordId, tx: added };
  }

  /**
   * Provider: submits a claim under a policy version. Refuses unless the patient lets this provider write, and the
   * policy's insurer read, Financial records for payment (HPAYMT). The Claim gets a random 32-byte salt identifier,
   * is anchored as the patient's record (encrypted; the insurer is among its readers), and its salted commitment is
   * filed on chain.
   * @param patient - The patient's address.
   * @param claim - The FHIR R4 Claim.
   * @param policyId - The policy.
   * @param version - The policy version (default: the latest).
   * @returns The claim id (commitment), the record id and the transactions.
   * @throws {ClaimConsentRequiredError} When consent is missing (nothing stored or sent).
   * @throws {ClaimsRevertError} When the contract refuses.
   */
  async submitClaim(patient: string, claim: Claim, policyId: string, version?: number): Promise<SubmittedClaim> {
    const policy = await call(() => this.#ctx.contracts.policies.policy(policyId));
    const v = version ?? Number(policy.versions);
    await this.#requireConsent(patient, await this.carechain.address(), "write");
    await this.#requireConsent(patient, policy.insurer, "read");
    const salt = randomBytes(32);
    const salted: Claim = {
      ...claim,
      identifier: [
        ...(claim.identifier ?? []).filter((i) => i.system !== CLAIM_SALT_SYSTEM),
        { system: CLAIM_SALT_SYSTEM, value: toHex(salt) },
      ],
    };
    const record = await this.carechain.addRecord(patient, salted);
    const claimId = claimCommitment(salted, salt);
    const submit = await send(this.#ctx, "submit", () => this.#ctx.contracts.claims.submit(claimId, policyId, v));
    return { claimId, recordId: record.recordId, record, submit };
  }

  /**
   * Insurer: reads the claim and the Coverage (for payment), runs the adjudicator under the claim's policy version,
   * anchors the ClaimResponse and the patient's ExplanationOfBenefit as the patient's Financial records, and records
   * the decision, the amount and the response's commitment on chain. After an appeal the same call re-adjudicates
   * (final).
   * @param claimRecordId - The claim's record.
   * @param coverageRecordId - The member's Coverage record.
   * @param inputs - `created`: adjudication date (YYYY-MM-DD); `deductibleMet`: cents already met this period.
   * @returns The adjudication, its records, the token amount and the transaction.
   * @throws {ClaimFormatError} When the claim cannot be adjudicated or carries no salt.
   * @throws {ClaimsRevertError} E.g. `ClaimAdjudicationDeadlinePassed` when the insurer is late.
   */
  async adjudicate(
    claimRecordId: string,
    coverageRecordId: string,
    inputs: { readonly created: string; readonly deductibleMet?: number },
  ): Promise<AnchoredAdjudication> {
    const { claim, claimId, salt, patient, status } = await this.#claimOf(claimRecordId);
    const coverage = (await this.carechain.readRecord<Coverage>(coverageRecordId, { purpose: PAYMENT })).resource;
    const { policy } = await this.loadPolicy(status.policyId, status.policyVersion);
    const adjudication = adjudicateClaim({ claim, coverage, policy, ...inputs });
    const response = await this.carechain.addRecord(patient, adjudication.response);
    const eob = await this.carechain.addRecord(
      patient,
      explanationOfBenefit(claim, adjudication.response, policy.name),
    );
    const amount = await this.#tokenAmount(status.policyId, adjudication.totals.benefit);
    const commitment = responseCommitment(adjudication.bytes, salt);
    const adjudicate = await send(this.#ctx, "adjudicate", () =>
      this.#ctx.contracts.claims.adjudicate(claimId, DECISIONS.indexOf(adjudication.decision), amount, commitment),
    );
    return {
      claimId,
      adjudication,
      responseRecordId: response.recordId,
      eobRecordId: eob.recordId,
      amount,
      responseRecord: response,
      eobRecord: eob,
      adjudicate,
    };
  }

  /**
   * Provider or patient (anyone who may read the three records): re-runs the adjudication from the Claim, the
   * Coverage, the policy version on chain and the inputs the ClaimResponse states, and checks that it gives the
   * anchored ClaimResponse byte for byte and the commitment on chain.
   * @param claimRecordId - The claim's record.
   * @param responseRecordId - The ClaimResponse record the insurer anchored.
   * @param coverageRecordId - The Coverage record.
   * @returns The claim id and the re-run adjudication.
   * @throws {AdjudicationMismatchError} When the bytes or the commitment differ.
   */
  async verifyAdjudication(
    claimRecordId: string,
    responseRecordId: string,
    coverageRecordId: string,
  ): Promise<{ claimId: string; adjudication: Adjudication }> {
    const { claim, claimId, salt, status } = await this.#claimOf(claimRecordId);
    const anchored = (await this.carechain.readRecord<ClaimResponse>(responseRecordId, { purpose: PAYMENT })).resource;
    const coverage = (await this.carechain.readRecord<Coverage>(coverageRecordId, { purpose: PAYMENT })).resource;
    const { policy } = await this.loadPolicy(status.policyId, status.policyVersion);
    const adjudication = adjudicateClaim({ claim, coverage, policy, ...adjudicationInputsOf(anchored) });
    const anchoredBytes = claimResponseBytes(anchored);
    if (toHex(adjudication.bytes) !== toHex(anchoredBytes)) {
      throw new AdjudicationMismatchError(claimId, "the re-run ClaimResponse differs from the anchored one");
    }
    if (responseCommitment(adjudication.bytes, salt) !== status.response.toLowerCase()) {
      throw new AdjudicationMismatchError(
        claimId,
        `the on-chain response commitment ${status.response} is not the re-run one`,
      );
    }
    return { claimId, adjudication };
  }

  /**
   * Provider: appeals a Partial or Denied adjudication; the reasons go to the insurer off chain, their salted
   * commitment on chain.
   * @param claimRecordId - The claim's record (for its salt).
   * @param reasons - The appeal's reasons.
   * @returns The transaction.
   */
  async appeal(claimRecordId: string, reasons: string): Promise<TxResult> {
    const { claimId, salt } = await this.#claimOf(claimRecordId);
    return send(this.#ctx, "appeal", () => this.#ctx.contracts.claims.appeal(claimId, appealCommitment(reasons, salt)));
  }

  /** Provider: escalates a claim whose insurer missed its adjudication deadline. */
  escalate(claimId: string): Promise<TxResult> {
    return send(this.#ctx, "escalate", () => this.#ctx.contracts.claims.escalate(claimId));
  }

  /**
   * Arbiter: the final decision on an escalated claim, from an adjudication the arbiter ran or was shown, and the
   * claim's salt.
   * @param claimId - The claim.
   * @param adjudication - The adjudication decided on.
   * @param salt - The claim's 32-byte salt (from the claim).
   * @returns The transaction.
   */
  async resolve(claimId: string, adjudication: Adjudication, salt: Uint8Array): Promise<TxResult> {
    const status = await this.claim(claimId);
    const amount = await this.#tokenAmount(status.policyId, adjudication.totals.benefit);
    const commitment = responseCommitment(adjudication.bytes, salt);
    return send(this.#ctx, "resolve", () =>
      this.#ctx.contracts.claims.resolve(claimId, DECISIONS.indexOf(adjudication.decision), amount, commitment),
    );
  }

  /** Provider (accepting) or anyone after the appeal window: pays an approved or partial claim from escrow. */
  settle(claimId: string): Promise<TxResult> {
    return send(this.#ctx, "settle", () => this.#ctx.contracts.claims.settle(claimId));
  }

  /** Provider (accepting) or anyone after the appeal window: closes a denied claim. */
  close(claimId: string): Promise<TxResult> {
    return send(this.#ctx, "close", () => this.#ctx.contracts.claims.close(claimId));
  }

  /**
   * Insurer (or anyone): approves the escrow and funds `policyId`'s period `period` with `cents` in the policy's
   * token.
   * @returns The approve and fund transactions.
   */
  async fund(policyId: string, period: number, cents: number): Promise<{ approve: TxResult; fund: TxResult }> {
    const amount = await this.#tokenAmount(policyId, cents);
    const token = connectSettlementToken(
      (await call(() => this.#ctx.contracts.policies.policy(policyId))).token,
      this.#ctx.sender,
    );
    const escrow = await this.#ctx.contracts.claims.getAddress();
    const approve = await send(this.#ctx, "approve", () => token.approve(escrow, amount));
    const fund = await send(this.#ctx, "fund", () => this.#ctx.contracts.claims.fund(policyId, period, amount));
    return { approve, fund };
  }

  /** Insurer: takes back the rest of a period's escrow once it ended and every claim filed in it is final. */
  reclaim(policyId: string, period: number): Promise<TxResult> {
    return send(this.#ctx, "reclaim", () => this.#ctx.contracts.claims.reclaim(policyId, period));
  }

  /**
   * A claim as the chain holds it.
   * @throws {ClaimsRevertError} `ClaimNotFound`.
   */
  async claim(claimId: string): Promise<ClaimStatus> {
    const c = await call(() => this.#ctx.contracts.claims.claim(claimId));
    return {
      claimId,
      provider: c.provider,
      state: CLAIM_STATES[Number(c.state)] ?? "none",
      decision: DECISIONS[Number(c.decision)] ?? "none",
      appeals: Number(c.appeals),
      policyId: c.policyId,
      policyVersion: Number(c.policyVersion),
      period: Number(c.period),
      deadline: Number(c.deadline),
      amount: c.amount,
      response: c.response,
    };
  }

  /** Reads a claim record (for payment) and finds its on-chain claim through its salted commitment. */
  async #claimOf(claimRecordId: string) {
    const read = await this.carechain.readRecord<Claim>(claimRecordId, { purpose: PAYMENT });
    const salt = claimSaltOf(read.resource);
    if (!salt)
      throw new ClaimFormatError("claim.identifier", "carries no commitment salt (not submitted through Carechain)");
    const claimId = claimCommitment(read.resource, salt);
    return { claim: read.resource, claimId, salt, patient: read.anchor.patient, status: await this.claim(claimId) };
  }

  async #requireConsent(patient: string, party: string, action: "read" | "write"): Promise<void> {
    const allowed = await this.carechain.canAccess(getAddress(patient), getAddress(party), FINANCIAL, action, PAYMENT);
    if (!allowed) throw new ClaimConsentRequiredError(getAddress(patient), getAddress(party), action);
  }

  /** Cents in the policy token's units (a token with d ≥ 2 decimals has 10^(d−2) units per cent). */
  async #tokenAmount(policyId: string, cents: number): Promise<bigint> {
    const token = connectSettlementToken(
      (await call(() => this.#ctx.contracts.policies.policy(policyId))).token,
      this.#ctx.sender,
    );
    const decimals = Number(await token.decimals());
    if (decimals < 2)
      throw new RangeError(`settlement token has ${decimals} decimals; at least 2 are needed for cents`);
    return BigInt(cents) * 10n ** BigInt(decimals - 2);
  }
}
