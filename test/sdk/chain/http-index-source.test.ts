/**
 * HttpIndexSource (sdk/chain/http-index-source.ts) against a stub fetch, without an indexer: argument checks,
 * paging, the deployment check, `minBlock`, and a hostile or broken indexer's answers refused field by field
 * (sdk/chain/_index-answer.ts) or mapped to typed errors (sdk/chain/_index-http.ts).
 */
import { getAddress } from "ethers";
import { describe, expect, it } from "vitest";

import {
  HttpIndexSource,
  IndexBehindError,
  IndexMismatchError,
  IndexResponseError,
  IndexUnavailableError,
} from "../../../sdk/index.js";

const patient = "0x" + "ab".repeat(20);
const recordId = "0x" + "00".repeat(32);
const head = { block: 10, timestamp: 1_700_000_000 };
const tx = "0x" + "11".repeat(32);

/** A source whose fetch answers `answer(url)`; the URLs asked are collected in `asked`. */
function stub(answer: (url: string) => { status?: number; body: unknown }, options = {}) {
  const asked: string[] = [];
  const fetch = (async (input: string | URL | Request) => {
    const url = input instanceof Request ? input.url : String(input);
    asked.push(url);
    const { status = 200, body } = answer(url);
    return new Response(typeof body === "string" ? body : JSON.stringify(body), { status });
  }) as typeof globalThis.fetch;
  return { source: new HttpIndexSource("http://indexer.test/", { fetch, ...options }), asked };
}

const fixed = (body: unknown, status = 200) => stub(() => ({ status, body })).source;

describe("HttpIndexSource arguments", () => {
  it.each([
    ["not a URL", () => new HttpIndexSource("not a url"), TypeError, /url: not a URL/],
    ["not http", () => new HttpIndexSource("ftp://x"), TypeError, /expected an http\(s\) URL/],
    ["timeout 0", () => new HttpIndexSource("http://x", { timeoutMs: 0 }), RangeError, /timeoutMs/],
    ["page size 10001", () => new HttpIndexSource("http://x", { pageSize: 10_001 }), RangeError, /pageSize/],
  ])("constructor refuses %s", (_name, make, type, message) => {
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });

  it("queries refuse bad arguments before any request", async () => {
    const { source, asked } = stub(() => ({ body: { head, items: [] } }));
    await expect(source.grants("0x1234")).rejects.toThrow(/patient: expected a 0x address/);
    await expect(source.record("0x12")).rejects.toThrow(/recordId: expected 32 bytes/);
    await expect(source.readers(patient, [])).rejects.toThrow(RangeError);
    await expect(source.readers(patient, [64 as never])).rejects.toThrow(/indices 0 to 63/);
    await expect(source.records(patient, { minBlock: -1 })).rejects.toThrow(/minBlock/);
    expect(asked).toEqual([]);
  });
});

describe("HttpIndexSource answers", () => {
  it("pages a list endpoint until `next` is null", async () => {
    const item = (n: number) => ({
      batchId: recordId,
      root: recordId,
      patient,
      author: patient,
      categories: "2",
      count: n,
      manifestCid: "0x01551220" + "22".repeat(32),
      anchoredAt: 5,
      block: 5,
      tx,
    });
    const { source, asked } = stub(
      (url) =>
        url.includes("after=")
          ? { body: { head, items: [item(2)], next: null } }
          : { body: { head, items: [item(1)], next: "c1" } },
      { pageSize: 1 },
    );
    const batches = await source.batches(patient);
    expect(batches.map((b) => b.count)).toEqual([1, 2]);
    expect(batches[0]!.categories).toEqual([1]);
    expect(asked).toEqual([
      `http://indexer.test/v1/patients/${getAddress(patient)}/batches?limit=1`,
      `http://indexer.test/v1/patients/${getAddress(patient)}/batches?limit=1&after=c1`,
    ]);
  });

  it("refuses an answer older than minBlock", async () => {
    const error = await fixed({ head, items: [], next: null })
      .records(patient, { minBlock: 11 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IndexBehindError);
    expect(error).toMatchObject({ head: 10, wanted: 11 });
  });

  it("checks the deployment once, and refuses another one", async () => {
    const deployment = {
      chainId: 31337n,
      directory: "0x" + "01".repeat(20),
      consentRegistry: "0x" + "02".repeat(20),
      recordRegistry: "0x" + "03".repeat(20),
    };
    const info = (recordRegistry: string) => ({
      chainId: 31337,
      contracts: { directory: deployment.directory, consentRegistry: deployment.consentRegistry, recordRegistry },
      startBlock: 0,
      head,
    });
    const same = stub(
      (url) => (url.endsWith("/v1/info") ? { body: info(deployment.recordRegistry) } : { body: { head, items: [] } }),
      {
        deployment,
      },
    );
    await same.source.keyrings(recordId);
    await same.source.keyrings(recordId);
    expect(same.asked.filter((u) => u.endsWith("/v1/info"))).toHaveLength(1);
    const other = stub(() => ({ body: info(deployment.directory) }), { deployment });
    await expect(other.source.keyrings(recordId)).rejects.toBeInstanceOf(IndexMismatchError);
  });

  it.each([
    ["not JSON", fixed("<html>"), IndexResponseError, "INDEX_RESPONSE"],
    ["a JSON array", fixed([1]), IndexResponseError, "INDEX_RESPONSE"],
    ["HTTP 503", fixed({ error: "x" }, 503), IndexUnavailableError, "INDEX_UNAVAILABLE"],
    ["HTTP 429", fixed({ error: "x" }, 429), IndexUnavailableError, "INDEX_UNAVAILABLE"],
    ["HTTP 400", fixed({ error: "x" }, 400), IndexResponseError, "INDEX_RESPONSE"],
    [
      "a bad address",
      fixed({ head, items: [{ account: "0x1234", key: "0x00", role: "patient" }] }),
      IndexResponseError,
      "INDEX_RESPONSE",
    ],
    [
      "a bad role",
      fixed({ head, items: [{ account: patient, key: "0x" + "00".repeat(32), role: "admin" }] }),
      IndexResponseError,
      "INDEX_RESPONSE",
    ],
  ])("refuses %s", async (_name, source, type, code) => {
    const error = await source.readers(patient, [1]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ code });
  });

  it("maps 404s: not indexed yet is unavailable, an unknown record is undefined or an empty history", async () => {
    await expect(fixed({ error: { code: "NOT_INDEXED" } }, 404).record(recordId)).rejects.toBeInstanceOf(
      IndexUnavailableError,
    );
    expect(await fixed({ error: { code: "RECORD_NOT_INDEXED" } }, 404).record(recordId)).toBeUndefined();
    expect(await fixed({ error: { code: "RECORD_NOT_INDEXED" } }, 404).history(recordId)).toEqual([]);
  });

  it("an unreachable indexer is IndexUnavailableError with the cause", async () => {
    const fetch = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof globalThis.fetch;
    const error = await new HttpIndexSource("http://indexer.test", { fetch }).info().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IndexUnavailableError);
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });
});
