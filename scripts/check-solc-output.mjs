// Fails the build when solc reported any warning or error: compiler warnings are errors in Carechain.
// Reads the compiler output that `hardhat build` leaves in artifacts/build-info/*.output.json.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

const dir = join("artifacts", "build-info");
const files = (await readdir(dir)).filter((f) => f.endsWith(".output.json"));
if (files.length === 0) {
  console.error(`check-solc-output: no compiler output in ${dir}; run hardhat build first`);
  process.exit(1);
}
let problems = 0;
for (const file of files) {
  const json = JSON.parse(await readFile(join(dir, file), "utf8"));
  for (const e of json.output?.errors ?? []) {
    const source = e.sourceLocation?.file ?? "";
    if (source.startsWith("npm/") || source.includes("node_modules")) continue; // third-party code
    // Test contracts are never deployed to a real chain: their size limits (5574, 3860) don't apply.
    if (source.endsWith(".t.sol") && (e.errorCode === "5574" || e.errorCode === "3860")) continue;
    problems++;
    console.error(e.formattedMessage ?? `${e.severity}: ${e.message}`);
  }
}
if (problems > 0) {
  console.error(`check-solc-output: ${problems} compiler diagnostic(s); warnings are treated as errors`);
  process.exit(1);
}
console.log(`check-solc-output: ${files.length} compiler output(s), no warnings`);
