/**
 * A compromised custodian node for the threshold-custody test (test/e2e/threshold-custody.test.ts): it holds a real
 * node's secret key, opens its share for any well-formed request without checking the chain, and answers the share
 * with one byte flipped, correctly sealed for the reader's Directory key, so only the commitment can tell. Env:
 * RPC_URL, DEPLOYMENT, NODE_SECRET. Prints `listening <url>`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { hexlify, JsonRpcProvider } from "ethers";

import {
  connectContracts,
  identityFromSecretKey,
  openCustodyShare,
  parseDeployment,
  sealShareForReader,
} from "../../../sdk/index.js";
import { parseShareRequest } from "../../../sdk/node.js";

const raw = JSON.parse(process.env.DEPLOYMENT!) as Record<string, unknown>;
const provider = new JsonRpcProvider(process.env.RPC_URL, undefined, { staticNetwork: true });
const contracts = await connectContracts(parseDeployment(raw, BigInt(String(raw.chainId))), provider);
const identity = identityFromSecretKey(process.env.NODE_SECRET!);

const server = createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    void (async () => {
      const request = parseShareRequest(body)!;
      const payload = await openCustodyShare(identity, request.recordId, request.share);
      payload[0]! ^= 0x01; // the lie
      const readerKey = await contracts.directory.encryptionKeyOf(request.reader);
      const sealed = await sealShareForReader(
        Uint8Array.from(Buffer.from(readerKey.slice(2), "hex")),
        request.recordId,
        request.share.index,
        payload,
      );
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ index: request.share.index, enc: hexlify(sealed.enc), wrapped: hexlify(sealed.ciphertext) }),
      );
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
});
server.listen(0, "127.0.0.1", () =>
  console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`),
);
process.once("SIGTERM", () => server.close(() => process.exit(0)));
