/**
 * The provider side of emergency key release against a hostile or dead custodian (issue 11, items 9 and 13):
 * a custodian that never answers, or stalls mid-answer, ends in a typed timeout; an endless answer is cut off;
 * the message a provider signs is bound to the chain and the RecordRegistry, and its digest ignores how the
 * signature is encoded.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { getAddress, Wallet } from "ethers";
import { afterEach, describe, expect, it } from "vitest";

import {
  CarechainError,
  KeyReleaseError,
  KeyReleaseTimeoutError,
  keyReleaseDigest,
  keyReleaseMessage,
  keyReleaseSigner,
  MAX_KEY_RELEASE_RESPONSE_BYTES,
  requestKeyRelease,
  type KeyReleaseRequest,
} from "../../../sdk/index.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function hostile(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const wallet = Wallet.createRandom();
const unsigned = {
  chainId: "31337",
  registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  recordId: `0x${"ab".repeat(32)}`,
  provider: wallet.address,
  issuedAt: 1_800_000_000,
};
const request = async (): Promise<KeyReleaseRequest> => ({
  ...unsigned,
  signature: await wallet.signMessage(keyReleaseMessage(unsigned)),
});

describe("requestKeyRelease against a hostile custodian", () => {
  it("a custodian that never answers → KeyReleaseTimeoutError after the timeout", async () => {
    const url = await hostile(() => undefined); // reads the request, never answers
    const started = performance.now();
    const error = await requestKeyRelease(url, await request(), { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyReleaseTimeoutError);
    expect(error).toBeInstanceOf(KeyReleaseError);
    expect(error).toBeInstanceOf(CarechainError);
    expect((error as KeyReleaseTimeoutError).code).toBe("KEY_RELEASE_TIMEOUT");
    expect((error as KeyReleaseTimeoutError).timeoutMs).toBe(300);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it("a custodian that stalls after its headers → KeyReleaseTimeoutError (the body is under the deadline too)", async () => {
    const url = await hostile((_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.write(new Uint8Array(10));
    });
    const error = await requestKeyRelease(url, await request(), { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyReleaseTimeoutError);
  });

  it("an answer longer than the cap is cut off → KeyReleaseError (declared or streamed)", async () => {
    const declared = await hostile((_req, res) => {
      res.writeHead(200, { "content-length": String(50_000_000) });
      res.write(new Uint8Array(1024));
    });
    const streamed = await hostile((_req, res) => {
      res.writeHead(200);
      const chunk = new Uint8Array(16 * 1024);
      const pump = () => {
        while (res.write(chunk)) if (res.writableLength > 1e7) return;
        res.once("drain", pump);
      };
      pump();
    });
    for (const url of [declared, streamed]) {
      const error = await requestKeyRelease(url, await request(), { timeoutMs: 5000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(KeyReleaseError);
      expect(error).not.toBeInstanceOf(KeyReleaseTimeoutError);
      expect((error as KeyReleaseError).message).toMatch(new RegExp(`${MAX_KEY_RELEASE_RESPONSE_BYTES}`));
    }
  });

  it("a refusal carries the service's code as `reason`; an unreachable custodian → status 0", async () => {
    const url = await hostile((_req, res) => {
      res.writeHead(403, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          code: "NOT_EMERGENCY_PROVIDER",
          message: "The provider is not an active emergency provider.",
        }),
      );
    });
    const refused = (await requestKeyRelease(url, await request()).catch((e: unknown) => e)) as KeyReleaseError;
    expect([refused.status, refused.reason, refused.code]).toEqual([403, "NOT_EMERGENCY_PROVIDER", "KEY_RELEASE"]);
    const dead = (await requestKeyRelease("http://127.0.0.1:1", await request(), { timeoutMs: 2000 }).catch(
      (e: unknown) => e,
    )) as KeyReleaseError;
    expect(dead).toBeInstanceOf(KeyReleaseError);
    expect(dead.status).toBe(0);
    await expect(requestKeyRelease(url, await request(), { timeoutMs: 0 })).rejects.toBeInstanceOf(RangeError);
  });
});

describe("the signed key-release message", () => {
  it("binds chain and registry; the digest ignores signature encoding and address letter case", async () => {
    const signed = await request();
    expect(keyReleaseMessage(unsigned)).toContain(`Registry: ${getAddress(unsigned.registry)}`);
    expect(keyReleaseMessage(unsigned)).toContain("Chain: 31337");
    expect(keyReleaseSigner(signed)).toBe(wallet.address);
    // Another registry or chain is another message: the signature no longer recovers the provider.
    for (const other of [{ registry: "0x000000000000000000000000000000000000dEaD" }, { chainId: "1" }]) {
      expect(keyReleaseSigner({ ...signed, ...other })).not.toBe(wallet.address);
      expect(keyReleaseDigest({ ...signed, ...other })).not.toBe(keyReleaseDigest(signed));
    }
    expect(keyReleaseDigest({ ...unsigned, provider: signed.provider.toLowerCase() })).toBe(keyReleaseDigest(signed));
  });
});
