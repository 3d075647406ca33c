import type { WebhookEvent } from "@org/webhook-types";
import type { Batch } from "./batch.js";

/**
 * The exporter's memory, oldest first: cut batches waiting for delivery (a failed one stays in front,
 * so order is kept), then the events added since the last cut. `add` is O(1); dropping is from the front.
 */
export interface EventBuffer {
  /** Events not yet cut into a batch. */
  readonly openCount: number;
  /** Every event held: in batches and open. */
  readonly pendingCount: number;
  /** Batches waiting, oldest first. */
  readonly batchCount: number;
  /** Appends an event; returns how many events are now open (not yet cut). */
  push(event: WebhookEvent): number;
  /** Removes and returns the oldest open events (all of them, or at most `max`), for cutting. */
  takeOpen(max?: number): WebhookEvent[];
  /** Puts events back in front of the open ones (a cut's unfilled tail), order kept. */
  returnOpen(events: readonly WebhookEvent[]): void;
  /** Adds batches behind those already waiting (`front`: before them, for spooled batches read at start). */
  addBatches(batches: readonly Batch[], position?: "back" | "front"): void;
  firstBatch(): Batch | undefined;
  /** The waiting batches, oldest first (do not modify). */
  batches(): readonly Batch[];
  /** Removes one batch wherever it stands (delivered, dropped, evicted); false when it no longer waits. */
  removeBatch(batch: Batch): boolean;
  /** Moves a batch behind all the others (refused for good for now: the others go first); false when it no longer waits. */
  moveToBack(batch: Batch): boolean;
  /** Puts `replacements` where `batch` stands (a split); false when it no longer waits. */
  replaceBatch(batch: Batch, replacements: readonly Batch[]): boolean;
  /**
   * The oldest batches held in memory that together hold at least `excess` events (or all there are),
   * never one `isBusy` names (on the wire): the ones to evict. Nothing is removed here.
   */
  oldestInMemory(excess: number, isBusy: (batch: Batch) => boolean): Batch[];
  /** Drops up to `count` of the oldest open events; returns how many went. */
  dropOldestOpen(count: number): number;
}

export function createEventBuffer(): EventBuffer {
  return new ArrayEventBuffer();
}

/**
 * A class, not an object literal of closures: its getters live on one prototype, so `add()`'s read of
 * `batchCount` is inlined. Getters of an object literal made per call each get a map of their own,
 * and the read became a megamorphic lookup that cost more than the push.
 */
class ArrayEventBuffer implements EventBuffer {
  private open: WebhookEvent[] = [];
  // Dropping from the front of `open` moves this index instead of shifting the array.
  private openHead = 0;
  private waiting: Batch[] = [];
  private batchedEvents = 0;

  get openCount(): number {
    return this.open.length - this.openHead;
  }
  get pendingCount(): number {
    return this.batchedEvents + this.openCount;
  }
  get batchCount(): number {
    return this.waiting.length;
  }
  push(event: WebhookEvent): number {
    return this.open.push(event) - this.openHead;
  }
  takeOpen(max = Infinity): WebhookEvent[] {
    if (max < this.openCount) {
      const taken = this.open.slice(this.openHead, this.openHead + max);
      this.openHead += max;
      return taken;
    }
    const taken = this.openHead === 0 ? this.open : this.open.slice(this.openHead);
    this.open = [];
    this.openHead = 0;
    return taken;
  }
  returnOpen(events: readonly WebhookEvent[]): void {
    if (events.length === 0) return;
    this.open = [...events, ...this.open.slice(this.openHead)];
    this.openHead = 0;
  }
  addBatches(added: readonly Batch[], position: "back" | "front" = "back"): void {
    this.waiting = position === "back" ? [...this.waiting, ...added] : [...added, ...this.waiting];
    for (const batch of added) this.batchedEvents += batch.count;
  }
  firstBatch(): Batch | undefined {
    return this.waiting[0];
  }
  batches(): readonly Batch[] {
    return this.waiting;
  }
  removeBatch(batch: Batch): boolean {
    const index = this.waiting.indexOf(batch);
    if (index === -1) return false;
    this.waiting.splice(index, 1);
    this.batchedEvents -= batch.count;
    return true;
  }
  moveToBack(batch: Batch): boolean {
    const index = this.waiting.indexOf(batch);
    if (index === -1) return false;
    this.waiting.splice(index, 1);
    this.waiting.push(batch);
    return true;
  }
  replaceBatch(batch: Batch, replacements: readonly Batch[]): boolean {
    const index = this.waiting.indexOf(batch);
    if (index === -1) return false;
    this.waiting.splice(index, 1, ...replacements);
    this.batchedEvents -= batch.count;
    for (const replacement of replacements) this.batchedEvents += replacement.count;
    return true;
  }
  oldestInMemory(excess: number, isBusy: (batch: Batch) => boolean): Batch[] {
    const oldest: Batch[] = [];
    let remaining = excess;
    for (const batch of this.waiting) {
      if (remaining <= 0) break;
      // A batch on disk only frees no memory; one on the wire must stay.
      if (batch.body === undefined || isBusy(batch)) continue;
      oldest.push(batch);
      remaining -= batch.count;
    }
    return oldest;
  }
  dropOldestOpen(count: number): number {
    const openEvents = Math.min(Math.max(count, 0), this.openCount);
    this.openHead += openEvents;
    // Keep the array from growing without bound while its front is dropped.
    if (this.openHead > 1024 && this.openHead * 2 > this.open.length) {
      this.open = this.open.slice(this.openHead);
      this.openHead = 0;
    }
    return openEvents;
  }
}
