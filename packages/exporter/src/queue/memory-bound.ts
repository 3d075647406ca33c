import type { Batch } from "../batches/batch.js";
import type { BatchCutter } from "../batches/batch-cutter.js";
import type { BatchQueue } from "./batch-queue.js";
import type { EventBuffer } from "../batches/event-buffer.js";
import type { Ledger } from "../batches/ledger.js";
import type { Observer } from "../observe/observer.js";
import type { SpoolKeeper } from "../spool/spool-keeper.js";

/** Keeps the events held in memory under `maxBufferedEvents`. */
export interface MemoryBound {
  /** Events held in memory: pending, less those whose batch waits on disk only. */
  inMemory(): number;
  /**
   * Called by `add()` past the bound: moves the oldest batches to the spool (in the background) or,
   * without one or past twice the bound, drops the oldest and reports them. Warns once per episode.
   */
  enforce(): void;
  /** Writes what waits to the spool and frees memory down to the bound; never rejects (a no-op without a spool). */
  spill(): Promise<void>;
  /** A batch was delivered: a later overflow is a new episode, warned about again. */
  recovered(): void;
}

export function createMemoryBound(parts: {
  buffer: EventBuffer;
  cutter: BatchCutter;
  keeper: SpoolKeeper | undefined;
  ledger: Pick<Ledger, "drop">;
  queue: BatchQueue;
  observer: Observer;
  maxBufferedEvents: number;
  endpoint: string;
  /** Events held, in memory or on disk (the exporter's `pending`). */
  pending: () => number;
  /** Whether a batch is on the wire: never evicted, or its delivery would settle another batch. */
  isInFlight: (batch: Batch) => boolean;
  /** Whether the last attempt failed: names the cause in the warning. */
  failing: () => boolean;
}): MemoryBound {
  const { buffer, cutter, keeper, ledger, observer, maxBufferedEvents } = parts;
  let warned = false;
  let spilling: Promise<void> | undefined;

  const inMemory = () => parts.pending() - (keeper?.diskOnlyEvents ?? 0);

  async function spill(): Promise<void> {
    if (keeper === undefined) return;
    await cutter.cut();
    await cutter.landing();
    await keeper.persist();
    keeper.offload(maxBufferedEvents);
  }

  function warnOnce(): void {
    if (warned) return;
    warned = true;
    const where = keeper === undefined ? "dropping the oldest events" : "moving the oldest batches to the spool";
    // Say which it is: a failing endpoint, or a burst faster than delivery (a healthy endpoint, a small bound).
    const cause = parts.failing()
      ? `while ${parts.endpoint} fails`
      : `while ${parts.endpoint} answers: events arrive faster than they are sent`;
    observer.note("warn", `maxBufferedEvents (${maxBufferedEvents}) reached ${cause}; ${where}`);
  }

  return {
    inMemory,
    spill,
    enforce() {
      warnOnce();
      // With a spool, memory may overshoot while the spill runs, but never past twice the bound.
      const hardLimit = keeper === undefined ? maxBufferedEvents : maxBufferedEvents * 2;
      if (keeper !== undefined) {
        spilling ??= spill().finally(() => {
          spilling = undefined;
        });
      }
      const excess = inMemory() - hardLimit;
      if (excess <= 0) return;
      let remaining = excess;
      for (const batch of buffer.oldestInMemory(excess, parts.isInFlight))
        if (parts.queue.settle(batch, { kind: "dropped", reason: "buffer-full" })) remaining -= batch.count;
      ledger.drop(buffer.dropOldestOpen(remaining), "buffer-full");
    },
    recovered() {
      warned = false;
    },
  };
}
