/**
 * Package: what `npm install <tarball> ethers` brings into an empty project (packages, disk), and the browser
 * bundle of `import { Carechain } from "carechain"` (esbuild, minified, ethers external, gzip -9).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { bundleCore, installConsumer, packTarball, ROOT, stopAll } from "../package/consumer.mjs";
import { metric, type Metric } from "./metrics.js";

const BUNDLE_NOTE =
  '`export { Carechain } from "carechain"` bundled by esbuild for the browser (ESM, minified, ethers external), gzip level 9';

/**
 * `package.install.packages`, `package.install.MiB` and `bundle.core.gzKiB`.
 * @param options - `install: false` (quick runs) skips `npm pack` and the install (its prepack rebuilds dist/) and
 *   bundles the core entry from the sources instead of the installed package (the same modules).
 */
export async function packageMetrics(options: { install: boolean }): Promise<Metric[]> {
  if (!options.install) {
    const bundle = await bundleCore(ROOT, ["carechain-source"]);
    return [
      metric(
        "bundle.core.gzKiB",
        bundle.gzipBytes / 1024,
        "KiB",
        undefined,
        `${BUNDLE_NOTE}; from the sources (quick run)`,
      ),
    ];
  }
  const dir = await mkdtemp(join(tmpdir(), "carechain-bench-package-"));
  try {
    const { tarball } = await packTarball(dir);
    const consumer = join(dir, "consumer");
    await mkdir(consumer);
    const installed = await installConsumer(consumer, tarball);
    const bundle = await bundleCore(consumer);
    return [
      metric(
        "package.install.packages",
        installed.packages,
        "packages",
        undefined,
        "`npm install <tarball> ethers` in an empty project: entries of its package-lock.json",
      ),
      metric(
        "package.install.MiB",
        installed.bytes / 2 ** 20,
        "MiB",
        undefined,
        "disk usage of that project's node_modules (allocated blocks, as du counts them)",
      ),
      metric(
        "bundle.core.gzKiB",
        bundle.gzipBytes / 1024,
        "KiB",
        undefined,
        `${BUNDLE_NOTE}; from the installed package`,
      ),
    ];
  } finally {
    await stopAll();
    await rm(dir, { recursive: true, force: true });
  }
}
