import { cutBatches } from "./batch.js";
import type { EventBuffer } from "./event-buffer.js";
import type { Ledger } from "./ledger.js";
import type { Observer } from "./observer.js";

/** Cuts open events into batches, one cut at a time, so that batches keep the events' order. */
export interface BatchCutter {
  /**
   * Cuts the oldest open events (all, or `max`) into batches at the back of the queue. With
   * `holdBackTail`, an unfilled last batch goes back to the open events; resolves how many.
   */
  cut(max?: number, holdBackTail?: boolean): Promise<number>;
  /** Events taken out of the buffer by the cut in progress: still pending, still in memory. */
  readonly beingCut: number;
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

  async function cutNow(max: number, holdBackTail: boolean): Promise<number> {
    if (buffer.openCount === 0 || max <= 0) return 0;
    const taken = buffer.takeOpen(max);
    beingCut = taken.length;
    const cut = await cutBatches(taken, settings.metaJson, limits, settings.newId, { holdBackTail }).finally(() => {
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
    cut(max = Infinity, holdBackTail = false) {
      const run = cutting.then(() => cutNow(max, holdBackTail));
      cutting = run.catch(() => undefined);
      return run;
    },
    get beingCut() {
      return beingCut;
    },
  };
}
