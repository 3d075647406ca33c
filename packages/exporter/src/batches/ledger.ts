import type { Batch } from "./batch.js";
import type { DropDetails, DropReason, Observer } from "../observe/observer.js";

/**
 * Where every event that leaves the exporter is counted, once: delivered, or dropped with a reason.
 * `added = delivered + dropped + pending` holds because nothing else changes these counters.
 */
export interface Ledger {
  readonly added: number;
  readonly sent: number;
  readonly dropped: number;
  readonly batchesSent: number;
  readonly lastSuccessAt: number | undefined;
  /** Events restored from the spool at start, counted in `added`: so the ledger balances after a restart. */
  readonly restored: number;
  /** One event accepted by `add()`. */
  accepted(): void;
  /** Events an earlier run spooled, found at start. */
  foundInSpool(count: number): void;
  /** A batch the endpoint accepted. */
  delivered(batch: Batch): void;
  /** Events that will never be sent, and why (reported to `onDrop`). */
  drop(count: number, reason: DropReason, details?: DropDetails): void;
}

export function createLedger(observer: Observer, now: () => number): Ledger {
  let added = 0;
  let restored = 0;
  let sent = 0;
  let dropped = 0;
  let batchesSent = 0;
  let lastSuccessAt: number | undefined;
  return {
    get added() {
      return added;
    },
    get restored() {
      return restored;
    },
    get sent() {
      return sent;
    },
    get dropped() {
      return dropped;
    },
    get batchesSent() {
      return batchesSent;
    },
    get lastSuccessAt() {
      return lastSuccessAt;
    },
    accepted() {
      added += 1;
    },
    foundInSpool(count) {
      added += count;
      restored += count;
    },
    delivered(batch) {
      sent += batch.count;
      batchesSent += 1;
      lastSuccessAt = now();
    },
    drop(count, reason, details) {
      if (count <= 0) return;
      dropped += count;
      observer.dropped(count, reason, details);
    },
  };
}
