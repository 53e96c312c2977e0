/**
 * The one revert decoder (sdk/chain/revert.ts) as the modules use it: a module's errors become its class, the core's
 * errors keep the core's classes, and revert data a hostile node shaped (an unknown selector, a known selector with
 * truncated arguments) becomes an UnknownRevertError carrying the data, never an exception out of the decoder.
 */
import { Interface } from "ethers";
import { describe, expect, it } from "vitest";

import { ClaimsRevertError, claimsErrorOf } from "../../../sdk/claims.js";
import { CarechainError, RecordInvalidCidError, UnknownRevertError, withRevertDecoding } from "../../../sdk/index.js";
import { SupplyChainRevertError, supplyChainRevertOf } from "../../../sdk/supplychain.js";
import { TrialsRevertError, trialsErrorOf } from "../../../sdk/trials.js";
import {
  ClaimRegistry__factory,
  ProductLedger__factory,
  RecordRegistry__factory,
  StudyRegistry__factory,
} from "../../../sdk/contracts/typechain/index.js";

const lotId = `0x${"cd".repeat(32)}`;
const ledgerError = new Interface(ProductLedger__factory.abi).encodeErrorResult("ProductLedgerUnknownLot", [lotId]);
const coreError = new Interface(RecordRegistry__factory.abi).encodeErrorResult("RecordInvalidCid", ["0x0155"]);

/** What ethers throws for a reverted call: the revert data nested in the error, as providers do. */
function reverted(data: string): Error {
  return Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION", info: { error: { data } } });
}

describe("module reverts through the one decoder", () => {
  it("a module's error becomes the module's class, with the Solidity name and arguments", () => {
    const error = supplyChainRevertOf(reverted(ledgerError));
    expect(error).toBeInstanceOf(SupplyChainRevertError);
    expect(error?.errorName).toBe("ProductLedgerUnknownLot");
    expect(error?.args).toEqual({ lotId });

    const claimData = new Interface(ClaimRegistry__factory.abi).encodeErrorResult("ClaimEmptyCommitment", []);
    const claim = claimsErrorOf(reverted(claimData));
    expect(claim).toBeInstanceOf(ClaimsRevertError);
    expect((claim as ClaimsRevertError).errorName).toBe("ClaimEmptyCommitment");

    const studyData = new Interface(StudyRegistry__factory.abi).encodeErrorResult("StudyNotRegistered", [lotId]);
    const study = trialsErrorOf(reverted(studyData));
    expect(study).toBeInstanceOf(TrialsRevertError);
    expect((study as TrialsRevertError).args).toEqual({ studyId: lotId });
  });

  it("a core error keeps the core's class whichever module decodes it", () => {
    for (const decoded of [supplyChainRevertOf(reverted(coreError)), claimsErrorOf(reverted(coreError))]) {
      expect(decoded).toBeInstanceOf(RecordInvalidCidError);
      expect(decoded).not.toBeInstanceOf(SupplyChainRevertError);
      expect(decoded).not.toBeInstanceOf(ClaimsRevertError);
    }
  });

  it("another module's error is not taken for this module's: it stays unknown, with its data", () => {
    const error = claimsErrorOf(reverted(ledgerError));
    expect(error).toBeInstanceOf(UnknownRevertError);
    expect((error as UnknownRevertError).args.data).toBe(ledgerError);
  });

  it("hostile revert data: a known selector with truncated arguments is unknown, not a decoder crash", () => {
    const truncated = ledgerError.slice(0, 10 + 20); // selector and 10 of the lot id's 32 bytes
    const error = supplyChainRevertOf(reverted(truncated));
    expect(error).toBeInstanceOf(UnknownRevertError);
    expect(error).not.toBeInstanceOf(SupplyChainRevertError);
    expect(error?.args.data).toBe(truncated);
  });

  it("a failure that is no revert is left alone (or wrapped as CHAIN by withRevertDecoding)", async () => {
    const network = Object.assign(new Error("socket hang up"), { code: "NETWORK_ERROR" });
    expect(supplyChainRevertOf(network)).toBeUndefined();
    expect(claimsErrorOf(network)).toBe(network);
    const thrown = await withRevertDecoding("op", () => Promise.reject(network)).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(CarechainError);
    expect((thrown as CarechainError).code).toBe("CHAIN");
  });
});
