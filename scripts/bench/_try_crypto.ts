import { cryptoMetrics } from "./crypto.js";
const t0 = performance.now();
for (const m of await cryptoMetrics({ encryptSizes: ["1KiB","64KiB","1MiB","64MiB"], decryptSizes: ["1MiB","64MiB"], cidSizes: ["1MiB","64MiB"], rounds: 5, minMs: 200, hpkeMs: 1000 })) console.log(m.name, m.value.toFixed(1), m.baseline?.toFixed(1), m.ratio?.toFixed(3));
console.log("s", (performance.now() - t0) / 1000);
