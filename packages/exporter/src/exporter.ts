import { randomUUID } from "node:crypto";
import { createBatchCutter } from "./batches/batch-cutter.js";
import { createBatchQueue } from "./queue/batch-queue.js";
import { createBatchSender } from "./delivery/batch-sender.js";
import { createEventCheck } from "./batches/check-event.js";
import { createDeliveryLoop } from "./delivery/delivery-loop.js";
import { WebhookExporterError } from "./errors.js";
import type { FlushResult, WebhookExporter } from "./exporter-api.js";
import { createEventBuffer } from "./batches/event-buffer.js";
import { createFlushDriver } from "./delivery/flush-driver.js";
import { createLedger } from "./batches/ledger.js";
import { createMemoryBound } from "./queue/memory-bound.js";
import { createExporterMetrics } from "./observe/metrics.js";
import { createObserver, type Observer } from "./observe/observer.js";
import {
  describeEndpoint,
  resolveOptions,
  type ResolvedOptions,
  type WebhookExporterOptions,
} from "./config/options.js";
import { serializeMeta } from "./wire/serializer.js";
import { handleTerminationSignals } from "./lifecycle/signals.js";
import { shutDown } from "./lifecycle/shutdown.js";
import { createSpoolJournal } from "./spool/spool-journal.js";
import { createSpoolKeeper } from "./spool/spool-keeper.js";
import { deliverBeforeExit, onProcessExit } from "./lifecycle/process-exit.js";
import { createTransport } from "./wire/transport.js";

/** Sending unsigned is what GO Feature Flag does without a secret, and never what a user means by accident. */
function warnUnsigned(observer: Observer, endpoint: string): void {
  const message = `no secret: webhooks to ${endpoint} are sent unsigned, and any receiver that checks signatures will refuse them (set secret, e.g. from WEBHOOK_SECRET)`;
  process.emitWarning(message, { code: "WEBHOOK_EXPORTER_UNSIGNED" });
  observer.note("warn", message);
}

const closedError = () =>
  new WebhookExporterError("ERR_WEBHOOK_CLOSED", "add() after close(): the exporter no longer accepts events");

/**
 * Below this many milliseconds, a flush interval or a request timeout was almost surely meant in
 * seconds (`flushInterval: 5`). `closeTimeout` is left alone: a tiny one is a way to say "do not wait".
 */
const SHORTEST_LIKELY_MS = 50;

function warnMistakenUnits(observer: Observer, options: ResolvedOptions): void {
  const delays: [string, number][] = [
    ["flushInterval", options.flushIntervalMs],
    ["timeout", options.timeoutMs],
  ];
  for (const [field, ms] of delays) {
    if (ms >= SHORTEST_LIKELY_MS) continue;
    const message = `${field} is in milliseconds: ${ms} ms (${ms} s would be ${field}: ${ms * 1000})`;
    process.emitWarning(message, { code: "WEBHOOK_EXPORTER_UNITS" });
    observer.note("warn", message);
  }
}

/**
 * Creates an exporter: the parts below, wired. Options are checked here, once.
 * @throws {WebhookExporterError} `ERR_WEBHOOK_CONFIG` naming the bad option; `ERR_WEBHOOK_SPOOL` when the
 * spool directory is locked by another exporter or cannot be created.
 */
