import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { WebhookEvent } from "@org/webhook-types";
import { assembleBody, envelopeBytes, eventJson, joinParts, sliceJson, type Batch } from "../batches/batch.js";
import type { BatchCutter } from "../batches/batch-cutter.js";
import { spoolError } from "../errors.js";
import type { EventBuffer } from "../batches/event-buffer.js";
import type { Ledger } from "../batches/ledger.js";
import type { Observer } from "../observe/observer.js";
import type { SpoolKeeper } from "./spool-keeper.js";

/**
 * The cutter of an exporter with a spool: every `syncInterval` (a group commit) the events added since
 * the last one are serialized into the batch being filled and appended to its open file in the spool,
 * in one write and one fsync. A batch is sealed (its open file, given a last frame, renamed its batch
 * file, under its final id; then queued) when it is full or a flush starts, so a batch is on disk
 * before its first attempt, and a crash loses at most the events of the last interval.
 */
export interface SpoolJournal extends BatchCutter {
  /** No more timed commits. */
  stop(): void;
}

/** Events serialized with one call, as the cutter does. */
const EVENTS_PER_SLICE = 256;
/** Yield to the event loop this often, so a flood never stalls it. */
const EVENTS_PER_YIELD = 2_048;

/**
 * The batch being filled: its events' JSON, encoded once per group commit into a chunk (what one frame
 * of its open file holds, and what its body is assembled from), and how many chunks the file holds.
 */
interface OpenBatch {
  readonly id: string;
  /** JSON of the events added since the last commit, not yet encoded. */
  pending: string[];
  pendingCount: number;
  /** Bytes of `pending`, without the commas between. */
  pendingBytes: number;
  readonly chunks: Buffer[];
  /** Events in each chunk. */
  readonly chunkCounts: number[];
  count: number;
  bytes: number;
  /** Chunks appended to the open file so far. */
  durableChunks: number;
}

/** Encodes what the batch holds that is not encoded yet into one chunk. */
function encodePending(batch: OpenBatch): void {
  if (batch.pending.length === 0) return;
  batch.chunks.push(joinParts(batch.pending, batch.pendingBytes));
  batch.chunkCounts.push(batch.pendingCount);
  batch.pending = [];
  batch.pendingCount = 0;
  batch.pendingBytes = 0;
}

/** Events of the batch that its open file does not hold. */
function notDurableCount(batch: OpenBatch): number {
  return batch.count - batch.chunkCounts.slice(0, batch.durableChunks).reduce((sum, value) => sum + value, 0);
}

