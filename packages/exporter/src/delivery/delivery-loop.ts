import { splitBatch, type Batch } from "../batches/batch.js";
import type { BatchCutter } from "../batches/batch-cutter.js";
import type { BatchQueue } from "../queue/batch-queue.js";
import type { BatchSender } from "./batch-sender.js";
import type { EventBuffer } from "../batches/event-buffer.js";
import type { FlushResult } from "../exporter-api.js";
import type { Ledger } from "../batches/ledger.js";
import type { MemoryBound } from "../queue/memory-bound.js";
import { refusalStep, retryDelayMs, type Verdict } from "./retry-policy.js";
import type { SpoolKeeper } from "../spool/spool-keeper.js";

/** Sends what waits, oldest first, and applies each answer: delivered, split, set aside, or retried later. */
export interface DeliveryLoop {
  /**
   * One flush: the batches waiting and the events open when it began, up to `maxConcurrentRequests`
   * attempts at a time, until one fails (those in flight then finish). The next batch is cut while
   * others are on the wire; events added meanwhile wait for the next flush, so a flush under load
   * still ends. Never rejects.
   */
  deliver(): Promise<FlushResult>;
  /** Whether a batch is on the wire now. */
  isInFlight(batch: Batch): boolean;
  /** When the next attempt may start after a failure (backoff with full jitter, `Retry-After`). */
  readonly retryNotBefore: number;
  /** Whether the last attempt failed. */
  readonly failing: boolean;
  /** From now on, a late answer changes nothing: `close()` has settled every event. */
  finalize(): void;
}

type Sendable = Batch & { body: Buffer };

