/** Types of scripts/package/consumer.mjs (plain JavaScript so that `npm run test:package` runs without tsx). */
import type { ChildProcess } from "node:child_process";

export declare const ROOT: string;
export declare function cleanEnv(extra?: Record<string, string>): Record<string, string>;
export declare function start(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): ChildProcess;
export declare function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>;
export declare function stop(child: ChildProcess): Promise<void>;
export declare function stopAll(): Promise<void>;
export declare function packTarball(
  destination: string,
): Promise<{ tarball: string; bytes: number; files: number; ms: number }>;
export declare function installConsumer(
  dir: string,
  tarball: string,
): Promise<{ packages: number; bytes: number; ms: number }>;
export declare function measureInstall(dir: string): { packages: number; bytes: number };
export declare function diskUsage(path: string): number;
export declare function bundleCore(
  resolveDir: string,
  conditions?: string[],
): Promise<{ bytes: number; gzipBytes: number }>;
