import { createHash } from "node:crypto";
import * as zlib from "node:zlib";
import { closeSync, fsyncSync, mkdirSync, openSync } from "node:fs";
import { mkdir, open, readdir, readFile, rename, truncate, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { spoolError, type WebhookExporterError } from "../errors.js";
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
  /**
   * Appends events (`events`: serialized events joined by commas) to the batch being filled, `id`,
   * and fsyncs: one group commit. The first append creates its `*.open` file; `load` turns an open
   * file a crash left into a batch of every whole frame in it, under the same id.
   */
  appendOpen(id: string, metaJson: string, events: Buffer, count: number): Promise<void>;
  /**
   * Whether batch `id` has an open file holding every frame appended so far. False after an append
   * failed in a way that could not be undone (the file is then gone): append everything again.
   */
  hasOpen(id: string): boolean;
  /**
   * Seals batch `id`: appends its `last` events (if any) to its open file, then renames that file a
   * batch file, in its place in the order. Returns what `write` returns. Rejects when it has no open
   * file or a step fails (then write the batch whole).
   */
  sealOpen(
    id: string,
    last: { events: Buffer; count: number; total: number },
    isBusy?: (file: string) => boolean,
  ): Promise<{ file: string; evicted: { file: string; count: number }[] }>;
  /** Drops the open file of batch `id` (it was written whole as a batch file instead). */
  removeOpen(id: string): Promise<void>;
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
/** A batch still being filled: a header line, then one frame per group commit. */
const OPEN_SUFFIX = ".open";
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
 * A batch id becomes the `webhook-id` header of every attempt and is signed: visible ASCII without a
 * dot, as our own ids are (a UUID, `-a`/`-b` for halves) and as `@org/webhook-verify` requires (it
 * refuses a dot, so such a batch would be refused forever).
 */
const BATCH_ID = /^[\x21-\x2d\x2f-\x7e]{1,200}$/;
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

/** The header of a framed file: a batch filled by group commits, one frame each. */
interface OpenHeader {
  v: 2;
  id: string;
  meta: string;
}

function isOpenHeader(value: unknown): value is OpenHeader {
  const header = value as Partial<OpenHeader> | null;
  return (
    typeof header === "object" &&
    header !== null &&
    header.v === 2 &&
    typeof header.id === "string" &&
    BATCH_ID.test(header.id) &&
    typeof header.meta === "string"
  );
}

/** A frame's checksum: CRC-32 where the runtime has it (three times cheaper than SHA-256), else SHA-256. */
type FrameHeader = { count: number; bytes: number } & ({ crc32: number } | { sha256: string });

function isFrameHeader(value: unknown): value is FrameHeader {
  const header = value as Partial<{ count: number; bytes: number; crc32: number; sha256: string }> | null;
  return (
    typeof header === "object" &&
    header !== null &&
    Number.isSafeInteger(header.count) &&
    (header.count ?? 0) > 0 &&
    Number.isSafeInteger(header.bytes) &&
    (header.bytes ?? -1) >= 0 &&
    (typeof header.crc32 === "number" || typeof header.sha256 === "string")
  );
}

const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

function checksumMatches(header: FrameHeader, payload: Buffer): boolean {
  if ("crc32" in header) return crc32 !== undefined && crc32(payload) === header.crc32;
  return sha256(payload) === header.sha256;
}

/** A frame's parts: its header line, its events (comma-separated JSON), a newline. */
function frame(payload: Buffer, count: number): Buffer[] {
  const header: FrameHeader =
    crc32 === undefined
      ? { count, bytes: payload.length, sha256: sha256(payload) }
      : { count, bytes: payload.length, crc32: crc32(payload) };
  return [Buffer.from(`${JSON.stringify(header)}\n`), payload, NEWLINE];
}

const NEWLINE = Buffer.from("\n");

/**
 * The batch a framed file holds: every whole frame up to the first torn one (a crash during a group
 * commit tears only the last), and the length they span. `undefined` when not even the header, or no
 * frame, is whole.
 */
function parseFramed(content: Buffer): { id: string; count: number; body: Buffer; wholeLength: number } | undefined {
  let at = content.indexOf(10);
  if (at === -1) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(content.subarray(0, at).toString("utf8"));
  } catch {
    return undefined;
  }
  if (!isOpenHeader(header)) return undefined;
  const frames: Buffer[] = [];
  let count = 0;
  for (let start = at + 1; start < content.length; start = at + 1) {
    const end = content.indexOf(10, start);
    if (end === -1) break;
    let frameHeader: unknown;
    try {
      frameHeader = JSON.parse(content.subarray(start, end).toString("utf8"));
    } catch {
      break;
    }
    if (!isFrameHeader(frameHeader)) break;
    const payloadEnd = end + 1 + frameHeader.bytes;
    const payload = content.subarray(end + 1, payloadEnd);
    if (payload.length !== frameHeader.bytes || content[payloadEnd] !== 10 || !checksumMatches(frameHeader, payload))
      break;
    frames.push(payload);
    count += frameHeader.count;
    at = payloadEnd;
  }
  if (count === 0) return undefined;
  const body = Buffer.concat([
    Buffer.from(`{"meta":${header.meta},"events":[`),
    ...frames.flatMap((payload, index) => (index === 0 ? [payload] : [Buffer.from(","), payload])),
    Buffer.from("]}"),
  ]);
  return { id: header.id, count, body, wholeLength: at + 1 };
}

