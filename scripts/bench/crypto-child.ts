/**
 * Child process of the crypto benchmark: loads only the SDK (`carechain` and `carechain/node`, as an application
 * does), runs cryptoMetrics with the options given as JSON, and prints the metrics as one JSON line.
 * Usage: node --conditions=carechain-source --import tsx scripts/bench/crypto-child.ts '<CryptoOptions JSON>'
 */
import { cryptoMetrics, type CryptoOptions } from "./crypto.js";

const options = JSON.parse(process.argv[2] ?? "") as CryptoOptions;
console.log(JSON.stringify(await cryptoMetrics(options)));
