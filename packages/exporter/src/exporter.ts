import { randomUUID } from "node:crypto";
import { cutBatches, splitBatch, type Batch } from "./batch.js";
import { createBatchSender } from "./batch-sender.js";
import { checkEvent } from "./check-event.js";
import { WebhookExporterError } from "./errors.js";
import type { FlushResult, WebhookExporter } from "./exporter-api.js";
import { createEventBuffer } from "./event-buffer.js";
import { createFlushScheduler } from "./flush-scheduler.js";
import { createObserver, type DropDetails, type DropReason } from "./observer.js";
import { describeEndpoint, resolveOptions, type WebhookExporterOptions } from "./options.js";
import { retryDelayMs } from "./retry-policy.js";
import { serializeMeta } from "./serializer.js";
import { handleTerminationSignals } from "./signals.js";
import { createSpoolKeeper } from "./spool-keeper.js";
import { createTransport, settleWithin } from "./transport.js";

/** After `closeTimeout`, how long `close()` waits for the attempt it aborted before it goes on without it. */
const ABORTED_ATTEMPT_GRACE_MS = 100;

/** Sending unsigned is what GO Feature Flag does without a secret, and never what a user means by accident. */
function warnUnsigned(observer: ReturnType<typeof createObserver>, endpoint: string): void {
  const message = `no secret: webhooks to ${endpoint} are sent unsigned, and any receiver that checks signatures will refuse them (set secret, e.g. from WEBHOOK_SECRET)`;
  process.emitWarning(message, { code: "WEBHOOK_EXPORTER_UNSIGNED" });
  observer.note("warn", message);
}

/**
 * Creates an exporter. Options are checked here, once.
 * @throws {WebhookExporterError} `ERR_WEBHOOK_CONFIG` naming the bad option; `ERR_WEBHOOK_SPOOL` when the
 * spool directory is locked by another exporter or cannot be created.
 */
