/** Delegate actions against a fake chain: kinds checked before anything is sent; the patient defaults to the caller. */
import { describe, expect, it } from "vitest";

import { addDelegate } from "../../../../sdk/client/actions/delegates.js";
import { FakeChain, fakeAccount } from "./_fake-context.js";

describe("addDelegate", () => {
  it("names a proxy for the calling patient by default, a guardian for another patient on request", async () => {
    const chain = new FakeChain();
    const patient = fakeAccount(chain);
    const other = fakeAccount(chain);
    await addDelegate(patient.ctx, { delegate: other.address, kind: "proxy" });
    await addDelegate(other.ctx, { delegate: other.address, kind: "guardian", patient: patient.address });
    expect(chain.sent.map((s) => [s.method, s.from, ...s.args])).toEqual([
      ["addDelegate", patient.address, patient.address, other.address, 2],
      ["addDelegate", other.address, patient.address, other.address, 1],
    ]);
  });

  it.each(["none", "owner", undefined])("refuses the kind %s before anything is sent", async (kind) => {
    const chain = new FakeChain();
    const patient = fakeAccount(chain);
    await expect(addDelegate(patient.ctx, { delegate: patient.address, kind: kind as never })).rejects.toThrow(
      /^kind: expected guardian or proxy/,
    );
    expect(chain.sent).toEqual([]);
  });
});
