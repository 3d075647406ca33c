import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { WebhookEvent } from "@org/webhook-types";
import { assembleBody, envelopeBytes, type Batch } from "./batch.js";
import type { BatchCutter } from "./batch-cutter.js";
import { spoolError } from "./errors.js";
import type { EventBuffer } from "./event-buffer.js";
import type { Ledger } from "./ledger.js";
import type { Observer } from "./observer.js";
import { serializeEvent, serializeEvents } from "./serializer.js";
import type { SpoolKeeper } from "./spool-keeper.js";

/**
 * The cutter of an exporter with a spool: every `syncInterval` (a group commit) the events added since
 * the last one are serialized into the batch being filled and appended to its open file in the spool,
 * in one write and one fsync. A batch is sealed (written whole under its final id, then queued) when
 * it is full or a flush starts, so a batch is on disk before its first attempt, and a crash loses at
 * most the events of the last interval.
 */
export interface SpoolJournal extends BatchCutter {
  /** One group commit now (after the one in progress). Never rejects: a failed write is reported. */
  commit(): Promise<void>;
  /** No more timed commits. */
  stop(): void;
}

/** Events serialized with one call, as the cutter does. */
const EVENTS_PER_SLICE = 256;
/** Yield to the event loop this often, so a flood never stalls it. */
const EVENTS_PER_YIELD = 2_048;

/** The batch being filled: its events' JSON, and how much of it the open file already holds. */
interface OpenBatch {
  readonly id: string;
  readonly parts: string[];
  /** Events in each part. */
  readonly partCounts: number[];
  count: number;
  bytes: number;
  /** Parts appended to the open file so far. */
  durableParts: number;
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
  let commitQueued = false;
  let appendsFailing = false;

  const fresh = (): OpenBatch => ({
    id: settings.newId(),
    parts: [],
    partCounts: [],
    count: 0,
    bytes: emptyBytes,
    durableParts: 0,
  });
  // An event larger than maxBytes on its own still goes, alone.
  const fits = (batch: OpenBatch, events: number, bytes: number) =>
    (batch.count === 0 && events === 1) ||
    (batch.count + events <= settings.maxEvents &&
      batch.bytes + (batch.count === 0 ? 0 : 1) + bytes <= settings.maxBytes);
  const isFull = (batch: OpenBatch) => batch.count >= settings.maxEvents || batch.bytes >= settings.maxBytes;

  /** Writes a batch whole under its id, then queues it; its open file goes once the whole file exists. */
  async function seal(batch: OpenBatch): Promise<void> {
    if (batch.bytes > settings.maxBytes)
      observer.note("warn", "one event is larger than maxBatchBytes: it is sent alone", { id: batch.id });
    const sealed: Batch & { body: Buffer } = {
      id: batch.id,
      body: assembleBody(settings.metaJson, batch.parts, batch.bytes),
      count: batch.count,
      attempts: 0,
    };
    const written = await keeper.write(sealed);
    sealing -= sealed.count;
    buffer.addBatches([sealed]);
    // When the whole file could not be written, the open file keeps what it holds until delivery.
    if (written) await spool.removeOpen(sealed.id);
  }

  /** Appends the parts of the open batch that its file does not hold yet, and fsyncs. */
  async function appendOpen(batch: OpenBatch): Promise<void> {
    if (batch.durableParts > 0 && !spool.hasOpen(batch.id)) batch.durableParts = 0;
    if (batch.durableParts === batch.parts.length) return;
    const appended = batch.parts.slice(batch.durableParts);
    const count = batch.partCounts.slice(batch.durableParts).reduce((sum, value) => sum + value, 0);
    try {
      await spool.appendOpen(batch.id, settings.metaJson, appended.join(","), count);
    } catch (error) {
      if (!appendsFailing)
        observer.failed(
          spoolError(`cannot append to spool.dir ${keeper.dir}: the newest events stay in memory until it can`, error),
        );
      appendsFailing = true;
      return;
    }
    appendsFailing = false;
    batch.durableParts += appended.length;
  }

  function append(json: string, jsonBytes: number, count: number): OpenBatch {
    const batch = (open ??= fresh());
    batch.bytes += (batch.count === 0 ? 0 : 1) + jsonBytes;
    batch.count += count;
    batch.parts.push(json);
    batch.partCounts.push(count);
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
      let json: string | undefined;
      try {
        json = serializeEvents(slice);
      } catch {
        json = undefined; // a circular event somewhere in the slice: event by event below
      }
      const jsonBytes = json === undefined ? 0 : Buffer.byteLength(json);
      if (json !== undefined && fits((open ??= fresh()), slice.length, jsonBytes)) {
        sealIfFull(append(json, jsonBytes, slice.length));
        continue;
      }
      for (const event of slice) {
        let one: string;
        try {
          one = serializeEvent(event);
        } catch {
          taking -= 1;
          ledger.drop(1, "unserializable");
          continue;
        }
        const oneBytes = Buffer.byteLength(one);
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

  async function commitNow(): Promise<boolean> {
    commitQueued = false;
    const events = buffer.takeOpen();
    taking = events.length;
    const full = await take(events);
    for (const batch of full) await seal(batch);
    if (open !== undefined) await appendOpen(open);
    return full.length > 0;
  }

  function enqueue<T>(step: () => Promise<T>): Promise<T> {
    const run = work.then(step);
    work = run.catch(() => undefined);
    return run;
  }

  const timer = setInterval(() => {
    if (buffer.openCount === 0 || commitQueued) return;
    commitQueued = true;
    void enqueue(commitNow).then(
      (sealed) => {
        if (sealed) parts.onSealed();
      },
      (error: unknown) => {
        observer.failed(spoolError("a group commit failed unexpectedly; its events stay in memory", error));
      },
    );
  }, settings.syncIntervalMs);
  timer.unref();

  return {
    commit: () =>
      enqueue(async () => {
        await commitNow();
      }),
    cut(_max, holdBackTail = false) {
      return enqueue(async () => {
        await commitNow();
        if (!holdBackTail && open !== undefined && open.count > 0) {
          const last = open;
          open = undefined;
          sealing += last.count;
          await seal(last);
        }
        return 0;
      });
    },
    get beingCut() {
      return taking + sealing + (open?.count ?? 0);
    },
    idle: () => work.then(() => undefined),
    stop() {
      clearInterval(timer);
    },
  };
}
