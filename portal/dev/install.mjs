// `npm run portal:install`: packs the repository into portal/.carechain/carechain-0.2.0.tgz (npm pack; its prepack
// builds the contracts and dist/) and installs portal/ from its lock file (npm ci under Node 22). The portal
// depends on `carechain` through that tarball (`file:.carechain/carechain-<version>.tgz`), exactly as a dApp
// depends on the published package. The lock file records no integrity for the tarball (it changes with every SDK
// change); this script removes one that a local `npm install` in portal/ may have added.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PORTAL = join(dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = join(PORTAL, "..");
const VENDOR = join(PORTAL, ".carechain");
const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

function run(command, args, cwd) {
  console.log(`portal:install: ${command} ${args.join(" ")} (in ${cwd === ROOT ? "." : "portal/"})`);
  const result = spawnSync(command, args, { cwd, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`portal:install: ${command} ${args[0]} exited with ${result.status}`);
    process.exit(1);
  }
}

rmSync(VENDOR, { recursive: true, force: true });
mkdirSync(VENDOR, { recursive: true });
run("npx", ["-y", "-p", "node@22.23.3", "npm", "pack", "--silent", "--pack-destination", VENDOR], ROOT);
const packed = readdirSync(VENDOR).filter((f) => f.endsWith(".tgz"));
if (packed.length !== 1 || packed[0] !== `carechain-${version}.tgz`) {
  console.error(
    `portal:install: expected .carechain/carechain-${version}.tgz, found ${packed.join(", ") || "nothing"}`,
  );
  process.exit(1);
}

const lockPath = join(PORTAL, "package-lock.json");
const lock = JSON.parse(readFileSync(lockPath, "utf8"));
const entry = lock.packages?.["node_modules/carechain"];
if (entry?.integrity) {
  delete entry.integrity;
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(
    "portal:install: removed the tarball's integrity from portal/package-lock.json (it changes with the SDK)",
  );
}
run("npx", ["-y", "-p", "node@22.23.3", "npm", "ci", "--no-audit", "--no-fund"], PORTAL);
console.log(`portal:install: done (carechain ${version} from portal/.carechain/carechain-${version}.tgz)`);
