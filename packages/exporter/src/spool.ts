import { createHash } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { spoolError, type WebhookExporterError } from "./errors.js";
import { acquireSpoolLock } from "./spool-lock.js";

/**
 * The durable spool: one file per batch, written as it will be sent (header line, then the exact
 * body), by append, fsync, then rename, so a file is either whole or absent. A torn or altered file
 * fails its length or checksum and is set aside, never sent, never fatal.
 */
export interface Spool {
  /**
   * Batches left by an earlier run, oldest first, checked but without their bodies (read back when their
   * turn comes, so a full spool never sits in memory at once). Torn files are renamed `*.torn` and listed
   * in `torn`; entries that are not regular files, or cannot be read, are left alone and listed in `skipped`.
   * Leftover `*.tmp` files of an interrupted write are removed.
   */
  load(): Promise<{ batches: SpooledBatch[]; torn: string[]; skipped: string[] }>;
  /**
   * Writes a batch durably; returns its file name and the batches dropped to stay under `maxBytes`,
   * oldest first, never one that `isBusy` names (the batch on the wire).
   */
  write(
    batch: { id: string; body: Buffer; count: number },
    isBusy?: (file: string) => boolean,
  ): Promise<{ file: string; evicted: { file: string; count: number }[] }>;
  /** Keeps a batch the endpoint refused in the `dead-letter` folder, for a person to look at; returns its path. */
  deadLetter(batch: { id: string; body: Buffer; count: number }): Promise<string>;
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

const SUFFIX = ".batch";
/** Added to the name of a file that failed its checks: set aside, never sent. */
const TORN_SUFFIX = ".torn";
/** `<ms, 15 digits>-<sequence, 6 digits>-<batch id>.batch`, as `write` names files. */
const SPOOL_FILE_NAME = /^(\d{15})-\d{6}-(.+)\.batch(\.torn)?$/;

/** What a spool file's name says: when it was written (ms), its batch id, and whether it was set aside as torn. */
export function describeSpoolFile(file: string): { writtenAt: number; id: string; torn: boolean } | undefined {
  const match = SPOOL_FILE_NAME.exec(file);
  if (match?.[1] === undefined || match[2] === undefined) return undefined;
  return { writtenAt: Number(match[1]), id: match[2], torn: match[3] !== undefined };
}

function sha256(body: Buffer): string {
  return createHash("sha256").update(body).digest("hex");
}

/**
 * A batch id becomes the `webhook-id` header of every attempt and is signed: visible ASCII only, as our
 * own ids are (a UUID, `-a`/`-b` for halves).
 */
const BATCH_ID = /^[\x21-\x7e]{1,200}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A header as this version writes it; anything else (another version, a hand edit) is torn. */
function isHeader(value: unknown): value is Header {
  const header = value as Partial<Header> | null;
  return (
    typeof header === "object" &&
    header !== null &&
    header.v === 1 &&
    typeof header.id === "string" &&
    BATCH_ID.test(header.id) &&
    Number.isSafeInteger(header.count) &&
    (header.count ?? 0) > 0 &&
    Number.isSafeInteger(header.bytes) &&
    (header.bytes ?? -1) >= 0 &&
    typeof header.sha256 === "string" &&
    SHA256_HEX.test(header.sha256)
  );
}

function encode(batch: { id: string; body: Buffer; count: number }): Buffer {
  const header: Header = {
    v: 1,
    id: batch.id,
    count: batch.count,
    bytes: batch.body.length,
    sha256: sha256(batch.body),
  };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), batch.body]);
}

/** Writes `content` to `path` whole or not at all: aside, fsync, rename; the aside file never outlives a failure. */
async function writeWhole(dir: string, name: string, content: Buffer): Promise<void> {
  const temporary = join(dir, `.${name}.tmp`);
  try {
    const handle = await open(temporary, "w");
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, join(dir, name));
  } catch (error) {
    // A full disk leaves a partial file: remove it, so that it frees the space it took.
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  syncDirectory(dir);
}