export function createDeliveryLoop(parts: {
  buffer: EventBuffer;
  queue: BatchQueue;
  cutter: BatchCutter;
  sender: BatchSender;
  keeper: SpoolKeeper | undefined;
  ledger: Pick<Ledger, "sent">;
  memory: Pick<MemoryBound, "spill" | "recovered">;
  metaJson: string;
  maxEventInMemory: number;
  maxConcurrentRequests: number;
  backoff: { baseMs: number; capMs: number };
  /** Spooled batches of an earlier run, read before the first flush. */
  restored: Promise<void> | undefined;
  closing: AbortSignal;
  pending: () => number;
  now: () => number;
  random: () => number;
}): DeliveryLoop {
  const { buffer, queue, cutter, sender, keeper, ledger } = parts;
  const inFlight = new Set<Batch>();
  let consecutiveFailures = 0;
  let retryNotBefore = 0;
  let finalized = false;
  // What tells a poison event (some batches delivered, one refused) from an endpoint refusing everything.
  let deliveries = 0;
  let refusalsSinceDelivery = 0;

  function onDelivered(batch: Batch): void {
    if (!queue.settle(batch, { kind: "delivered" })) return;
    // A success ends the backoff: what waits may go now.
    consecutiveFailures = 0;
    retryNotBefore = 0;
    deliveries += 1;
    refusalsSinceDelivery = 0;
    parts.memory.recovered();
  }

  /**
   * A batch the endpoint refused for what it holds (400, 422) or its size (413): its halves take its
   * place, so the good events go and the bad one is isolated in about log2(count) requests. A single
   * event is set aside, in the dead-letter folder when there is a spool, and reported.
   */
  async function onSplit(batch: Sendable, reason: "too-large" | "rejected"): Promise<Batch[]> {
    if (batch.count > 1) {
      const halves = splitBatch(batch, parts.metaJson);
      if (reason === "rejected")
        for (const half of halves) half.isolation = batch.isolation ?? { deliveriesBefore: deliveries };
      return (await queue.replace(batch, halves)) ? halves : [];
    }
    const deadLetterFile = reason === "rejected" ? await keeper?.deadLetter(batch) : undefined;
    queue.settle(batch, {
      kind: "dropped",
      reason,
      details: deadLetterFile === undefined ? { batchId: batch.id } : { batchId: batch.id, deadLetterFile },
    });
    return [];
  }

  function onFailed(retryAfterMs: number | undefined): void {
    consecutiveFailures += 1;
    retryNotBefore =
      parts.now() + retryDelayMs(consecutiveFailures, { ...parts.backoff, retryAfterMs, random: parts.random });
  }

  /**
   * Applies one answer: whether the flush must stop starting attempts (and back off), and the batches
   * that go in this flush in its place (halves, or the batch itself tried again after another).
   */
  async function apply(
    batch: Sendable,
    verdict: Verdict,
  ): Promise<{ stop: boolean; next: Batch[]; retryAfterMs?: number | undefined }> {
    if (verdict.kind === "delivered") {
      onDelivered(batch);
      return { stop: false, next: [] };
    }
    if (verdict.kind === "split" && verdict.reason === "too-large")
      return { stop: false, next: await onSplit(batch, verdict.reason) };
    if (verdict.kind === "split") {
      refusalsSinceDelivery += 1;
      const step = refusalStep(batch, deliveries, refusalsSinceDelivery);
      if (step === "isolate") return { stop: false, next: await onSplit(batch, verdict.reason) };
      buffer.moveToBack(batch);
      return step === "probe" ? { stop: false, next: [batch] } : { stop: true, next: [] };
    }
    // Refused until someone fixes something: the other batches go first meanwhile.
    if (verdict.permanent) buffer.moveToBack(batch);
    return { stop: true, next: [], retryAfterMs: verdict.retryAfterMs };
  }

  async function deliver(): Promise<FlushResult> {
    await parts.restored;
    const sentBefore = ledger.sent;
    let failed = 0;
    let stopped = false;
    let retryAfterMs: number | undefined;
    let toCut = buffer.openCount;
    // The batches of this flush not yet attempted: those waiting when it began, and those its own cuts make.
    const eligible = new Set<Batch>(buffer.batches());
    const started = new Set<Batch>();
    /** Every batch now in the queue that this flush has not attempted joins it. */
    const admitQueued = () => {
      for (const batch of buffer.batches()) if (!started.has(batch)) eligible.add(batch);
    };
    const cutNext = async () => {
      const count = Math.min(toCut, parts.maxEventInMemory);
      toCut -= count;
      // Hold the unfilled tail back for the next chunk, except at the end: it must go in this flush.
      toCut += await cutter.cut(count, toCut > 0, parts.closing);
      admitQueued();
    };
    const attempts = new Map<Batch, Promise<{ batch: Sendable; verdict: Verdict }>>();
    // Not awaited: the first batch goes on the wire as soon as it is sealed, while the cut goes on.
    let cutting: Promise<"cut"> | undefined = cutNext().then(() => "cut" as const);
    // A cut that fails while the first attempts start (a spooled body read from disk) fails this flush
    // through the race below, never as an unhandled rejection that would end the process.
    cutting.catch(() => undefined);

    // While the endpoint fails, one attempt at a time probes it; the window opens at the first delivery.
    const window = () => (consecutiveFailures > 0 || refusalsSinceDelivery > 0 ? 1 : parts.maxConcurrentRequests);
    const startAttempts = async () => {
      for (const batch of [...buffer.batches()]) {
        if (stopped || parts.closing.aborted || attempts.size >= window()) return;
        if (attempts.has(batch) || !eligible.has(batch)) continue;
        eligible.delete(batch);
        started.add(batch);
        if (!((await keeper?.ensureBody(batch)) ?? true) || batch.body === undefined) {
          queue.settle(batch, { kind: "dropped", reason: "spool-torn" });
          continue;
        }
        const sendable = batch as Sendable;
        inFlight.add(sendable);
        const attempt = sender.attempt(sendable).finally(() => inFlight.delete(sendable));
        attempts.set(
          sendable,
          attempt.then((verdict) => ({ batch: sendable, verdict })),
        );
      }
    };

    for (;;) {
      await startAttempts();
      // One batch cut ahead: the next to go is ready when a slot frees, and no more is held serialized.
      const readyNext = buffer.batches().some((batch) => eligible.has(batch));
      if (!stopped && !readyNext && cutting === undefined && toCut > 0 && buffer.openCount + cutter.beingCut > 0)
        cutting = cutNext().then(() => "cut" as const);
      const landing = cutter.landing()?.then(() => "landed" as const);
      if (attempts.size === 0 && cutting === undefined && landing === undefined) break;
      const next = await Promise.race([
        ...attempts.values(),
        ...(cutting === undefined ? [] : [cutting]),
        ...(landing === undefined ? [] : [landing]),
      ]);
      if (next === "cut") {
        cutting = undefined;
        continue;
      }
      // Batches a cut was still writing to disk join this flush as they land.
      if (next === "landed") {
        admitQueued();
        continue;
      }
      attempts.delete(next.batch);
      if (finalized) break;
      const outcome = await apply(next.batch, next.verdict);
      for (const batch of outcome.next) {
        started.delete(batch);
        eligible.add(batch);
      }
      if (outcome.stop) {
        stopped = true;
        failed += next.batch.count;
        retryAfterMs = Math.max(retryAfterMs ?? 0, outcome.retryAfterMs ?? 0) || undefined;
      }
    }
    await cutting;
    if (stopped && !finalized) {
      onFailed(retryAfterMs);
      await parts.memory.spill();
    }
    return { sent: ledger.sent - sentBefore, failed, pending: parts.pending() };
  }

  return {
    deliver,
    isInFlight: (batch) => inFlight.has(batch),
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
