/**
 * Node only: a write journal kept in a file, so pending record writes survive a restart.
 * @module
 */
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

import type { PendingWrite, WriteJournal } from "../client/journal.js";

/**
 * A {@link WriteJournal} on disk: one JSON file per pending write, written atomically (temporary file, then
 * rename), so a write whose blobs were stored survives a crash of the process and `resume()` finishes it.
 */
export class FileJournal implements WriteJournal {
  /** The directory of the journal. */
  readonly dir: string;

  /** @param dir - Directory for the journal files; created on first write. */
  constructor(dir: string) {
    this.dir = dir;
  }

  /** @inheritDoc */
  async put(write: PendingWrite): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = this.#file(write.recordId);
    const temporary = `${file}.${randomUUID()}.tmp`;
    await writeFile(temporary, JSON.stringify(write));
    await rename(temporary, file);
  }

  /** @inheritDoc */
  async get(recordId: string): Promise<PendingWrite | undefined> {
    try {
      return JSON.parse(await readFile(this.#file(recordId), "utf8")) as PendingWrite;
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") return undefined;
      throw error;
    }
  }

  /** @inheritDoc */
  async remove(recordId: string): Promise<void> {
    await rm(this.#file(recordId), { force: true });
  }

  /** @inheritDoc */
  async list(): Promise<PendingWrite[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const writes: PendingWrite[] = [];
    for (const name of names.filter((n) => n.endsWith(".json"))) {
      writes.push(JSON.parse(await readFile(join(this.dir, name), "utf8")) as PendingWrite);
    }
    return writes.sort((a, b) => a.createdAt - b.createdAt);
  }

  #file(recordId: string): string {
    if (!/^0x[0-9a-f]{64}$/.test(recordId)) throw new TypeError(`recordId: not a record id: ${recordId}`);
    return join(this.dir, `${recordId}.json`);
  }
}
