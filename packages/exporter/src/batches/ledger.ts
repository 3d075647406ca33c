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
  return new CountingLedger(observer, now);
}

/**
 * A class, not an object literal of closures, for the same reason as the event buffer: `add()` calls
 * `accepted()` on every event, and each exporter's literal (its getters made per call) had a map of
 * its own, so that call went megamorphic once a process had made a few exporters.
 */
class CountingLedger implements Ledger {
  added = 0;
  restored = 0;
  sent = 0;
  dropped = 0;
  batchesSent = 0;
  lastSuccessAt: number | undefined = undefined;

  constructor(
    private readonly observer: Observer,
    private readonly now: () => number,
  ) {}

  accepted(): void {
    this.added += 1;
  }
  foundInSpool(count: number): void {
    this.added += count;
    this.restored += count;
  }
  delivered(batch: Batch): void {
    this.sent += batch.count;
    this.batchesSent += 1;
    this.lastSuccessAt = this.now();
  }
  drop(count: number, reason: DropReason, details?: DropDetails): void {
    if (count <= 0) return;
    this.dropped += count;
    this.observer.dropped(count, reason, details);
  }
}
