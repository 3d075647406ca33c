import type { DeliveryLoop } from "./delivery-loop.js";
import { WebhookExporterError } from "../errors.js";
import type { FlushResult } from "../exporter-api.js";
import { createFlushScheduler, type FlushScheduler } from "./flush-scheduler.js";
import type { Observer } from "../observe/observer.js";

/** When flushes run: on the timer, on demand, past the threshold; and what follows each one. */
export interface FlushDriver {
  /** A flush now, or right after the one in progress (callers meanwhile share it). Never rejects. */
  run(): Promise<FlushResult>;
  /** A threshold flush: off the caller's path, never beside another, never during a backoff (no retry storm). */
  startInBackground(): void;
  /** The timer, as the scheduler's. */
  readonly scheduler: Pick<FlushScheduler<FlushResult>, "arm" | "stop">;
}

export function createFlushDriver(parts: {
  loop: DeliveryLoop;
  observer: Observer;
  pending: () => number;
  openCount: () => number;
  /** Batches waiting: sealed (by the spool's group commits) while the last flush ran. */
  batchCount: () => number;
  closed: () => boolean;
  maxEventInMemory: number;
  flushIntervalMs: number;
}): FlushDriver {
  const { loop } = parts;

  /** One flush, then the next one armed, whatever happened: a flush that threw must not stop delivery for good. */
  async function flushAndRearm(): Promise<FlushResult> {
    let result: FlushResult;
    let threw = false;
    try {
      result = await loop.deliver();
    } catch (error) {
      threw = true;
      parts.observer.failed(
        new WebhookExporterError("ERR_WEBHOOK_SEND", "a flush failed unexpectedly; its events are kept", {
          cause: error,
        }),
      );
      result = { sent: 0, failed: parts.pending(), pending: parts.pending() };
    }
    if (!parts.closed()) {
      // A flush that threw set no backoff: wait a whole interval rather than retry in a tight loop.
      const retryInMs = threw ? parts.flushIntervalMs : Math.max(0, loop.retryNotBefore - Date.now());
      scheduler.arm(result.failed > 0 ? retryInMs : parts.flushIntervalMs);
      // A full batch's worth waits, or batches were sealed meanwhile: the endpoint answers, so go on now.
      if (result.failed === 0 && (parts.openCount() >= parts.maxEventInMemory || parts.batchCount() > 0))
        continueSoon();
    }
    return result;
  }
  const scheduler = createFlushScheduler(flushAndRearm);

  /** The next flush once this one has ended (the check runs then: this one is still busy now). */
  function continueSoon(): void {
    setImmediate(() => {
      if (!scheduler.busy && !parts.closed() && Date.now() >= loop.retryNotBefore)
        scheduler.run().catch(() => undefined);
    });
  }

  function startInBackground(): void {
    if (scheduler.busy || Date.now() < loop.retryNotBefore) return;
    continueSoon();
  }

  return { run: () => scheduler.run(), startInBackground, scheduler };
}
