import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { parseEvent, WebhookValidationError, type WebhookEvent } from "@org/webhook-types";
import { cutBatches, splitBatch, type Batch } from "./batch.js";
import { describeReceived, WebhookExporterError } from "./errors.js";
import { createEventBuffer } from "./event-buffer.js";
import { createFlushScheduler } from "./flush-scheduler.js";
import { createObserver } from "./observer.js";
import { describeEndpoint, resolveOptions, type WebhookExporterOptions } from "./options.js";
import { judge, retryDelayMs, type Verdict } from "./retry-policy.js";
import { serializeMeta } from "./serializer.js";
import { signHub, signStandard } from "./signer.js";
import { createTransport } from "./transport.js";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };
const USER_AGENT = `@org/webhook-exporter/${version}`;

/** What a flush did. */
export interface FlushResult {
  /** Events delivered by this flush. */
  sent: number;
  /** Events in batches whose attempt failed in this flush (kept, to be retried). */
  failed: number;
  /** Events still waiting after it. */
  pending: number;
}

/** Counters since the exporter was created. */
export interface ExporterStats {
  added: number;
  sent: number;
  /** Failed delivery attempts (one batch retried three times counts three). */
  failedAttempts: number;
  pending: number;
  dropped: number;
  batchesSent: number;
  /** The last delivery error (its message carries no secret), or `undefined`. */
  lastError: WebhookExporterError | undefined;
  /** When a batch was last delivered (ms since epoch), or `undefined`. */
  lastSuccessAt: number | undefined;
}

/** The exporter: `add` events, and they are delivered. */
export interface WebhookExporter extends AsyncDisposable {
  /**
   * Queues one event: synchronous, O(1), no I/O. Never throws because of delivery.
   * @throws {WebhookExporterError} `ERR_WEBHOOK_EVENT` for an event of the other kind (or, with
   * `validateEvents`, an invalid one); `ERR_WEBHOOK_CLOSED` after `close()`.
   */
  add(event: WebhookEvent): void;
  /** Sends everything waiting now; resolves when it was sent or failed (failures are kept). Never rejects. */
  flush(): Promise<FlushResult>;
  /**
   * Stops the timer, refuses new events, flushes one last time within `closeTimeout`. Idempotent: every
   * call returns the same promise. Events left unsent are reported to `onDrop` (no spool).
   */
  close(): Promise<FlushResult>;
  stats(): ExporterStats;
}

/**
 * Creates an exporter. Options are checked here, once.
 * @throws {WebhookExporterError} `ERR_WEBHOOK_CONFIG` naming the bad option.
 */
