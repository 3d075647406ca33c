import type { WebhookEvent } from "@org/webhook-types";
import type { WebhookExporterError } from "./errors.js";

/** What a flush did. */
export interface FlushResult {
  /** Events delivered by this flush. */
  sent: number;
  /**
   * Events in the batches whose attempts failed in this flush (kept, to be retried; the flush starts no
   * attempt after the first failure, those already in flight finish). 0 when none failed.
   */
  failed: number;
  /** Events still waiting after it (in memory or spooled). */
  pending: number;
}

/** Counters since the exporter was created. */
export interface ExporterStats {
  /**
   * Events accepted by `add()`, plus those an earlier run left in the spool (`restored`), so that
   * `added = sent + dropped + pending` always holds, after a restart too.
   */
  added: number;
  /** Events found in the spool at start (counted in `added`). */
  restored: number;
  /** Events delivered (a 2xx, or a 409). */
  sent: number;
  /** Failed delivery attempts (one batch retried three times counts three). */
  failedAttempts: number;
  /** Events waiting, in memory or spooled. */
  pending: number;
  /** Events waiting in memory. */
  inMemory: number;
  /** Events that will never be sent (each reported to `onDrop` with its reason). */
  dropped: number;
  /** Batches delivered. */
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
   * @throws {WebhookExporterError} `ERR_WEBHOOK_EVENT` for an event of the other kind, a required field
   * missing or of the wrong type, `creationDate` in milliseconds, or a value nested deeper than Go's
   * `encoding/json` reads (with `validateEvents`, a nested value JSON cannot hold too);
   * `ERR_WEBHOOK_CLOSED` after `close()`.
   */
  add(event: WebhookEvent): void;
  /**
   * Sends everything waiting now; resolves when it was sent or failed (failures are kept). With a spool,
   * once it resolves every event added before it is delivered or on disk. Never rejects.
   */
  flush(): Promise<FlushResult>;
  /**
   * Stops the timer, refuses new events, flushes one last time within `closeTimeout`, and spools what is
   * left (without a spool, reports it to `onDrop`). Idempotent: every call returns the same promise.
   */
  close(): Promise<FlushResult>;
  /** The counters now, exact even during a flood. */
  stats(): ExporterStats;
  /** The one kind of event this exporter carries. */
  readonly eventType: "feature" | "tracking";
}
