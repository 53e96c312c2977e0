/** Builds the portal with its own Vite (portal/node_modules), exiting with a sentence when portal/ is not installed. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The portal's directory. */
export const PORTAL_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");

/** `vite build` in portal/ (throws when it fails). */
export function buildPortal(): void {
  const vite = join(PORTAL_DIR, "node_modules", "vite", "bin", "vite.js");
  if (!existsSync(vite) || !existsSync(join(PORTAL_DIR, "node_modules", "carechain"))) {
    throw new Error(
      "portal/ is not installed: run `npm run portal:install` first (packs carechain, npm ci in portal/)",
    );
  }
  const result = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn"], {
    cwd: PORTAL_DIR,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error(`vite build exited with ${result.status}`);
}
