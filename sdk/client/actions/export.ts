/**
 * Portability (GDPR art. 20): every current record of a patient that this account can read, each read the verified
 * way (consent on chain, CIDs, authenticated decryption, FHIR validation), as one FHIR R4 `collection` Bundle.
 * @module
 */
import type { Bundle, BundleEntry } from "@medplum/fhirtypes";
import { getAddress } from "ethers";

import type { PurposeCode } from "../../chain/purpose.js";
import { RecordReadConsentRequiredError } from "../../errors/contract.js";
import type { CarechainContext } from "../context.js";
import type { SkippedObject } from "../types.js";
import { isObjectFault } from "./_records.js";
import { listRecords, readRecord } from "./records-read.js";

/** Parameters of {@link exportBundle}. */
export interface ExportBundleParameters {
  /** The patient whose records are exported. */
  readonly patient: string;
  /** The purpose of the reads (default TREAT; a patient reading its own records needs none). */
  readonly purpose?: PurposeCode;
}

/** The result of {@link exportBundle}. */
export interface ExportBundleReturnType {
  /** A FHIR R4 `collection` Bundle of the current version of every readable record, oldest first, validated. */
  readonly bundle: Bundle;
  /** Record ids in the order of the Bundle's entries. */
  readonly recordIds: readonly string[];
  /**
   * Current records left out: erased ones, ones this account may not read, and ones whose blobs are missing or
   * fail their checks (each with its typed error).
   */
  readonly skipped: readonly SkippedObject[];
}

/**
 * Exports a patient's records as one FHIR R4 `collection` Bundle (GDPR art. 20, data portability; art. 15, a copy of
 * the data): the current version of every record (amended versions are left out, their latest amendment is in),
 * each read with {@link readRecord} — consent checked on chain, blobs checked against their CIDs, decryption
 * authenticated, content validated — then the Bundle validated as a whole. Each entry's `fullUrl` is
 * `urn:carechain:record:<recordId>`, so the export names the anchors it came from. Reads by a grantee are logged on
 * chain as usual; a patient's own are not.
 * @param ctx - The client context (the patient's, a delegate's or a grantee's).
 * @param params - The patient and the purpose.
 * @returns The Bundle, the record ids in it and what was left out.
 * @throws {FhirValidationError} When the assembled Bundle does not validate.
 * @example
 * const { bundle } = await patient.exportBundle({ patient: await patient.address() });
 */
export async function exportBundle(
  ctx: CarechainContext,
  params: ExportBundleParameters,
): Promise<ExportBundleReturnType> {
  const patient = getAddress(params.patient);
  const list = await listRecords(ctx, { patient });
  const skipped: SkippedObject[] = [...list.skipped];
  const entry: BundleEntry[] = [];
  const recordIds: string[] = [];
  for (const anchor of list) {
    if (anchor.amended) continue;
    try {
      const read = await readRecord(ctx, {
        recordId: anchor.recordId,
        ...(anchor.batch ? { batch: anchor.batch } : {}),
        ...(params.purpose ? { purpose: params.purpose } : {}),
      });
      entry.push({ fullUrl: `urn:carechain:record:${anchor.recordId}`, resource: read.resource });
      recordIds.push(anchor.recordId);
    } catch (error) {
      if (!isObjectFault(error) && !(error instanceof RecordReadConsentRequiredError)) throw error;
      skipped.push({ recordId: anchor.recordId, ...(anchor.batch ? { batch: anchor.batch } : {}), error });
    }
  }
  const bundle = ctx.validator.validate({
    resourceType: "Bundle",
    type: "collection",
    timestamp: new Date().toISOString(),
    // FHIR JSON has no empty arrays: a Bundle with nothing readable has no `entry`.
    ...(entry.length > 0 ? { entry } : {}),
  }) as Bundle;
  return { bundle, recordIds, skipped };
}
