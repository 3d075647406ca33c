import { channel } from "node:diagnostics_channel";
import type { WebhookExporterError } from "../errors.js";
import type { ExporterMetrics } from "./metrics.js";

/** What one delivery attempt of one batch did. */
export interface FlushInfo {
  /** The batch's `webhook-id`: the same on every attempt, after a restart too. */
  id: string;
  /** Events in the batch. */
  events: number;
  /** Body bytes. */
  bytes: number;
  /** The HTTP status, or `undefined` when no answer came (network error, timeout). */
  status: number | undefined;
  /** How long the attempt took. */
  durationMs: number;
  /** 1 for the first attempt of this batch. */
  attempt: number;
  /** Whether the batch is now delivered (a 2xx, or a 409: the receiver already has it). */
  delivered: boolean;
}

/** Why events were dropped. */
export type DropReason =
  /** `maxBufferedEvents` was reached and no spool is configured: the oldest events went. */
  | "buffer-full"
  /** The spool reached `spool.maxBytes`: its oldest batch went. */
  | "spool-full"
  /** A spool file was torn or altered (a crash mid-write, a full disk): set aside as `*.torn`, not sent. */
  | "spool-torn"
  /** `close()` ended (delivery failed, or `closeTimeout` ran out) with events unsent and no spool to keep them. */
  | "unsent-at-close"
  /** The process ended without `close()`, and the flush before it could not deliver them; no spool kept them. */
  | "unsent-at-exit"
  /** An event JSON cannot represent (a circular structure): it can never be sent. */
  | "unserializable"
  /** The endpoint refused a single event with 413: it can never be delivered. */
  | "too-large"
  /** The endpoint refused a single event with 400 or 422 (kept in the spool's `dead-letter` folder when a spool is configured). */
  | "rejected";

/** What else is known about dropped events. */
export interface DropDetails {
  /** The batch the events were in (its `webhook-id`), when they had been cut into one. */
  batchId?: string;
  /** Where the events were kept for a person to look at (the spool's `dead-letter` folder). */
  deadLetterFile?: string;
}

/** A pino-compatible logger; the exporter is silent without one. */
export interface ExporterLogger {
  /** Each attempt, in detail. */
  debug(object: object, message?: string): void;
  /** Restores and takeovers of a spool. */
  info(object: object, message?: string): void;
  /** Unsigned sending, events dropped past the memory bound. */
  warn(object: object, message?: string): void;
  /** Failed attempts and spool errors. */
  error(object: object, message?: string): void;
}

/** The hooks, as the user gives them in the options. */
export interface ObserverOptions {
  /** After every delivery attempt. A hook that throws is ignored. */
  onFlush?: ((info: FlushInfo) => void) | undefined;
  /** Every failed attempt and every spool error. */
  onError?: ((error: WebhookExporterError) => void) | undefined;
  /** Events that will never be sent, how many, why, and which batch they were in. */
  onDrop?: ((count: number, reason: DropReason, details: DropDetails) => void) | undefined;
  /** A pino-compatible logger; silent without one. */
  logger?: ExporterLogger | undefined;
}

/** `node:diagnostics_channel` names: subscribe to see every exporter in the process. */
export const DIAGNOSTICS_CHANNELS: Readonly<{
  /** Publishes each `FlushInfo`. */
  flush: string;
  /** Publishes `{ error }` for each failed attempt or spool error. */
  error: string;
  /** Publishes `{ count, reason, batchId?, deadLetterFile? }` for dropped events. */
  drop: string;
}> = Object.freeze({
  flush: "org:webhook-exporter:flush",
  error: "org:webhook-exporter:error",
  drop: "org:webhook-exporter:drop",
});

const flushChannel = channel(DIAGNOSTICS_CHANNELS.flush);
const errorChannel = channel(DIAGNOSTICS_CHANNELS.error);
const dropChannel = channel(DIAGNOSTICS_CHANNELS.drop);

/** Runs a user hook; a hook that throws must not break delivery. */
function safely(hook: () => void): void {
  try {
    hook();
  } catch {
    // Deliberately ignored: the exporter's bookkeeping must not depend on user code.
  }
}

/** Fans each fact out to the hooks, the diagnostics channels and the logger. */
export interface Observer {
  flushed(info: FlushInfo): void;
  failed(error: WebhookExporterError): void;
  dropped(count: number, reason: DropReason, details?: DropDetails): void;
  /** A note for the logger only. */
  note(level: "debug" | "info" | "warn", message: string, details?: object): void;
}

export function createObserver(options: ObserverOptions, metrics?: ExporterMetrics): Observer {
  const { onFlush, onError, onDrop, logger } = options;
  return {
    flushed(info) {
      metrics?.flushed(info);
      if (onFlush)
        safely(() => {
          onFlush(info);
        });
      if (flushChannel.hasSubscribers) flushChannel.publish(info);
      logger?.debug({ ...info }, "webhook batch attempt");
    },
    failed(error) {
      metrics?.failed(error);
      if (onError)
        safely(() => {
          onError(error);
        });
      if (errorChannel.hasSubscribers) errorChannel.publish({ error });
      logger?.error(
        { code: error.code, status: error.status, reason: error.reason, permanent: error.permanent },
        error.message,
      );
    },
    dropped(count, reason, details = {}) {
      metrics?.dropped(count, reason);
      if (onDrop)
        safely(() => {
          onDrop(count, reason, details);
        });
      if (dropChannel.hasSubscribers) dropChannel.publish({ count, reason, ...details });
    },
    note(level, message, details = {}) {
      logger?.[level](details, message);
    },
  };
}
