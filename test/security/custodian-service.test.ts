/**
 * The custodian's key-release service attacked by a hostile relay or provider (issue 11, item 9): re-encoded
 * signatures, oversize bodies, slowloris headers, floods, non-emergency addresses, a request for another
 * deployment, and errors that would echo internals. Each attack fails, costs the custodian no transaction, and
 * leaves a line in the service's local log.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Signature, verifyMessage, type Signer } from "ethers";
import { describe, expect, it } from "vitest";

import { startCustodianService, type CustodianServiceOptions } from "../../sdk/node.js";
import { extraClients, penicillinAllergy, registeredFixture } from "../helpers/fixtures.js";
import {
  Carechain,
  keyReleaseMessage,
  MemoryBlobStore,
  requestKeyRelease,
  type KeyReleaseRequest,
} from "../e2e/_sdk.js";

async function fixture(options: Partial<CustodianServiceOptions> = {}, custodianStore?: MemoryBlobStore) {
  const f = await registeredFixture();
  const [custodian, er] = await extraClients(f, 2);
  const signers = await f.connection.ethers.getSigners();
  await f.registrar.registerProvider(await custodian!.address(), "emergency", custodian!.identity.publicKey);
  await f.registrar.registerProvider(await er!.address(), "emergency", er!.identity.publicKey);
  await f.registrar.setEmergencyCustodian(await custodian!.address());
  const custodianClient = custodianStore
    ? new Carechain({
        contracts: custodian!.contracts,
        signer: signers[5]!,
        identity: custodian!.identity,
        store: custodianStore,
        validator: f.validator,
      })
    : custodian!;
  const logPath = join(mkdtempSync(join(tmpdir(), "custodian-log-")), "releases.jsonl");
  const service = await startCustodianService({ custodian: custodianClient, logPath, ...options });
  const patient = await f.patient.address();
  const allergy = await f.patient.addRecord(patient, penicillinAllergy());
  const registry = await f.patient.contracts.records.getAddress();
  const custodianAddress = await custodian!.address();
  const provider = f.connection.ethers.provider;
  return {
    f,
    service,
    patient,
    allergy,
    registry,
    erSigner: signers[6]!,
    hospitalSigner: signers[1]!,
    strangerSigner: signers[4]!,
    er: er!,
    /** Transactions the custodian's account has sent so far. */
    custodianTxs: () => provider.getTransactionCount(custodianAddress),
    /** EmergencyKeyReleased events on chain. */
    releases: async () =>
      (
        await f.patient.context.logs.query(
          f.patient.contracts.records,
          f.patient.contracts.records.filters.EmergencyKeyReleased(),
          0,
        )
      ).length,
    log: () =>
      readFileSync(logPath, "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { code: string; status: number; detail?: string }),
  };
}

async function signed(
  signer: Signer,
  fields: Omit<KeyReleaseRequest, "signature" | "provider" | "issuedAt"> & { issuedAt?: number },
): Promise<KeyReleaseRequest> {
  const unsigned = {
    ...fields,
    provider: await signer.getAddress(),
    issuedAt: fields.issuedAt ?? Math.floor(Date.now() / 1000),
  };
  return { ...unsigned, signature: await signer.signMessage(keyReleaseMessage(unsigned)) };
}

/** POSTs a body as-is; returns the status and the parsed JSON (or bytes) of the answer. */
async function post(
  url: string,
  body: unknown,
): Promise<{ status: number; json?: Record<string, unknown>; text: string }> {
  const response = await fetch(new URL("/v1/release", url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/** A raw TCP connection to the service, collecting everything it answers. */
function rawConnection(url: string): { socket: Socket; received: () => string; closed: Promise<number> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = "";
  socket.on("data", (d) => (received += d.toString("latin1")));
  socket.on("error", () => undefined);
  const started = Date.now();
  const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now() - started)));
  return { socket, received: () => received, closed };
}