export function createWebhookExporter(input: WebhookExporterOptions): WebhookExporter {
  const options = resolveOptions(input);
  const observer = createObserver(options);
  const buffer = createEventBuffer();
  const transport = createTransport(options.endpointUrl, options);
  const metaJson = serializeMeta(options.metaJsonSource);
  const endpoint = describeEndpoint(options.endpointUrl);
  const closing = new AbortController();
  const counters = { added: 0, sent: 0, failedAttempts: 0, dropped: 0, batchesSent: 0 };
  let lastError: WebhookExporterError | undefined;
  let lastSuccessAt: number | undefined;
  let consecutiveFailures = 0;
  let retryNotBefore = 0;
  let inFlight: Batch | undefined;
  let closed = false;
  let closePromise: Promise<FlushResult> | undefined;
  let overflowWarned = false;

  function drop(count: number, reason: Parameters<typeof observer.dropped>[1]): void {
    if (count <= 0) return;
    counters.dropped += count;
    observer.dropped(count, reason);
  }

  async function headersFor(batch: Batch): Promise<Record<string, string | string[]>> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, values] of options.headers) headers[name] = values.length === 1 ? (values[0] ?? "") : [...values];
    const timestamp = Math.floor(Date.now() / 1000);
    headers["content-type"] = "application/json";
    headers["user-agent"] ??= USER_AGENT;
    headers["webhook-id"] = batch.id;
    headers["webhook-timestamp"] = String(timestamp);
    if (options.secret !== undefined) {
      batch.hubSignature ??= await signHub(options.secret, batch.body);
      headers["x-hub-signature-256"] = batch.hubSignature;
      headers["webhook-signature"] = await signStandard(options.secret, batch.id, timestamp, batch.body);
    }
    return headers;
  }

  function sendError(verdict: Extract<Verdict, { kind: "retry" }>, status: number | undefined, batch: Batch, cause: unknown): WebhookExporterError {
    const what = status === undefined ? verdict.reason : `HTTP ${status}`;
    const hint = verdict.reason === "redirect" ? " (redirects are not followed: configure the final URL)" : "";
    return new WebhookExporterError(
      "ERR_WEBHOOK_SEND",
      `POST ${endpoint} failed (${what})${hint}; batch ${batch.id} of ${batch.count} events is kept and retried`,
      { reason: verdict.reason, permanent: verdict.permanent, ...(status === undefined ? {} : { status }), ...(cause === undefined ? {} : { cause }) },
    );
  }

  async function attempt(batch: Batch): Promise<Verdict> {
    batch.attempts += 1;
    const started = performance.now();
    const outcome = await transport.send(batch.body, await headersFor(batch), closing.signal);
    const verdict = judge(outcome, Date.now());
    const status = outcome.kind === "answer" ? outcome.status : undefined;
    observer.flushed({
      id: batch.id, events: batch.count, bytes: batch.body.length, status,
      durationMs: performance.now() - started, attempt: batch.attempts, delivered: verdict.kind === "delivered",
    });
    if (verdict.kind === "retry") {
      counters.failedAttempts += 1;
      lastError = sendError(verdict, status, batch, outcome.kind === "no-answer" ? outcome.error : undefined);
      observer.failed(lastError);
    }
    return verdict;
  }

  async function cutOpenEvents(): Promise<void> {
    if (buffer.openCount === 0) return;
    const cut = await cutBatches(buffer.takeOpen(), metaJson, { maxEvents: options.maxEventInMemory, maxBytes: options.maxBatchBytes }, randomUUID);
    buffer.addBatches(cut.batches);
    drop(cut.unserializable, "unserializable");
    for (const id of cut.oversized) observer.note("warn", "one event is larger than maxBatchBytes: it is sent alone", { id });
  }

  /** One flush: cut what waits, then send batches oldest first until one fails. */
  async function deliver(): Promise<FlushResult> {
    let sent = 0;
    let failed = 0;
    await cutOpenEvents();
    for (let batch = buffer.firstBatch(); batch !== undefined && !closing.signal.aborted; batch = buffer.firstBatch()) {
      inFlight = batch;
      const verdict = await attempt(batch).finally(() => {
        inFlight = undefined;
      });
      if (verdict.kind === "delivered") {
        buffer.shiftBatch();
        sent += batch.count;
        counters.sent += batch.count;
        counters.batchesSent += 1;
        consecutiveFailures = 0;
        overflowWarned = false;
        lastSuccessAt = Date.now();
      } else if (verdict.kind === "split") {
        if (batch.count > 1) buffer.replaceFirstBatch(splitBatch(batch, metaJson));
        else {
          buffer.shiftBatch();
          drop(1, "too-large");
        }
      } else {
        consecutiveFailures += 1;
        const delay = retryDelayMs(consecutiveFailures, { baseMs: options.retryBaseDelayMs, capMs: options.flushIntervalMs, retryAfterMs: verdict.retryAfterMs });
        retryNotBefore = Date.now() + delay;
        failed = buffer.pendingCount - buffer.openCount;
        break;
      }
    }
    return { sent, failed, pending: buffer.pendingCount };
  }

  const scheduler = createFlushScheduler(async () => {
    const result = await deliver();
    if (!closed) {
      const waitMs = result.failed > 0 ? Math.max(0, retryNotBefore - Date.now()) : options.flushIntervalMs;
      scheduler.arm(waitMs);
      if (result.failed === 0 && buffer.openCount >= options.maxEventInMemory) startBackgroundFlush();
    }
    return result;
  });

  /** A threshold flush: off the caller's path, never beside another, never during a backoff (no retry storm). */
  function startBackgroundFlush(): void {
    if (scheduler.busy || Date.now() < retryNotBefore) return;
    setImmediate(() => {
      if (!scheduler.busy && !closed) scheduler.run().catch(() => undefined);
    });
  }

  function enforceMemoryBound(): void {
    const excess = buffer.pendingCount - options.maxBufferedEvents;
    if (excess <= 0) return;
    const evicted = buffer.evictOldest(excess, inFlight);
    drop(evicted.batches.reduce((sum, batch) => sum + batch.count, 0) + evicted.openEvents, "buffer-full");
    if (!overflowWarned) {
      overflowWarned = true;
      observer.note("warn", `maxBufferedEvents (${options.maxBufferedEvents}) reached while ${endpoint} fails: dropping the oldest events`);
    }
  }

  function checkEvent(event: WebhookEvent): void {
    const kind = (event as { kind?: unknown } | null)?.kind;
    if (kind !== options.eventType) {
      throw new WebhookExporterError("ERR_WEBHOOK_EVENT", `this exporter carries ${options.eventType} events, got kind ${describeReceived(kind)}`);
    }
    if (!options.validateEvents) return;
    try {
      parseEvent(event);
    } catch (error) {
      if (!(error instanceof WebhookValidationError)) throw error;
      throw new WebhookExporterError("ERR_WEBHOOK_EVENT", error.message, { cause: error, issues: error.issues });
    }
  }

  async function close(): Promise<FlushResult> {
    closed = true;
    scheduler.stop();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.closeTimeoutMs);
    });
    const final = scheduler.run();
    await Promise.race([final, timedOut]);
    clearTimeout(timer);
    closing.abort();
    const result = await final.catch(() => ({ sent: 0, failed: 0, pending: buffer.pendingCount }));
    const unsent = buffer.pendingCount;
    if (unsent > 0) {
      buffer.evictOldest(unsent, undefined);
      drop(unsent, "unsent-at-close");
    }
    await transport.close();
    return { ...result, pending: 0 };
  }

  scheduler.arm(options.flushIntervalMs);

  const exporter: WebhookExporter = {
    add(event) {
      if (closed) throw new WebhookExporterError("ERR_WEBHOOK_CLOSED", "add() after close(): the exporter no longer accepts events");
      checkEvent(event);
      buffer.push(event);
      counters.added += 1;
      if (buffer.pendingCount > options.maxBufferedEvents) enforceMemoryBound();
      if (buffer.openCount >= options.maxEventInMemory) startBackgroundFlush();
    },
    flush() {
      if (closePromise !== undefined) return closePromise;
      return scheduler.run();
    },
    close() {
      closePromise ??= close();
      return closePromise;
    },
    stats() {
      return { ...counters, pending: buffer.pendingCount, lastError, lastSuccessAt };
    },
    [Symbol.asyncDispose]: async () => {
      await exporter.close();
    },
  };
  return exporter;
}