export function createWebhookExporter(input: WebhookExporterOptions): WebhookExporter {
  const options = resolveOptions(input);
  const observer = createObserver(options);
  if (options.signingKeys === undefined) warnUnsigned(observer, describeEndpoint(options.endpointUrl));
  const buffer = createEventBuffer();
  const closing = new AbortController();
  const transport = createTransport(options.endpointUrl, options);
  const sender = createBatchSender(options, transport, observer, closing.signal);
  const metaJson = serializeMeta(options.metaJsonSource);
  const endpoint = describeEndpoint(options.endpointUrl);
  const counters = { added: 0, sent: 0, dropped: 0, batchesSent: 0 };
  const keeper = options.spool === undefined ? undefined : createSpoolKeeper(options.spool, buffer, observer, drop, () => inFlight);
  const restored = keeper?.restore();
  let lastSuccessAt: number | undefined;
  let consecutiveFailures = 0;
  let retryNotBefore = 0;
  let inFlight: Batch | undefined;
  let closed = false;
  let closePromise: Promise<FlushResult> | undefined;
  let overflowWarned = false;
  let cutting: Promise<unknown> = Promise.resolve();
  let spilling: Promise<void> | undefined;
  // Events taken out of the buffer by a cut in progress: still pending, still in memory.
  let beingCut = 0;
  // Set once close() has settled every event: a late answer to an attempt it gave up on changes nothing.
  let finalized = false;

  function drop(count: number, reason: DropReason, details?: DropDetails): void {
    if (count <= 0) return;
    counters.dropped += count;
    observer.dropped(count, reason, details);
  }

  const pending = () => buffer.pendingCount + beingCut;
  const inMemory = () => pending() - (keeper?.diskOnlyEvents ?? 0);

  /**
   * Cuts the oldest open events (all, or `max`) into batches. Cuts run one after another so batches keep
   * the events' order. With `holdBackTail`, an unfilled last batch goes back to the open events, and
   * the promise resolves how many.
   */
  function cutOpenEvents(max = Infinity, holdBackTail = false): Promise<number> {
    const run = cutting.then(async () => {
      if (buffer.openCount === 0 || max <= 0) return 0;
      const limits = { maxEvents: options.maxEventInMemory, maxBytes: options.maxBatchBytes };
      const taken = buffer.takeOpen(max);
      beingCut = taken.length;
      const cut = await cutBatches(taken, metaJson, limits, randomUUID, { holdBackTail }).finally(() => {
        beingCut = 0;
      });
      buffer.addBatches(cut.batches);
      buffer.returnOpen(cut.tail);
      drop(cut.unserializable, "unserializable");
      for (const id of cut.oversized) observer.note("warn", "one event is larger than maxBatchBytes: it is sent alone", { id });
      return cut.tail.length;
    });
    cutting = run.then(() => undefined);
    return run;
  }

  /**
   * Writes what waits to the spool and frees memory down to the bound (a no-op without a spool). Never
   * rejects: what the disk refuses stays in memory, and the keeper reports it.
   */
  async function spill(): Promise<void> {
    if (keeper === undefined) return;
    await cutOpenEvents();
    await keeper.persist();
    keeper.offload(options.maxBufferedEvents);
  }

  function onDelivered(batch: Batch): void {
    buffer.removeBatch(batch);
    void keeper?.forget(batch);
    counters.sent += batch.count;
    counters.batchesSent += 1;
    consecutiveFailures = 0;
    overflowWarned = false;
    lastSuccessAt = Date.now();
  }

  /**
   * One flush: sends the batches waiting and the events open when it began, oldest first, until one
   * fails. The next batch is cut while the current one is on the wire (serializing overlaps the
   * network); events added meanwhile wait for the next flush, so a flush under load still ends.
   */
  async function deliver(): Promise<FlushResult> {
    await restored;
    const sentBefore = counters.sent;
    let failed = 0;
    let toCut = buffer.openCount;
    const cutNext = async () => {
      const count = Math.min(toCut, options.maxEventInMemory);
      toCut -= count;
      // Hold the unfilled tail back for the next chunk, except at the end: it must go in this flush.
      toCut += await cutOpenEvents(count, toCut > 0);
    };
    await cutNext();
    while (!closing.signal.aborted) {
      const batch = buffer.firstBatch();
      if (batch === undefined) {
        if (toCut > 0 && buffer.openCount > 0) {
          await cutNext();
          continue;
        }
        break;
      }
      if (!(await keeper?.ensureBody(batch) ?? true) || batch.body === undefined) {
        buffer.removeBatch(batch);
        drop(batch.count, "spool-torn", { batchId: batch.id });
        continue;
      }
      inFlight = batch;
      const nextCut = toCut > 0 ? cutNext() : undefined;
      const verdict = await sender.attempt(batch as Batch & { body: Buffer }).finally(() => {
        inFlight = undefined;
      });
      await nextCut;
      if (finalized) break;
      if (verdict.kind === "delivered") onDelivered(batch);
      else if (verdict.kind === "split") await onSplit(batch as Batch & { body: Buffer }, verdict.reason);
      else {
        consecutiveFailures += 1;
        const delay = retryDelayMs(consecutiveFailures, { baseMs: options.retryBaseDelayMs, capMs: options.flushIntervalMs, retryAfterMs: verdict.retryAfterMs });
        retryNotBefore = Date.now() + delay;
        failed = batch.count;
        await spill();
        break;
      }
    }
    return { sent: counters.sent - sentBefore, failed, pending: pending() };
  }

  /**
   * A batch the endpoint refused for what it holds (400, 422) or its size (413): its halves take its
   * place, so the good events go and the bad one is isolated in about log2(count) requests. A single
   * event is set aside, in the dead-letter folder when there is a spool, and reported.
   */
  async function onSplit(batch: Batch & { body: Buffer }, reason: "too-large" | "rejected"): Promise<void> {
    if (batch.count > 1) {
      if (buffer.replaceBatch(batch, splitBatch(batch, metaJson))) void keeper?.forget(batch);
      return;
    }
    const deadLetterFile = reason === "rejected" ? await keeper?.deadLetter(batch) : undefined;
    if (!buffer.removeBatch(batch)) return;
    void keeper?.forget(batch);
    drop(1, reason, deadLetterFile === undefined ? { batchId: batch.id } : { batchId: batch.id, deadLetterFile });
  }

  /** One flush, then the next one armed, whatever happened: a flush that threw must not stop delivery for good. */
  async function flushAndRearm(): Promise<FlushResult> {
    let result: FlushResult;
    try {
      result = await deliver();
    } catch (error) {
      observer.failed(new WebhookExporterError("ERR_WEBHOOK_SEND", "a flush failed unexpectedly; its events are kept", { cause: error }));
      result = { sent: 0, failed: pending(), pending: pending() };
    }
    if (!closed) {
      scheduler.arm(result.failed > 0 ? Math.max(0, retryNotBefore - Date.now()) : options.flushIntervalMs);
      if (result.failed === 0 && buffer.openCount >= options.maxEventInMemory) startBackgroundFlush();
    }
    return result;
  }

  const scheduler = createFlushScheduler(flushAndRearm);

  /** A threshold flush: off the caller's path, never beside another, never during a backoff (no retry storm). */
  function startBackgroundFlush(): void {
    if (scheduler.busy || Date.now() < retryNotBefore) return;
    setImmediate(() => {
      if (!scheduler.busy && !closed) scheduler.run().catch(() => undefined);
    });
  }

  function warnOverflowOnce(): void {
    if (overflowWarned) return;
    overflowWarned = true;
    const where = keeper === undefined ? "dropping the oldest events" : "moving the oldest batches to the spool";
    // Say which it is: a failing endpoint, or a burst faster than delivery (a healthy endpoint, a small bound).
    const cause = consecutiveFailures > 0 ? `while ${endpoint} fails` : `while ${endpoint} answers: events arrive faster than they are sent`;
    observer.note("warn", `maxBufferedEvents (${options.maxBufferedEvents}) reached ${cause}; ${where}`);
  }

  /** Over the memory bound: spill to disk in the background; drop only what the disk cannot keep up with. */
  function enforceMemoryBound(): void {
    warnOverflowOnce();
    // With a spool, memory may overshoot while the spill runs, but never past twice the bound.
    const hardLimit = keeper === undefined ? options.maxBufferedEvents : options.maxBufferedEvents * 2;
    if (keeper !== undefined) {
      spilling ??= spill().finally(() => {
        spilling = undefined;
      });
    }
    const excess = inMemory() - hardLimit;
    if (excess <= 0) return;
    const evicted = buffer.evictOldest(excess, inFlight);
    for (const batch of evicted.batches) void keeper?.forget(batch);
    drop(evicted.batches.reduce((sum, batch) => sum + batch.count, 0) + evicted.openEvents, "buffer-full");
  }

  /**
   * Bounded by `closeTimeout` whatever the endpoint or the transport does: the final flush gets that
   * long, then its attempt is aborted and, if it still does not settle, left behind.
   */
  async function close(): Promise<FlushResult> {
    closed = true;
    scheduler.stop();
    stopHandlingSignals();
    const sentBefore = counters.sent;
    const final = scheduler.run();
    let result = await settleWithin<FlushResult | undefined>(final, options.closeTimeoutMs, () => undefined);
    closing.abort();
    result ??= await settleWithin<FlushResult | undefined>(final, ABORTED_ATTEMPT_GRACE_MS, () => undefined);
    if (keeper !== undefined) {
      await spill();
      keeper.release();
    }
    finalized = true;
    // What is neither delivered nor on disk is lost with the process: say so.
    let unsaved = buffer.takeOpen().length;
    for (const batch of [...buffer.batches()]) {
      if (batch.spoolFile !== undefined) continue;
      buffer.removeBatch(batch);
      unsaved += batch.count;
    }
    drop(unsaved, "unsent-at-close");
    await transport.close();
    return { sent: result?.sent ?? counters.sent - sentBefore, failed: result?.failed ?? 0, pending: pending() };
  }

  const exporter: WebhookExporter = {
    add(event) {
      // The hot path: a shallow check of each field and one array push.
      if (closed) throw new WebhookExporterError("ERR_WEBHOOK_CLOSED", "add() after close(): the exporter no longer accepts events");
      checkEvent(event, options);
      const open = buffer.push(event);
      counters.added += 1;
      if (open >= options.maxEventInMemory) startBackgroundFlush();
      // Open events alone stay under the bound (maxEventInMemory <= maxBufferedEvents): only waiting batches can push past it.
      if ((open >= options.maxEventInMemory || buffer.batchCount > 0) && inMemory() > options.maxBufferedEvents) enforceMemoryBound();
    },
    flush() {
      return closePromise ?? scheduler.run();
    },
    close() {
      closePromise ??= close();
      return closePromise;
    },
    stats() {
      return {
        ...counters, failedAttempts: sender.failedAttempts, pending: pending(), inMemory: inMemory(), lastError: sender.lastError, lastSuccessAt,
      };
    },
    eventType: options.eventType,
    [Symbol.asyncDispose]: async () => {
      await exporter.close();
    },
  };
  const stopHandlingSignals = options.handleSignals ? handleTerminationSignals(() => exporter.close()) : () => undefined;
  // Spooled batches from an earlier run go first, as soon as possible; then every flushInterval.
  scheduler.arm(keeper === undefined ? options.flushIntervalMs : 0);
  return exporter;
}
