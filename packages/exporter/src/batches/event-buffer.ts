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
  let open: WebhookEvent[] = [];
  // Dropping from the front of `open` moves this index instead of shifting the array.
  let openHead = 0;
  let batches: Batch[] = [];
  let batchedEvents = 0;

  const openCount = () => open.length - openHead;

  return {
    get openCount() {
      return openCount();
    },
    get pendingCount() {
      return batchedEvents + openCount();
    },
    get batchCount() {
      return batches.length;
    },
    push(event) {
      return open.push(event) - openHead;
    },
    takeOpen(max = Infinity) {
      if (max < openCount()) {
        const taken = open.slice(openHead, openHead + max);
        openHead += max;
        return taken;
      }
      const taken = openHead === 0 ? open : open.slice(openHead);
      open = [];
      openHead = 0;
      return taken;
    },
    returnOpen(events) {
      if (events.length === 0) return;
      open = [...events, ...open.slice(openHead)];
      openHead = 0;
    },
    addBatches(added, position = "back") {
      batches = position === "back" ? [...batches, ...added] : [...added, ...batches];
      for (const batch of added) batchedEvents += batch.count;
    },
    firstBatch() {
      return batches[0];
    },
    batches() {
      return batches;
    },
    removeBatch(batch) {
      const index = batches.indexOf(batch);
      if (index === -1) return false;
      batches.splice(index, 1);
      batchedEvents -= batch.count;
      return true;
    },
    moveToBack(batch) {
      const index = batches.indexOf(batch);
      if (index === -1) return false;
      batches.splice(index, 1);
      batches.push(batch);
      return true;
    },
    replaceBatch(batch, replacements) {
      const index = batches.indexOf(batch);
      if (index === -1) return false;
      batches.splice(index, 1, ...replacements);
      batchedEvents -= batch.count;
      for (const replacement of replacements) batchedEvents += replacement.count;
      return true;
    },
    oldestInMemory(excess, isBusy) {
      const oldest: Batch[] = [];
      let remaining = excess;
      for (const batch of batches) {
        if (remaining <= 0) break;
        // A batch on disk only frees no memory; one on the wire must stay.
        if (batch.body === undefined || isBusy(batch)) continue;
        oldest.push(batch);
        remaining -= batch.count;
      }
      return oldest;
    },
    dropOldestOpen(count) {
      const openEvents = Math.min(Math.max(count, 0), openCount());
      openHead += openEvents;
      // Keep the array from growing without bound while its front is dropped.
      if (openHead > 1024 && openHead * 2 > open.length) {
        open = open.slice(openHead);
        openHead = 0;
      }
      return openEvents;
    },
  };
}
