import { cutBatches, type Batch } from "./batch.js";
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
   * Batches a cut made that are on their way into the queue, as a promise that resolves once they
   * are queued: those being written to disk (the spool's cut), or the next batch of the cut in
   * progress (the in-memory cut queues each batch as it is sealed); `undefined` when none is.
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
  /** Cuts asked for and not ended: from the call, since a cut starts once the one before it ended. */
  let cutsUnderWay = 0;
  let beingCut = 0;
  const limits = { maxEvents: settings.maxEvents, maxBytes: settings.maxBytes };
  /** While a cut runs: resolves when its next batch is queued, so that a flush sends it meanwhile. */
  let nextLanding: { promise: Promise<void>; resolve: () => void } | undefined;
  const landed = () => {
    const waiting = nextLanding;
    nextLanding = undefined;
    waiting?.resolve();
  };

  async function cutNow(max: number, holdBackTail: boolean, signal: AbortSignal | undefined): Promise<number> {
    if (buffer.openCount === 0 || max <= 0 || signal?.aborted === true) return 0;
    const taken = buffer.takeOpen(max);
    beingCut = taken.length;
    // Each batch is queued as soon as it is sealed: the first is on the wire while the others are cut.
    const onSealed = (batch: Batch) => {
      beingCut -= batch.count;
      buffer.addBatches([batch]);
      landed();
    };
    const options = signal === undefined ? { holdBackTail, onSealed } : { holdBackTail, signal, onSealed };
    const cut = await cutBatches(taken, settings.metaJson, limits, settings.newId, options).finally(() => {
      beingCut = 0;
    });
    buffer.returnOpen(cut.tail);
    ledger.drop(cut.unserializable, "unserializable");
    for (const id of cut.oversized)
      observer.note("warn", "one event is larger than maxBatchBytes: it is sent alone", { id });
    return cut.tail.length;
  }

  return {
    cut(max = Infinity, holdBackTail = false, signal) {
      cutsUnderWay += 1;
      // Whatever a cut did, its end settles a wait for the next batch: nothing lands after it.
      const run = cutting
        .then(() => cutNow(max, holdBackTail, signal))
        .finally(() => {
          cutsUnderWay -= 1;
          landed();
        });
      cutting = run.catch(() => undefined);
      return run;
    },
    get beingCut() {
      return beingCut;
    },
    idle() {
      return cutting.then(() => undefined);
    },
    landing() {
      if (cutsUnderWay === 0) return undefined;
      if (nextLanding === undefined) {
        let resolve: () => void = () => undefined;
        const promise = new Promise<void>((settle) => (resolve = settle));
        nextLanding = { promise, resolve };
      }
      return nextLanding.promise;
    },
  };
}
