/**
 * A share-holding custodian node (the custodian service with `shares`) against a hostile reader, in process: a
 * logged access releases once per node, a share of another node or record does not open, an old access log, a log of
 * another record, a forged signature and the single-custodian route are refused, and every answer is logged first.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { Signer } from "ethers";
import { describe, expect, it } from "vitest";

import {
  generateIdentity,
  KeyReleaseError,
  pqKeyCid,
  postToCustodian,
  shareReleaseMessage,
  splitRecordKey,
  type CustodyDocument,
  type UnsignedShareRelease,
} from "../../sdk/index.js";
import { startCustodianService } from "../../sdk/node.js";
import { heartRate, registeredFixture } from "../helpers/fixtures.js";

async function fixture() {
  const f = await registeredFixture();
  const signers = await f.connection.ethers.getSigners();
  const node = generateIdentity();
  const other = generateIdentity();
  const logPath = join(mkdtempSync(join(tmpdir(), "custody-node-")), "node.jsonl");
  const service = await startCustodianService({
    custodian: { contracts: f.registrar.contracts },
    shares: { identity: node },
    logPath,
  });
  const patient = await f.patient.address();
  const first = await f.patient.addRecord(patient, heartRate(60));
  const second = await f.patient.addRecord(patient, heartRate(70));
  const document = await splitRecordKey({
    recordId: first.recordId,
    record: pqKeyCid(`0x${"22".repeat(32)}`),
    dek: crypto.getRandomValues(new Uint8Array(32)),
    custodians: [node.publicKey, other.publicKey],
    threshold: 2,
  });
  return {
    f,
    service,
    patientSigner: signers[3]!,
    strangerSigner: signers[4]!,
    first,
    second,
    document,
    log: () =>
      readFileSync(logPath, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { code: string; tx?: string }),
  };
}

async function logAccess(f: Awaited<ReturnType<typeof registeredFixture>>, recordId: string): Promise<string> {
  const sent = await f.patient.contracts.records.logAccess(recordId, 0);
  await sent.wait();
  return sent.hash;
}

async function ask(
  url: string,
  signer: Signer,
  fields: Omit<UnsignedShareRelease, "issuedAt" | "chainId" | "purpose"> & { issuedAt?: number },
  document: CustodyDocument,
  index: number,
) {
  const unsigned: UnsignedShareRelease = {
    chainId: "31337",
    purpose: "TREAT",
    issuedAt: Math.floor(Date.now() / 1000),
    ...fields,
  };
  const share = document.shares[index]!;
  const request = {
    ...unsigned,
    share: { index, enc: share.enc, wrapped: share.wrapped },
    signature: await signer.signMessage(shareReleaseMessage(unsigned)),
  };
  return postToCustodian(url, "/v1/share", request).then(
    (bytes) => ({ status: 200, code: "RELEASED", bytes }),
    (e: unknown) => {
      if (!(e instanceof KeyReleaseError)) throw e;
      return { status: e.status, code: e.reason };
    },
  );
}

describe("a share-holding custodian node against a hostile reader", () => {
  it("releases once per logged access; refuses another node's share, another record's log, a forged signer, an old log", async () => {
    const { f, service, patientSigner, strangerSigner, first, second, document, log } = await fixture();
    try {
      const registry = await f.patient.contracts.records.getAddress();
      const reader = await f.patient.address();
      const base = { registry, recordId: first.recordId, reader };
      const tx = await logAccess(f, first.recordId);
      const answers = [
        await ask(service.url, patientSigner, { ...base, accessTx: tx }, document, 0),
        // The same log again, with a new signature (a second later): one release per logged access.
        await ask(
          service.url,
          patientSigner,
          { ...base, accessTx: tx, issuedAt: Math.floor(Date.now() / 1000) - 1 },
          document,
          0,
        ),
        // The other node's share sent to this node: it does not open here.
        await ask(service.url, patientSigner, { ...base, accessTx: await logAccess(f, first.recordId) }, document, 1),
        // A log of another record named for this one.
        await ask(service.url, patientSigner, { ...base, accessTx: await logAccess(f, second.recordId) }, document, 0),
        // Signed by someone else than the reader it names.
        await ask(service.url, strangerSigner, { ...base, accessTx: await logAccess(f, first.recordId) }, document, 0),
      ];
      // An access logged more than 300 s of chain time ago.
      const old = await logAccess(f, first.recordId);
      await f.advanceTime(400);
      answers.push(await ask(service.url, patientSigner, { ...base, accessTx: old }, document, 0));
      expect(answers.map((a) => [a.status, a.code])).toEqual([
        [200, "RELEASED"],
        [409, "REPLAYED"],
        [422, "SHARE_INVALID"],
        [403, "ACCESS_NOT_LOGGED"],
        [401, "BAD_SIGNATURE"],
        [403, "ACCESS_LOG_STALE"],
      ]);
      expect(log().map((e) => e.code)).toEqual(answers.map((a) => a.code));
      expect(log()[0]!.tx).toBe(tx);
      // This mode serves no single-custodian release.
      const release = await postToCustodian(service.url, "/v1/release", {}).catch((e: unknown) => e);
      expect((release as KeyReleaseError).status).toBe(404);
    } finally {
      await service.close();
    }
  });
});
