import { cutBatches } from "./batch.js";
import type { EventBuffer } from "./event-buffer.js";
import type { Ledger } from "./ledger.js";
import type { Observer } from "../observe/observer.js";

/** Cuts open events into batches, one cut at a time, so that batches keep the events' order. */
export interface BatchCutter {
  /**
   * Cuts the oldest open events (all, or `max`) into batches at the back of the queue. With
   * `holdBackTail`, an unfilled last batch goes back to the open events; resolves how many. Once
   * `signal` aborts, the cut stops within one slice and what it did not seal goes back too.
   */
  cut(max?: number, holdBackTail?: boolean, signal?: AbortSignal): Promise<number>;
  /** Events taken out of the buffer by the cut in progress: still pending, still in memory. */
  readonly beingCut: number;
  /** Resolves once no cut runs or waits. */
  idle(): Promise<void>;
  /**
   * Batches a cut made that are on their way into the queue (being written to disk), as a promise
   * that resolves once they are all queued; `undefined` when none is.
   */
  landing(): Promise<void> | undefined;
}

export function createBatchCutter(
  buffer: EventBuffer,
  settings: { metaJson: string; maxEvents: number; maxBytes: number; newId: () => string },
  ledger: Pick<Ledger, "drop">,
  observer: Observer,
): BatchCutter {
  let cutting: Promise<unknown> = Promise.resolve();
  let beingCut = 0;
  const limits = { maxEvents: settings.maxEvents, maxBytes: settings.maxBytes };

  async function cutNow(max: number, holdBackTail: boolean, signal: AbortSignal | undefined): Promise<number> {
    if (buffer.openCount === 0 || max <= 0 || signal?.aborted === true) return 0;
    const taken = buffer.takeOpen(max);
    beingCut = taken.length;
    const options = signal === undefined ? { holdBackTail } : { holdBackTail, signal };
    const cut = await cutBatches(taken, settings.metaJson, limits, settings.newId, options).finally(() => {
      beingCut = 0;
    });
    buffer.addBatches(cut.batches);
    buffer.returnOpen(cut.tail);
    ledger.drop(cut.unserializable, "unserializable");
    for (const id of cut.oversized)
      observer.note("warn", "one event is larger than maxBatchBytes: it is sent alone", { id });
    return cut.tail.length;
  }

  return {
    cut(max = Infinity, holdBackTail = false, signal) {
      const run = cutting.then(() => cutNow(max, holdBackTail, signal));
      cutting = run.catch(() => undefined);
      return run;
    },
    get beingCut() {
      return beingCut;
    },
    idle() {
      return cutting.then(() => undefined);
    },
    // A cut queues its batches before it resolves.
    landing: () => undefined,
  };
}
