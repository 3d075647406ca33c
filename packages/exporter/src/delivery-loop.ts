import { splitBatch, type Batch } from "./batch.js";
import type { BatchCutter } from "./batch-cutter.js";
import type { BatchSender } from "./batch-sender.js";
import type { EventBuffer } from "./event-buffer.js";
import type { FlushResult } from "./exporter-api.js";
import type { Ledger } from "./ledger.js";
import type { MemoryBound } from "./memory-bound.js";
import { refusalStep, retryDelayMs } from "./retry-policy.js";
import type { SpoolKeeper } from "./spool-keeper.js";

/** Sends what waits, oldest first, and applies each answer: delivered, split, set aside, or retried later. */
export interface DeliveryLoop {
  /**
   * One flush: the batches waiting and the events open when it began, until one fails. The next batch is
   * cut while the current one is on the wire; events added meanwhile wait for the next flush, so a flush
   * under load still ends. Never rejects.
   */
  deliver(): Promise<FlushResult>;
  /** The batch on the wire, if any. */
  readonly inFlight: Batch | undefined;
  /** When the next attempt may start after a failure (backoff with full jitter, `Retry-After`). */
  readonly retryNotBefore: number;
  /** Whether the last attempt failed. */
  readonly failing: boolean;
  /** From now on, a late answer changes nothing: `close()` has settled every event. */
  finalize(): void;
}

export function createDeliveryLoop(parts: {
  buffer: EventBuffer;
  cutter: BatchCutter;
  sender: BatchSender;
  keeper: SpoolKeeper | undefined;
  ledger: Ledger;
  memory: Pick<MemoryBound, "spill" | "recovered">;
  metaJson: string;
  maxEventInMemory: number;
  backoff: { baseMs: number; capMs: number };
  /** Spooled batches of an earlier run, read before the first flush. */
  restored: Promise<void> | undefined;
  closing: AbortSignal;
  pending: () => number;
  now: () => number;
  random: () => number;
}): DeliveryLoop {
  const { buffer, cutter, sender, keeper, ledger } = parts;
  let inFlight: Batch | undefined;
  let consecutiveFailures = 0;
  let retryNotBefore = 0;
  let finalized = false;
  // What tells a poison event (some batches delivered, one refused) from an endpoint refusing everything.
  let deliveries = 0;
  let refusalsSinceDelivery = 0;

  function onDelivered(batch: Batch): void {
    if (!buffer.removeBatch(batch)) return;
    void keeper?.forget(batch);
    ledger.delivered(batch);
    consecutiveFailures = 0;
    deliveries += 1;
    refusalsSinceDelivery = 0;
    parts.memory.recovered();
  }

  /**
   * A batch the endpoint refused for what it holds (400, 422) or its size (413): its halves take its
   * place, so the good events go and the bad one is isolated in about log2(count) requests. A single
   * event is set aside, in the dead-letter folder when there is a spool, and reported.
   */
  async function onSplit(batch: Batch & { body: Buffer }, reason: "too-large" | "rejected"): Promise<void> {
    if (batch.count > 1) {
      const halves = splitBatch(batch, parts.metaJson);
      if (reason === "rejected")
        for (const half of halves) half.isolation = batch.isolation ?? { deliveriesBefore: deliveries };
      if (!buffer.replaceBatch(batch, halves)) return;
      // The halves on disk first: a crash in between must not lose the batch's events.
      await keeper?.persist();
      void keeper?.forget(batch);
      return;
    }
    const deadLetterFile = reason === "rejected" ? await keeper?.deadLetter(batch) : undefined;
    if (!buffer.removeBatch(batch)) return;
    void keeper?.forget(batch);
    ledger.drop(
      1,
      reason,
      deadLetterFile === undefined ? { batchId: batch.id } : { batchId: batch.id, deadLetterFile },
    );
  }

  function onFailed(retryAfterMs: number | undefined): void {
    consecutiveFailures += 1;
    retryNotBefore =
      parts.now() + retryDelayMs(consecutiveFailures, { ...parts.backoff, retryAfterMs, random: parts.random });
  }

  async function deliver(): Promise<FlushResult> {
    await parts.restored;
    const sentBefore = ledger.sent;
    let failed = 0;
    let toCut = buffer.openCount;
    const cutNext = async () => {
      const count = Math.min(toCut, parts.maxEventInMemory);
      toCut -= count;
      // Hold the unfilled tail back for the next chunk, except at the end: it must go in this flush.
      toCut += await cutter.cut(count, toCut > 0, parts.closing);
    };
    await cutNext();
    while (!parts.closing.aborted) {
      const batch = buffer.firstBatch();
      if (batch === undefined) {
        if (toCut > 0 && buffer.openCount + cutter.beingCut > 0) {
          await cutNext();
          continue;
        }
        break;
      }
      if (!((await keeper?.ensureBody(batch)) ?? true) || batch.body === undefined) {
        if (buffer.removeBatch(batch)) ledger.drop(batch.count, "spool-torn", { batchId: batch.id });
        continue;
      }
      inFlight = batch;
      const nextCut = toCut > 0 ? cutNext() : undefined;
      const verdict = await sender.attempt(batch as Batch & { body: Buffer }).finally(() => {
        inFlight = undefined;
      });
      await nextCut;
      if (finalized) break;
      if (verdict.kind === "delivered") onDelivered(batch);
      else if (verdict.kind === "split" && verdict.reason === "too-large")
        await onSplit(batch as Batch & { body: Buffer }, verdict.reason);
      else if (verdict.kind === "split") {
        refusalsSinceDelivery += 1;
        const step = refusalStep(batch, deliveries, refusalsSinceDelivery);
        if (step === "isolate") await onSplit(batch as Batch & { body: Buffer }, verdict.reason);
        else if (step === "probe") buffer.moveToBack(batch);
        else {
          buffer.moveToBack(batch);
          onFailed(undefined);
          failed = batch.count;
          await parts.memory.spill();
          break;
        }
      } else {
        // Refused until someone fixes something: the other batches go first meanwhile.
        if (verdict.permanent) buffer.moveToBack(batch);
        onFailed(verdict.retryAfterMs);
        failed = batch.count;
        await parts.memory.spill();
        break;
      }
    }
    return { sent: ledger.sent - sentBefore, failed, pending: parts.pending() };
  }

  return {
    deliver,
    get inFlight() {
      return inFlight;
    },
    get retryNotBefore() {
      return retryNotBefore;
    },
    get failing() {
      return consecutiveFailures > 0;
    },
    finalize() {
      finalized = true;
    },
  };
}
