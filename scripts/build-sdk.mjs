// Builds the publishable SDK into dist/: ESM JavaScript and .d.ts from sdk/ (tsc -p tsconfig.build.json), after
// `npm run build` has generated the contract modules. Run by `npm run build:sdk` and by `prepack`.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
for (const generated of ["sdk/contracts/generated/abi.ts", "sdk/contracts/typechain/index.ts"]) {
  if (!existsSync(generated)) {
    console.error(`build-sdk: ${generated} is missing; run \`npm run build\` first`);
    process.exit(1);
  }
}
rmSync("dist", { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
  stdio: "inherit",
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
// Data files the modules load at run time (the FHIR definitions pack), copied beside their modules.
for (const dir of ["fhir/pack"]) {
  if (existsSync(join("sdk", dir))) cpSync(join("sdk", dir), join("dist", dir), { recursive: true });
}
console.log("build-sdk: dist/ written");
