/**
 * Checks that portal/src/errors.ts explains every typed error the packed SDK exports: each contract revert by its
 * Solidity name, each other class (or a typed parent of it) by its own sentence. Prints one line; exits 1 on a gap.
 * Run by test:portal in a child process (it imports `carechain` as the page does, from portal/node_modules).
 */
import * as carechain from "carechain";

import { EXPLAINED_CLASSES, EXPLAINED_REVERTS, explain } from "../src/errors.js";

const classes = Object.entries(carechain).filter(
  (entry): entry is [string, typeof carechain.CarechainError] =>
    typeof entry[1] === "function" && entry[1].prototype instanceof carechain.CarechainError,
);
// Bases that only say "the contract refused" or "the index could not answer": explained generically.
const generic = new Set<unknown>([
  carechain.ContractRevertError,
  carechain.UnknownRevertError,
  carechain.IndexSourceError,
]);
const missing: string[] = [];
let reverts = 0;
for (const [name, cls] of classes) {
  if (generic.has(cls)) continue;
  const errorName = (cls as unknown as { errorName?: string }).errorName;
  if (errorName !== undefined) {
    reverts++;
    if (!EXPLAINED_REVERTS.includes(errorName)) missing.push(name);
  } else if (!EXPLAINED_CLASSES.some((explained) => cls === explained || cls.prototype instanceof explained)) {
    missing.push(name);
  }
}
const refusal = explain(
  new carechain.RecordReadConsentRequiredError({ patient: "0x1", reader: "0x2", category: 6n, purpose: 0n }),
);
const expected = {
  sentence: "You have no consent to read Laboratory for treatment.",
  action: "Ask the patient for access to Laboratory.",
};
if (missing.length > 0 || refusal.sentence !== expected.sentence || refusal.action !== expected.action) {
  console.log(`no sentence for: ${missing.join(", ") || "-"}; refusal: ${JSON.stringify(refusal)}`);
  process.exit(1);
}
console.log(
  `${classes.length} error classes exported (${reverts} contract reverts), each with its own sentence and action`,
);