export function createSpoolJournal(parts: {
  buffer: EventBuffer;
  keeper: SpoolKeeper;
  ledger: Pick<Ledger, "drop">;
  observer: Observer;
  settings: { metaJson: string; maxEvents: number; maxBytes: number; newId: () => string; syncIntervalMs: number };
  /** Full batches were sealed by a timed commit: a flush may start. */
  onSealed: () => void;
}): SpoolJournal {
  const { buffer, keeper, ledger, observer, settings } = parts;
  const { spool } = keeper;
  const emptyBytes = envelopeBytes(settings.metaJson);
  let open: OpenBatch | undefined;
  /** Events taken out of the buffer and not yet in a batch; then events sealed, not yet queued. */
  let taking = 0;
  let sealing = 0;
  let work: Promise<unknown> = Promise.resolve();
  /** A timed commit is under way (it may take several chunks): the next tick does not start another. */
  let committing = false;
  let appendsFailing = false;

  const fresh = (): OpenBatch => ({
    id: settings.newId(),
    pending: [],
    pendingCount: 0,
    pendingBytes: 0,
    chunks: [],
    chunkCounts: [],
    count: 0,
    bytes: emptyBytes,
    durableChunks: 0,
  });
  // An event larger than maxBytes on its own still goes, alone.
  const fits = (batch: OpenBatch, events: number, bytes: number) =>
    (batch.count === 0 && events === 1) ||
    (batch.count + events <= settings.maxEvents &&
      batch.bytes + (batch.count === 0 ? 0 : 1) + bytes <= settings.maxBytes);
  const isFull = (batch: OpenBatch) => batch.count >= settings.maxEvents || batch.bytes >= settings.maxBytes;
  /** Whether the chunks counted durable are still in the open file (an append that failed may have lost it). */
  const checkDurable = (batch: OpenBatch) => {
    if (batch.durableChunks > 0 && !spool.hasOpen(batch.id)) batch.durableChunks = 0;
  };

  /**
   * Puts a batch on disk under its id (its open file, given one last frame, becomes its batch file;
   * a batch filled within one commit gets an open file of one frame first), then queues it. The body is
   * assembled once, and the frames written are views of it.
   */
  async function seal(batch: OpenBatch): Promise<void> {
    if (batch.bytes > settings.maxBytes)
      observer.note("warn", "one event is larger than maxBatchBytes: it is sent alone", { id: batch.id });
    checkDurable(batch);
    const { body, tail } = assembleBody(
      settings.metaJson,
      [...batch.chunks, ...batch.pending],
      batch.bytes,
      batch.durableChunks,
    );
    const sealed: Batch & { body: Buffer } = { id: batch.id, body, count: batch.count, attempts: 0 };
    let last = { events: tail, count: notDurableCount(batch) };
    if (batch.durableChunks === 0 && (await appendFrame(batch, last.events, last.count)))
      last = { events: Buffer.alloc(0), count: 0 };
    const written = await keeper.seal(sealed, last);
    sealing -= sealed.count;
    buffer.addBatches([sealed]);
    // Written whole instead of sealed in place (the open file failed): the open file goes. When nothing
    // could be written, the open file keeps what it holds until delivery.
    if (written) await spool.removeOpen(sealed.id);
  }

  /** Appends what the open batch holds that its file does not, as one frame, and fsyncs. */
  async function appendOpen(batch: OpenBatch): Promise<void> {
    encodePending(batch);
    checkDurable(batch);
    const count = notDurableCount(batch);
    if (count === 0) return;
    const appended = batch.chunks.length;
    const chunks = batch.chunks.slice(batch.durableChunks);
    const bytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    if (await appendFrame(batch, joinParts(chunks, bytes), count)) batch.durableChunks = appended;
  }

  /** One frame appended to the batch's open file, and fsynced; false when the disk refused (reported once per run). */
  async function appendFrame(batch: OpenBatch, events: Buffer, count: number): Promise<boolean> {
    try {
      await spool.appendOpen(batch.id, settings.metaJson, events, count);
    } catch (error) {
      if (!appendsFailing)
        observer.failed(
          spoolError(`cannot append to spool.dir ${keeper.dir}: the newest events stay in memory until it can`, error),
        );
      appendsFailing = true;
      return false;
    }
    appendsFailing = false;
    return true;
  }

  function append(json: string, jsonBytes: number, count: number): OpenBatch {
    const batch = (open ??= fresh());
    batch.bytes += (batch.count === 0 ? 0 : 1) + jsonBytes;
    batch.count += count;
    batch.pending.push(json);
    batch.pendingCount += count;
    batch.pendingBytes += jsonBytes;
    taking -= count;
    return batch;
  }

  /** Moves the open events into the open batch, sealing each that fills; returns the batches to seal. */
  async function take(events: readonly WebhookEvent[]): Promise<OpenBatch[]> {
    const full: OpenBatch[] = [];
    const sealIfFull = (batch: OpenBatch) => {
      if (!isFull(batch)) return;
      full.push(batch);
      sealing += batch.count;
      open = undefined;
    };
    for (let start = 0; start < events.length; start += EVENTS_PER_SLICE) {
      if (start > 0 && start % EVENTS_PER_YIELD === 0) await yieldToLoop();
      const slice = events.slice(start, start + EVENTS_PER_SLICE);
      const whole = sliceJson(slice);
      if (whole !== undefined && fits((open ??= fresh()), slice.length, whole.bytes)) {
        sealIfFull(append(whole.json, whole.bytes, slice.length));
        continue;
      }
      // The slice straddles a limit (or holds a bad event): its events one by one.
      for (const event of slice) {
        const serialized = eventJson(event);
        if (serialized === undefined) {
          taking -= 1;
          ledger.drop(1, "unserializable");
          continue;
        }
        const { json: one, bytes: oneBytes } = serialized;
        if (!fits((open ??= fresh()), 1, oneBytes)) {
          full.push(open);
          sealing += open.count;
          open = fresh();
        }
        sealIfFull(append(one, oneBytes, 1));
      }
    }
    return full;
  }

  /**
   * Commits at most `max` open events (a batch's worth by default): a burst is committed a chunk per
   * turn of the work queue, so a flush's cut waits for one chunk, not for the whole burst.
   */
  async function commitChunk(max = settings.maxEvents, inBackground = false): Promise<boolean> {
    const events = buffer.takeOpen(max);
    taking = events.length;
    const full = await take(events);
    // The full batches are sealed while the batch being filled gets its frame: one fsync's wait per
    // commit, not three in a row, so that a slow disk does not put the commits behind the clock.
    const filling = open;
    const appending = filling === undefined ? undefined : appendOpen(filling);
    if (inBackground) full.forEach(sealInBackground);
    else for (const batch of full) await seal(batch);
    await appending;
    return full.length > 0;
  }

  /**
   * A flush's cut does not wait for the disk: its batches are written while the next chunk is
   * serialized and others are sent; each is queued once on disk, and `landing` tells the flush.
   */
  const landing = new Set<Promise<void>>();
  function sealInBackground(batch: OpenBatch): void {
    const sealed = seal(batch).catch((error: unknown) => {
      observer.failed(spoolError("sealing a batch failed unexpectedly; its events stay in memory", error));
    });
    landing.add(sealed);
    void sealed.finally(() => landing.delete(sealed));
  }

  /** Every open event, a chunk at a time; resolves when the last chunk is on disk. */
  async function commitAll(): Promise<boolean> {
    let sealed = false;
    do sealed = (await enqueue(() => commitChunk())) || sealed;
    while (buffer.openCount > 0);
    return sealed;
  }

  function enqueue<T>(step: () => Promise<T>): Promise<T> {
    const run = work.then(step);
    work = run.catch(() => undefined);
    return run;
  }

  const timer = setInterval(() => {
    if (buffer.openCount === 0 || committing) return;
    committing = true;
    void commitAll().then(
      (sealed) => {
        committing = false;
        if (sealed) parts.onSealed();
      },
      (error: unknown) => {
        committing = false;
        observer.failed(spoolError("a group commit failed unexpectedly; its events stay in memory", error));
      },
    );
  }, settings.syncIntervalMs);
  timer.unref();

  return {
    cut(max = Infinity, holdBackTail = false) {
      return enqueue(async () => {
        await commitChunk(max, true);
        if (!holdBackTail && open !== undefined && open.count > 0) {
          const last = open;
          open = undefined;
          sealing += last.count;
          sealInBackground(last);
        }
        return 0;
      });
    },
    landing: () => (landing.size === 0 ? undefined : Promise.all(landing).then(() => undefined)),
    get beingCut() {
      return taking + sealing + (open?.count ?? 0);
    },
    idle: () => work.then(() => Promise.all(landing)).then(() => undefined),
    stop() {
      clearInterval(timer);
    },
  };
}
