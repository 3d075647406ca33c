import { createHash } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { WebhookExporterError } from "./errors.js";

/**
 * The durable spool: one file per batch, written as it will be sent (header line, then the exact
 * body), by append, fsync, then rename, so a file is either whole or absent. A torn or altered file
 * fails its length or checksum and is set aside, never sent, never fatal.
 */
export interface Spool {
  /**
   * Batches left by an earlier run, oldest first, checked but without their bodies (read back when their
   * turn comes, so a full spool never sits in memory at once); bad files are set aside and counted in `torn`.
   */
  load(): Promise<{ batches: SpooledBatch[]; torn: number }>;
  /** Writes a batch durably; returns its file name and the batches dropped to stay under `maxBytes`. */
  write(batch: { id: string; body: Buffer; count: number }): Promise<{ file: string; evicted: { file: string; count: number }[] }>;
  /** Reads a batch's body back; `undefined` when the file is gone or torn. */
  read(file: string): Promise<Buffer | undefined>;
  remove(file: string): Promise<void>;
  /** Releases the lock. */
  release(): void;
}

export interface SpooledBatch {
  id: string;
  count: number;
  file: string;
}

interface Header {
  v: 1;
  id: string;
  count: number;
  bytes: number;
  sha256: string;
}

const LOCK_FILE = "exporter.lock";
const SUFFIX = ".batch";

function sha256(body: Buffer): string {
  return createHash("sha256").update(body).digest("hex");
}

function spoolError(message: string, cause?: unknown): WebhookExporterError {
  return new WebhookExporterError("ERR_WEBHOOK_SPOOL", message, cause === undefined ? {} : { cause });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Directories locked by exporters of this process (the pid in the lock file cannot tell them apart). */
const lockedHere = new Set<string>();

/** Takes the directory's lock file, or explains who holds it. A lock left by a dead process is taken over. */
function lock(dir: string): string {
  const path = join(resolve(dir), LOCK_FILE);
  if (lockedHere.has(path)) throw spoolError(`spool.dir ${dir} is used by another exporter in this process; give each exporter its own directory`);
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      lockedHere.add(path);
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw spoolError(`cannot create the spool lock in ${dir}`, error);
      const holder = Number(readFileSync(path, "utf8"));
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw spoolError(`spool.dir ${dir} is used by another exporter (process ${holder}); give each exporter its own directory`);
      }
      unlinkSync(path);
    }
  }
  throw spoolError(`cannot take the spool lock in ${dir}`);
}

function parse(file: string, content: Buffer): (SpooledBatch & { body: Buffer }) | undefined {
  const newline = content.indexOf(10);
  if (newline === -1) return undefined;
  let header: Header;
  try {
    // Parsed as unknown fields: the file may come from anywhere (an older version, a torn write).
    header = JSON.parse(content.subarray(0, newline).toString("utf8")) as Partial<Header> as Header;
  } catch {
    return undefined;
  }
  const body = content.subarray(newline + 1);
  if ((header.v as unknown) !== 1 || body.length !== header.bytes || sha256(body) !== header.sha256) return undefined;
  return { id: header.id, count: header.count, body, file };
}

/**
 * Opens (creating) the spool directory and takes its lock.
 * @throws {WebhookExporterError} `ERR_WEBHOOK_SPOOL` when another live exporter holds it, or it cannot be created.
 */
export function openSpool(dir: string, maxBytes: number): Spool {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw spoolError(`cannot create spool.dir ${dir}`, error);
  }
  const lockPath = lock(dir);
  // Names sort in write order: a time prefix, then a counter for writes within one millisecond.
  let sequence = 0;
  const sizes = new Map<string, { bytes: number; count: number }>();
  let totalBytes = 0;

  async function setAside(file: string): Promise<void> {
    await rename(join(dir, file), join(dir, `${file}.torn`)).catch(() => undefined);
  }

  return {
    async load() {
      const files = (await readdir(dir)).filter((file) => file.endsWith(SUFFIX)).sort();
      const batches: SpooledBatch[] = [];
      let torn = 0;
      for (const file of files) {
        const content = await readFile(join(dir, file));
        const batch = parse(file, content);
        if (batch === undefined) {
          torn += 1;
          await setAside(file);
          continue;
        }
        sizes.set(file, { bytes: content.length, count: batch.count });
        totalBytes += content.length;
        batches.push({ id: batch.id, count: batch.count, file });
      }
      return { batches, torn };
    },
    async write(batch) {
      const header: Header = { v: 1, id: batch.id, count: batch.count, bytes: batch.body.length, sha256: sha256(batch.body) };
      const content = Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), batch.body]);
      const file = `${Date.now().toString().padStart(15, "0")}-${(sequence++).toString().padStart(6, "0")}-${batch.id}${SUFFIX}`;
      const temporary = join(dir, `.${file}.tmp`);
      const handle = await open(temporary, "w");
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, join(dir, file));
      syncDirectory(dir);
      sizes.set(file, { bytes: content.length, count: batch.count });
      totalBytes += content.length;
      const evicted: { file: string; count: number }[] = [];
      for (const [oldest, size] of sizes) {
        if (totalBytes <= maxBytes || oldest === file) break;
        await this.remove(oldest);
        evicted.push({ file: oldest, count: size.count });
      }
      return { file, evicted };
    },
    async read(file) {
      const content = await readFile(join(dir, file)).catch(() => undefined);
      const batch = content === undefined ? undefined : parse(file, content);
      if (content !== undefined && batch === undefined) await setAside(file);
      return batch?.body;
    },
    async remove(file) {
      const size = sizes.get(file);
      if (size !== undefined) totalBytes -= size.bytes;
      sizes.delete(file);
      await unlink(join(dir, file)).catch(() => undefined);
    },
    release() {
      lockedHere.delete(lockPath);
      try {
        unlinkSync(lockPath);
      } catch {
        // Already gone: nothing to release.
      }
    },
  };
}

/** Flushes a directory entry to disk after a rename, where the platform allows it. */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // Not supported on every platform; the rename is still atomic.
  }
}