export function createWebhookExporter(input: WebhookExporterOptions): WebhookExporter {
  const options = resolveOptions(input);
  const endpoint = describeEndpoint(options.endpointUrl);
  // Read when metrics are collected, by then every part below exists.
  const totals = () => ({ added: ledger.added, sent: ledger.sent, pending: pending() });
  const metrics =
    options.meter === undefined
      ? undefined
      : createExporterMetrics(
          options.meter,
          totals,
          {
            "server.address": options.endpointUrl.hostname.replace(/^\[|\]$/g, ""),
            "server.port": Number(options.endpointUrl.port || (options.endpointUrl.protocol === "https:" ? 443 : 80)),
            "webhook.event_type": options.eventType,
          },
          { maxBatchBytes: options.maxBatchBytes, maxEventInMemory: options.maxEventInMemory },
        );
  const observer = createObserver(options, metrics);
  if (options.signingKeys === undefined) warnUnsigned(observer, endpoint);
  warnMistakenUnits(observer, options);
  const closing = new AbortController();
  const transport = createTransport(options.endpointUrl, options);
  const sender = createBatchSender(options, transport, observer, closing.signal);
  const metaJson = serializeMeta(options.metaJsonSource);
  const buffer = createEventBuffer();
  const ledger = createLedger(observer, Date.now);
  const keeper =
    options.spool === undefined
      ? undefined
      : createSpoolKeeper(
          options.spool,
          buffer,
          observer,
          ledger,
          (batch) => loop.isInFlight(batch),
          (batch) => queue.settle(batch, { kind: "dropped", reason: "spool-full" }),
        );
  const queue = createBatchQueue({ buffer, keeper, ledger });
  const cutting = { metaJson, maxEvents: options.maxEventInMemory, maxBytes: options.maxBatchBytes, newId: randomUUID };
  // With a spool, events reach the disk in group commits as they arrive, not only when a flush cuts them.
  const journal =
    keeper === undefined || options.spool === undefined
      ? undefined
      : createSpoolJournal({
          buffer,
          keeper,
          ledger,
          observer,
          settings: { ...cutting, syncIntervalMs: options.spool.syncIntervalMs },
          onSealed: () => {
            driver.startInBackground();
          },
        });
  const cutter = journal ?? createBatchCutter(buffer, cutting, ledger, observer);
  const pending = () => buffer.pendingCount + cutter.beingCut;
  const memory = createMemoryBound({
    buffer,
    cutter,
    keeper,
    ledger,
    observer,
    endpoint,
    maxBufferedEvents: options.maxBufferedEvents,
    pending,
    queue,
    isInFlight: (batch) => loop.isInFlight(batch),
    failing: () => loop.failing,
  });
  const restored = keeper?.restore();
  const loop = createDeliveryLoop({
    buffer,
    queue,
    maxConcurrentRequests: options.maxConcurrentRequests,
    cutter,
    sender,
    keeper,
    ledger,
    memory,
    metaJson,
    pending,
    closing: closing.signal,
    now: Date.now,
    random: Math.random,
    maxEventInMemory: options.maxEventInMemory,
    backoff: { baseMs: options.retryBaseDelayMs, capMs: options.flushIntervalMs },
    restored,
  });
  const checkEvent = createEventCheck(options);
  const { maxEventInMemory, maxBufferedEvents } = options;
  /** After an add() that filled a batch's worth, or while batches wait: a flush, and the memory bound. */
  const onBacklog = (open: number) => {
    if (open >= maxEventInMemory) driver.startInBackground();
    // Open events alone stay under the bound (maxEventInMemory <= maxBufferedEvents): only waiting batches can push past it.
    if (memory.inMemory() > maxBufferedEvents) memory.enforce();
  };
  let closed = false;
  let closePromise: Promise<FlushResult> | undefined;

  const driver = createFlushDriver({
    loop,
    observer,
    pending,
    openCount: () => buffer.openCount,
    batchCount: () => buffer.batchCount,
    closed: () => closed,
    maxEventInMemory: options.maxEventInMemory,
    flushIntervalMs: options.flushIntervalMs,
  });
  const close = () => {
    closed = true;
    stopHandlingSignals();
    stopWatchingExit();
    journal?.stop();
    return shutDown({
      driver,
      loop,
      cutter,
      buffer,
      memory,
      keeper,
      ledger,
      queue,
      transport,
      closing,
      closeTimeoutMs: options.closeTimeoutMs,
      pending,
    });
  };

  const exporter: WebhookExporter = {
    add(event) {
      // The hot path: one pass of plain reads over the event and one array push; the rest is rare.
      if (closed) throw closedError();
      checkEvent(event);
      const open = buffer.push(event);
      ledger.accepted();
      if (open >= maxEventInMemory || buffer.batchCount > 0) onBacklog(open);
    },
    flush() {
      return closePromise ?? driver.run();
    },
    close() {
      closePromise ??= close();
      return closePromise;
    },
    stats() {
      const { added, sent, dropped, batchesSent, lastSuccessAt } = ledger;
      return {
        added,
        restored: ledger.restored,
        sent,
        dropped,
        batchesSent,
        lastSuccessAt,
        failedAttempts: sender.failedAttempts,
        pending: pending(),
        inMemory: memory.inMemory(),
        lastError: sender.lastError,
      };
    },
    eventType: options.eventType,
    [Symbol.asyncDispose]: async () => {
      await exporter.close();
    },
  };
  const stopHandlingSignals = options.handleSignals
    ? handleTerminationSignals(() => exporter.close())
    : () => undefined;
  const stopWatchingExit = onProcessExit(
    deliverBeforeExit({
      flush: () => driver.run(),
      added: () => ledger.added,
      pending,
      lostAtExit: () => (keeper === undefined ? pending() : 0),
      reportLost: (count) => {
        ledger.drop(count, "unsent-at-exit");
      },
      release: () => keeper?.release(),
    }),
  );
  driver.scheduler.arm(options.flushIntervalMs);
  // Batches an earlier run spooled go as soon as they are read; an empty spool waits for the interval
  // like the rest, so the first events are not sent in a batch of their own.
  void restored?.then(() => {
    if (buffer.batchCount > 0 && !closed) driver.scheduler.arm(0);
  });
  return exporter;
}
