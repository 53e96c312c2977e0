/** Where the scenarios beyond records (claims, trial) find Synthea bundles when no `--data DIR` is given. */
import { existsSync } from "node:fs";
import { join } from "node:path";

/** The Synthea bundles the claims and trial scenarios read when no `--data` is given. */
export const DEFAULT_SYNTHEA_DIR = join(import.meta.dirname, "..", "..", "..", "shared", "data", "fhir", "synthea");

/** Whether the default Synthea folder exists on this machine. */
export function hasDefaultSynthea(): boolean {
  return existsSync(DEFAULT_SYNTHEA_DIR);
}
