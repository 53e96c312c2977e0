import { createCipheriv, randomBytes, randomFillSync } from "node:crypto";
import { encryptEnvelope, generateDek } from "../../sdk/index.js";
import "../../sdk/node.js";
import { interleaved } from "./timing.js";
const key = randomBytes(32), nonce = randomBytes(12), aad = randomBytes(66), ctx = randomBytes(41);
const dek = generateDek();
for (const size of [1 << 20, 64 << 20]) {
  const data = randomFillSync(new Uint8Array(size));
  for (const log2 of [16, 18, 20]) {
    const r = await interleaved(() => encryptEnvelope(dek, data, ctx, { chunkSizeLog2: log2 }), () => { const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: 16 }); c.setAAD(aad, { plaintextLength: size }); c.update(data); c.final(); c.getAuthTag(); }, { rounds: 9, minMs: 150 });
    console.log(size, log2, (r.subject * size / 1e6).toFixed(0), (r.baseline * size / 1e6).toFixed(0), (r.subject / r.baseline).toFixed(3));
  }
}
