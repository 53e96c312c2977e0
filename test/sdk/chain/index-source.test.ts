/**
 * The IndexSource contract (sdk/chain/index-source.ts): its anchor is the client's RecordAnchor (declared in
 * sdk/chain/facts.ts, so the chain layer does not import the client) plus the anchor's CIDs, block and transaction.
 */
import { describe, expectTypeOf, it } from "vitest";

import type { IndexedAnchor, RecordAnchor } from "../../../sdk/index.js";

describe("IndexedAnchor", () => {
  it("is a RecordAnchor with the anchor's CIDs, block and transaction", () => {
    expectTypeOf<IndexedAnchor>().toExtend<RecordAnchor>();
    expectTypeOf<Omit<IndexedAnchor, "contentCid" | "keyringCid" | "block" | "tx">>().toEqualTypeOf<
      Omit<RecordAnchor, "batch">
    >();
  });
});
