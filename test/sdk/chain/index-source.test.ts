/**
 * The IndexSource contract (sdk/chain/index-source.ts): its anchor shape stays the client's RecordAnchor (it is
 * declared in the chain layer so that layer does not import the client), checked by the type checker and here.
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