function parse(file: string, content: Buffer): (SpooledBatch & { body: Buffer }) | undefined {
  const newline = content.indexOf(10);
  if (newline === -1) return undefined;
  let header: unknown;
  try {
    // The file may come from anywhere (an older version, a torn write, a hand edit): every field is checked.
    header = JSON.parse(content.subarray(0, newline).toString("utf8"));
  } catch {
    return undefined;
  }
  const body = content.subarray(newline + 1);
  if (!isHeader(header) || body.length !== header.bytes || sha256(body) !== header.sha256) return undefined;
  return { id: header.id, count: header.count, body, file };
}

/** What the spool tells its owner besides return values. */
export interface SpoolEvents {
  /** A stale lock was taken over, and why it was judged stale. */
  onTakeover: (reason: string) => void;
  /** A filesystem error the spool worked around (the lock could not be refreshed). */
  onError: (error: WebhookExporterError) => void;
}

const DEAD_LETTER_DIR = "dead-letter";

/**
 * Opens (creating) the spool directory and takes its lock.
 * @throws {WebhookExporterError} `ERR_WEBHOOK_SPOOL` when another live exporter holds it, or it cannot be created.
 */
export function openSpool(dir: string, maxBytes: number, events: SpoolEvents): Spool {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw spoolError(`cannot create spool.dir ${dir}`, error);
  }
  const lock = acquireSpoolLock(dir, events.onTakeover, events.onError);
  // Names sort in write order: a time prefix, then a counter for writes within one millisecond.
  let sequence = 0;
  const sizes = new Map<string, { bytes: number; count: number }>();
  let totalBytes = 0;

  async function setAside(file: string): Promise<void> {
    await rename(join(dir, file), join(dir, `${file}${TORN_SUFFIX}`)).catch(() => undefined);
  }

  return {
    async load() {
      const batches: SpooledBatch[] = [];
      const torn: string[] = [];
      const skipped: string[] = [];
      const entries = await readdir(dir, { withFileTypes: true });
      for (const entry of entries) {
        // Left by a write that a crash interrupted: never renamed, so never part of the spool.
        if (entry.isFile() && entry.name.startsWith(".") && entry.name.endsWith(".tmp"))
          await unlink(join(dir, entry.name)).catch(() => undefined);
      }
      const files = entries.filter((entry) => entry.name.endsWith(SUFFIX)).sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const entry of files) {
        const file = entry.name;
        if (!entry.isFile()) {
          skipped.push(file); // a directory or a symlink: not ours to read or move
          continue;
        }
        const content = await readFile(join(dir, file)).catch(() => undefined);
        const batch = content === undefined ? undefined : parse(file, content);
        if (content === undefined) {
          skipped.push(file); // vanished, or unreadable: left where it is
          continue;
        }
        if (batch === undefined) {
          torn.push(file);
          await setAside(file);
          continue;
        }
        sizes.set(file, { bytes: content.length, count: batch.count });
        totalBytes += content.length;
        batches.push({ id: batch.id, count: batch.count, file });
      }
      return { batches, torn, skipped };
    },
    async write(batch, isBusy = () => false) {
      const content = encode(batch);
      const file = `${Date.now().toString().padStart(15, "0")}-${(sequence++).toString().padStart(6, "0")}-${batch.id}${SUFFIX}`;
      await writeWhole(dir, file, content);
      sizes.set(file, { bytes: content.length, count: batch.count });
      totalBytes += content.length;
      const evicted: { file: string; count: number }[] = [];
      for (const [oldest, size] of sizes) {
        if (totalBytes <= maxBytes) break;
        if (oldest === file || isBusy(oldest)) continue;
        await this.remove(oldest);
        evicted.push({ file: oldest, count: size.count });
      }
      return { file, evicted };
    },
    async deadLetter(batch) {
      const folder = join(dir, DEAD_LETTER_DIR);
      await mkdir(folder, { recursive: true });
      const file = `${Date.now().toString().padStart(15, "0")}-${batch.id}${SUFFIX}`;
      await writeWhole(folder, file, encode(batch));
      return join(folder, file);
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
      lock.release();
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
