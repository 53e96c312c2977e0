// `npm run portal:install`: packs the repository into portal/.carechain/carechain-<version>.tgz (npm pack; its
// prepack builds the contracts and dist/) and installs portal/ under Node 22: every package as portal/package-lock.json
// locks it, except `carechain`, read afresh from the tarball with its own dependencies. The portal depends on
// `carechain` through that tarball (`file:.carechain/carechain-<version>.tgz`), exactly as a dApp depends on the
// published package.
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

// The lock's carechain entry is dropped before installing so that npm reads the new tarball's own dependencies
// (an SDK dependency added or removed reaches the portal); every other package stays as locked. The tarball's
// integrity is then removed again: it changes with every SDK change, and a hash would make `npm ci` refuse it.
const lockPath = join(PORTAL, "package-lock.json");
const readLock = () => JSON.parse(readFileSync(lockPath, "utf8"));
const writeLock = (lock) => writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
const before = readLock();
delete before.packages?.["node_modules/carechain"];
writeLock(before);
run("npx", ["-y", "-p", "node@22.23.3", "npm", "install", "--no-audit", "--no-fund"], PORTAL);
const after = readLock();
delete after.packages?.["node_modules/carechain"]?.integrity;
writeLock(after);
console.log(`portal:install: done (carechain ${version} from portal/.carechain/carechain-${version}.tgz)`);