/** Error bodies carry a code and a fixed sentence, nothing from inside the service. */
function expectNoInternals(text: string): void {
  const json = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(json).sort()).toEqual(expect.arrayContaining(["code", "message"]));
  expect(Object.keys(json).every((k) => ["code", "message", "reason"].includes(k))).toBe(true);
  expect(text).not.toMatch(/\bat .*\(|\.ts\b|\.js\b|Error:|stack|0x[0-9a-f]{40}|node_modules|ECONN|BlobNotFound/i);
}

describe("custodian service: a hostile relay or provider", () => {
  it("one signature in 4 encodings (hex case, v = 27/28 and 0/1, 64-byte compact) releases once", async () => {
    const { service, patient, allergy, registry, erSigner, er, custodianTxs, releases, log } = await fixture();
    try {
      await er.openBreakGlass(patient, { justification: "Anaphylaxis suspected", durationSeconds: 600 });
      const request = await signed(erSigner, { chainId: "31337", registry, recordId: allergy.recordId });
      const sig = Signature.from(request.signature);
      const encodings = [
        request.signature,
        `0x${request.signature.slice(2).toUpperCase()}`,
        `${sig.r}${sig.s.slice(2)}${(sig.v - 27).toString(16).padStart(2, "0")}`,
        sig.compactSerialized,
      ];
      // Every encoding is a valid signature of the same message by the same provider.
      for (const signature of encodings)
        expect(verifyMessage(keyReleaseMessage(request), signature)).toBe(request.provider);
      const txsBefore = await custodianTxs();
      const answers = [];
      for (const signature of encodings) answers.push(await post(service.url, { ...request, signature }));
      expect(answers.map((a) => a.status)).toEqual([200, 409, 409, 409]);
      for (const a of answers.slice(1)) expect(a.json).toMatchObject({ code: "REPLAYED" });
      expect(await releases()).toBe(1);
      expect((await custodianTxs()) - txsBefore).toBe(1);
      expect(log().map((e) => e.code)).toEqual(["RELEASED", "REPLAYED", "REPLAYED", "REPLAYED"]);
    } finally {
      await service.close();
    }
  });

  it("a request for another deployment or chain is refused without a transaction", async () => {
    const { service, patient, allergy, erSigner, er, custodianTxs, releases, log } = await fixture();
    try {
      await er.openBreakGlass(patient, { justification: "Anaphylaxis suspected", durationSeconds: 600 });
      const txsBefore = await custodianTxs();
      const otherRegistry = await post(
        service.url,
        await signed(erSigner, {
          chainId: "31337",
          registry: "0x000000000000000000000000000000000000dEaD",
          recordId: allergy.recordId,
        }),
      );
      const otherChain = await post(
        service.url,
        await signed(erSigner, {
          chainId: "1",
          registry: await er.contracts.records.getAddress(),
          recordId: allergy.recordId,
        }),
      );
      expect([otherRegistry.status, otherRegistry.json?.code]).toEqual([400, "WRONG_REGISTRY"]);
      expect([otherChain.status, otherChain.json?.code]).toEqual([400, "WRONG_CHAIN"]);
      expect(await custodianTxs()).toBe(txsBefore);
      expect(await releases()).toBe(0);
      expect(log().map((e) => e.code)).toEqual(["WRONG_REGISTRY", "WRONG_CHAIN"]);
    } finally {
      await service.close();
    }
  });

  it("an address that is not an emergency provider is refused before any transaction", async () => {
    const { service, allergy, registry, hospitalSigner, strangerSigner, custodianTxs, releases, log } = await fixture();
    try {
      const txsBefore = await custodianTxs();
      const hospital = await post(
        service.url,
        await signed(hospitalSigner, { chainId: "31337", registry, recordId: allergy.recordId }),
      );
      const stranger = await post(
        service.url,
        await signed(strangerSigner, { chainId: "31337", registry, recordId: allergy.recordId }),
      );
      for (const answer of [hospital, stranger]) {
        expect(answer.status).toBe(403);
        expect(answer.json).toMatchObject({ code: "NOT_EMERGENCY_PROVIDER" });
        expectNoInternals(answer.text);
      }
      expect(await custodianTxs()).toBe(txsBefore);
      expect(await releases()).toBe(0);
      expect(log().map((e) => e.code)).toEqual(["NOT_EMERGENCY_PROVIDER", "NOT_EMERGENCY_PROVIDER"]);
    } finally {
      await service.close();
    }
  });

  it("a provider past its rate gets 429 (and the flood costs no transaction)", async () => {
    const { service, allergy, registry, hospitalSigner, custodianTxs, log } = await fixture({
      rateLimit: { requests: 2, windowSeconds: 60 },
    });
    try {
      const txsBefore = await custodianTxs();
      const now = Math.floor(Date.now() / 1000);
      const statuses = [];
      for (let i = 0; i < 4; i++) {
        const answer = await post(
          service.url,
          await signed(hospitalSigner, { chainId: "31337", registry, recordId: allergy.recordId, issuedAt: now - i }),
        );
        statuses.push(answer.status);
        if (answer.status === 429) expectNoInternals(answer.text);
      }
      expect(statuses).toEqual([403, 403, 429, 429]);
      expect(await custodianTxs()).toBe(txsBefore);
      expect(log().map((e) => e.code)).toEqual([
        "NOT_EMERGENCY_PROVIDER",
        "NOT_EMERGENCY_PROVIDER",
        "RATE_LIMITED",
        "RATE_LIMITED",
      ]);
    } finally {
      await service.close();
    }
  });

  it("an oversize body gets 413 and the connection closes without the body being read", async () => {
    const { service, log } = await fixture();
    try {
      // Declared: 50 MB. Sent: 16 KiB. The answer comes and the connection closes long before the rest.
      const declared = rawConnection(service.url);
      declared.socket.write(
        `POST /v1/release HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 50000000\r\n\r\n`,
      );
      declared.socket.write(Buffer.alloc(16 * 1024, 0x61));
      await declared.closed;
      expect(declared.received()).toMatch(/^HTTP\/1\.1 413 /);
      expectNoInternals(declared.received().split("\r\n\r\n")[1]!);
      // Chunked, no length: refused once the cap is passed.
      const chunked = rawConnection(service.url);
      chunked.socket.write(
        "POST /v1/release HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
      );
      for (let i = 0; i < 4; i++) chunked.socket.write(`800\r\n${"a".repeat(0x800)}\r\n`);
      await chunked.closed;
      expect(chunked.received()).toMatch(/^HTTP\/1\.1 413 /);
      expect(log().map((e) => e.code)).toEqual(["BODY_TOO_LARGE", "BODY_TOO_LARGE"]);
    } finally {
      await service.close();
    }
  });

  it("slowloris: headers trickled past the deadline → the connection is closed (and logged)", async () => {
    const { service, log } = await fixture({ headersTimeoutMs: 400, requestTimeoutMs: 800 });
    try {
      const slow = rawConnection(service.url);
      slow.socket.write("POST /v1/release HTTP/1.1\r\n");
      const trickle = setInterval(() => {
        if (!slow.socket.destroyed) slow.socket.write("x-a: b\r\n");
      }, 100);
      const closedAfter = await Promise.race([
        slow.closed,
        new Promise<number>((r) => setTimeout(() => r(Infinity), 5000)),
      ]);
      clearInterval(trickle);
      slow.socket.destroy();
      expect(closedAfter).toBeLessThan(2000);
      // A body trickled past the request deadline is cut off as well.
      const slowBody = rawConnection(service.url);
      slowBody.socket.write("POST /v1/release HTTP/1.1\r\nhost: x\r\ncontent-length: 400\r\n\r\n{");
      const drip = setInterval(() => {
        if (!slowBody.socket.destroyed) slowBody.socket.write(" ");
      }, 100);
      const bodyClosedAfter = await Promise.race([
        slowBody.closed,
        new Promise<number>((r) => setTimeout(() => r(Infinity), 5000)),
      ]);
      clearInterval(drip);
      expect(bodyClosedAfter).toBeLessThan(2500);
      expect(log().map((e) => e.code)).toEqual(["HEADERS_TIMEOUT", "REQUEST_TIMEOUT"]);
    } finally {
      await service.close();
    }
  });

  it("errors answer a code and a fixed sentence, never internals (even when the custodian itself fails)", async () => {
    // The custodian's store lacks the record: releaseEmergencyKey fails after the chain call with BlobNotFoundError.
    const { service, patient, allergy, registry, erSigner, er, log } = await fixture({}, new MemoryBlobStore());
    try {
      await er.openBreakGlass(patient, { justification: "Anaphylaxis suspected", durationSeconds: 600 });
      const failed = await post(
        service.url,
        await signed(erSigner, { chainId: "31337", registry, recordId: allergy.recordId }),
      );
      expect(failed.status).toBe(500);
      expect(failed.json).toEqual({ code: "INTERNAL", message: "The custodian could not complete the request." });
      const answers = [
        await post(service.url, { junk: true }),
        await post(service.url, "not an object"),
        await post(
          service.url,
          await signed(erSigner, { chainId: "31337", registry, recordId: allergy.recordId, issuedAt: 1 }),
        ),
        await post(service.url, {
          ...(await signed(erSigner, { chainId: "31337", registry, recordId: allergy.recordId })),
          signature: `0x${"11".repeat(65)}`,
        }),
        await post(
          service.url,
          await signed(erSigner, { chainId: "31337", registry, recordId: `0x${"ab".repeat(32)}` }),
        ),
      ];
      expect(answers.map((a) => [a.status, a.json?.code])).toEqual([
        [400, "MALFORMED"],
        [400, "MALFORMED"],
        [401, "STALE"],
        [401, "BAD_SIGNATURE"],
        [403, "CHAIN_REFUSED"],
      ]);
      for (const answer of [failed, ...answers]) expectNoInternals(answer.text);
      expect(answers[4]!.json?.reason).toBe("RecordNotFound");
      const entries = log();
      expect(entries.map((e) => e.code)).toEqual([
        "INTERNAL",
        "MALFORMED",
        "MALFORMED",
        "STALE",
        "BAD_SIGNATURE",
        "CHAIN_REFUSED",
      ]);
      // The log, not the answer, keeps what went wrong.
      expect(entries[0]!.detail).toMatch(/BlobNotFound/);
    } finally {
      await service.close();
    }
  });

  it("the SDK's own break-glass read still goes through (request bound to chain and registry)", async () => {
    const { service, patient, allergy, er, f } = await fixture();
    try {
      const signers = await f.connection.ethers.getSigners();
      const client = new Carechain({
        contracts: er.contracts,
        signer: signers[6]!,
        identity: er.identity,
        store: f.store,
        validator: f.validator,
        custodianUrl: service.url,
      });
      await client.openBreakGlass(patient, { justification: "Anaphylaxis suspected", durationSeconds: 600 });
      expect((await client.readRecord(allergy.recordId, { purpose: "BTG" })).resource).toEqual(penicillinAllergy());
      // A request of the same second says the same thing as the SDK's (a replay); one signed a minute earlier (inside
      // the 300 s skew window, and never the second the SDK signed in, however slow the read was) is new.
      const again = {
        chainId: "31337",
        registry: await er.contracts.records.getAddress(),
        recordId: allergy.recordId,
        issuedAt: Math.floor(Date.now() / 1000) - 60,
      };
      await expect(requestKeyRelease(service.url, await signed(signers[6]!, again))).resolves.toBeInstanceOf(
        Uint8Array,
      );
    } finally {
      await service.close();
    }
  });
});
