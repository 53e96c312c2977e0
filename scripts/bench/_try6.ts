import { cryptoMetrics } from "./crypto.js";
const m = await cryptoMetrics({ encryptSizes: ["1MiB"], decryptSizes: ["1MiB"], cidSizes: [], rounds: 15, minMs: 100, hpkeMs: 10 });
console.log(m.filter((x) => x.ratio !== undefined && !x.name.includes("hpke")).map((x) => `${x.name} ${x.ratio!.toFixed(3)} base ${x.baseline!.toFixed(0)} heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)}`).join("\n"));