/**
 * Reads a batch file of either form (written whole, or sealed from its group-commit frames): its id,
 * its event count and the exact body it is sent as; `undefined` when torn or altered.
 */
export function parseSpoolFile(file: string, content: Buffer): (SpooledBatch & { body: Buffer }) | undefined {
  const newline = content.indexOf(10);
  if (newline === -1) return undefined;
  let header: unknown;
  try {
    // The file may come from anywhere (an older version, a torn write, a hand edit): every field is checked.
    header = JSON.parse(content.subarray(0, newline).toString("utf8"));
  } catch {
    return undefined;
  }
  if (isOpenHeader(header)) {
    // A sealed framed file: every frame must be whole (its last append was synced before the rename).
    const framed = parseFramed(content);
    return framed?.wholeLength === content.length
      ? { id: framed.id, count: framed.count, body: framed.body, file }
      : undefined;
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

  /** Counts a new file, then drops the oldest others (never `isBusy` ones) until the spool fits `maxBytes`. */
  async function keepUnderMaxBytes(
    file: string,
    size: { bytes: number; count: number },
    isBusy: (file: string) => boolean,
  ): Promise<{ file: string; count: number }[]> {
    sizes.set(file, size);
    totalBytes += size.bytes;
    const evicted: { file: string; count: number }[] = [];
    for (const [oldest, { count }] of sizes) {
      if (totalBytes <= maxBytes) break;
      if (oldest === file || isBusy(oldest)) continue;
      await remove(oldest);
      evicted.push({ file: oldest, count });
    }
    return evicted;
  }

  async function remove(file: string): Promise<void> {
    const size = sizes.get(file);
    if (size !== undefined) totalBytes -= size.bytes;
    sizes.delete(file);
    await unlink(join(dir, file)).catch(() => undefined);
  }

  async function setAside(file: string): Promise<void> {
    await rename(join(dir, file), join(dir, `${file}${TORN_SUFFIX}`)).catch(() => undefined);
  }
  const nextPrefix = () => `${Date.now().toString().padStart(15, "0")}-${(sequence++).toString().padStart(6, "0")}`;
  /**
   * The open file of each batch being filled, its length after the last whole frame, and its handle:
   * kept open between group commits, so that a commit costs a write and a datasync, not an open and
   * a close as well.
   */
  const openFiles = new Map<string, { file: string; length: number; handle: FileHandle }>();
  /** Forgets a batch's open file and closes its handle (an error closing it changes nothing on disk). */
  async function forgetOpen(id: string): Promise<{ file: string; length: number } | undefined> {
    const known = openFiles.get(id);
    if (known === undefined) return undefined;
    openFiles.delete(id);
    await known.handle.close().catch(() => undefined);
    return known;
  }

  /**
   * Open files a crash left: each becomes a batch file under its id and its place in the order (or
   * goes, when its batch was written whole before the crash). Returns what could not be read.
   */
  async function recoverOpenFiles(names: string[]): Promise<string[]> {
    const skipped: string[] = [];
    const whole = new Set(names.filter((name) => name.endsWith(SUFFIX)).map((name) => describeSpoolFile(name)?.id));
    for (const name of names.filter((candidate) => candidate.endsWith(OPEN_SUFFIX)).sort()) {
      const content = await readFile(join(dir, name)).catch(() => undefined);
      if (content === undefined) {
        skipped.push(name);
        continue;
      }
      const batch = parseFramed(content);
      if (batch === undefined || whole.has(batch.id)) {
        await unlink(join(dir, name)).catch(() => undefined);
        continue;
      }
      // What the crash tore off the last frame goes; the rest is the batch, sealed where it lies.
      if (batch.wholeLength < content.length) await truncate(join(dir, name), batch.wholeLength);
      await rename(join(dir, name), join(dir, `${name.slice(0, -OPEN_SUFFIX.length)}${SUFFIX}`));
      syncDirectory(dir);
    }
    return skipped;
  }

  return {
    async load() {
      const batches: SpooledBatch[] = [];
      const torn: string[] = [];
      const skipped: string[] = [];
      const before = await readdir(dir, { withFileTypes: true });
      for (const entry of before) {
        // Left by a write that a crash interrupted: never renamed, so never part of the spool.
        if (entry.isFile() && entry.name.startsWith(".") && entry.name.endsWith(".tmp"))
          await unlink(join(dir, entry.name)).catch(() => undefined);
      }
      skipped.push(...(await recoverOpenFiles(before.filter((entry) => entry.isFile()).map((entry) => entry.name))));
      const entries = await readdir(dir, { withFileTypes: true });
      const files = entries.filter((entry) => entry.name.endsWith(SUFFIX)).sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const entry of files) {
        const file = entry.name;
        if (!entry.isFile()) {
          skipped.push(file); // a directory or a symlink: not ours to read or move
          continue;
        }
        const content = await readFile(join(dir, file)).catch(() => undefined);
        const batch = content === undefined ? undefined : parseSpoolFile(file, content);
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
      const file = `${nextPrefix()}-${batch.id}${SUFFIX}`;
      await writeWhole(dir, file, content);
      return { file, evicted: await keepUnderMaxBytes(file, { bytes: content.length, count: batch.count }, isBusy) };
    },
    async sealOpen(id, last, isBusy = () => false) {
      if (!openFiles.has(id)) throw new Error(`batch ${id} has no open file to seal`);
      // Its header is written: the meta given here is never used.
      if (last.count > 0) await this.appendOpen(id, "", last.events, last.count);
      const known = openFiles.get(id);
      if (known === undefined) throw new Error(`batch ${id} lost its open file`);
      const file = `${known.file.slice(0, -OPEN_SUFFIX.length)}${SUFFIX}`;
      // Closed before the rename, which some platforms refuse on an open file; should the rename fail,
      // the open file stays known, for `removeOpen` once the batch was written whole instead.
      await known.handle.close().catch(() => undefined);
      // No directory fsync: the content is synced, and should a power cut undo the rename, the file is
      // found under its open name, which a start reads as the same batch, under the same id.
      await rename(join(dir, known.file), join(dir, file));
      openFiles.delete(id);
      return { file, evicted: await keepUnderMaxBytes(file, { bytes: known.length, count: last.total }, isBusy) };
    },
    async appendOpen(id, metaJson, events, count) {
      const known = openFiles.get(id);
      const file = known?.file ?? `${nextPrefix()}-${id}${OPEN_SUFFIX}`;
      const path = join(dir, file);
      const header =
        known === undefined
          ? [Buffer.from(`${JSON.stringify({ v: 2, id, meta: metaJson } satisfies OpenHeader)}\n`)]
          : [];
      const content = [...header, ...frame(events, count)];
      const length = content.reduce((sum, part) => sum + part.length, 0);
      let handle = known?.handle;
      try {
        handle ??= await open(path, "a");
        await writeAll(handle, content);
        // A new file's name must outlive a power cut too (once: later appends are covered by
        // datasync); the directory is synced alongside, not after, to wait for one fsync, not two.
        await Promise.all([handle.datasync(), known === undefined ? syncDirectoryAsync(dir) : undefined]);
      } catch (error) {
        // A frame torn half way (a full disk) would hide every later one: cut it off, or start over.
        const undone =
          known === undefined
            ? await unlink(path).then(
                () => true,
                () => false,
              )
            : await truncate(path, known.length).then(
                () => true,
                () => false,
              );
        if (known === undefined) await handle?.close().catch(() => undefined);
        if (!undone) {
          await forgetOpen(id);
          await unlink(path).catch(() => undefined);
        }
        throw error;
      }
      openFiles.set(id, { file, length: (known?.length ?? 0) + length, handle });
    },
    hasOpen(id) {
      return openFiles.has(id);
    },
    async removeOpen(id) {
      const known = await forgetOpen(id);
      if (known === undefined) return;
      await unlink(join(dir, known.file)).catch(() => undefined);
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
      const batch = content === undefined ? undefined : parseSpoolFile(file, content);
      if (content !== undefined && batch === undefined) await setAside(file);
      return batch?.body;
    },
    remove,
    release() {
      // Batches still being filled at release (a close that ran out of time): their files stay for the
      // next start, their handles are closed.
      for (const id of [...openFiles.keys()]) void forgetOpen(id);
      lock.release();
    },
  };
}

/**
 * Writes `parts` in order with as few calls as the kernel allows, without joining them into one buffer
 * first (a frame's events are a view of the batch's body); goes on after a short write (a nearly full
 * disk), so that everything is written or the call fails.
 */
async function writeAll(handle: FileHandle, parts: readonly Buffer[]): Promise<void> {
  let rest = parts.filter((part) => part.length > 0);
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest);
    if (bytesWritten === 0) throw new Error("the file system wrote nothing");
    while (rest.length > 0 && bytesWritten >= (rest[0]?.length ?? 0)) {
      bytesWritten -= rest[0]?.length ?? 0;
      rest = rest.slice(1);
    }
    if (bytesWritten > 0 && rest[0] !== undefined) rest = [rest[0].subarray(bytesWritten), ...rest.slice(1)];
  }
}

/** As `syncDirectory`, off the event loop: for the group commits, on the hot path. */
async function syncDirectoryAsync(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported on every platform; the rename is still atomic.
  }
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
