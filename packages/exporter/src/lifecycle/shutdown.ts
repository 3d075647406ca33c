import type { BatchCutter } from "../batches/batch-cutter.js";
import type { BatchQueue } from "../queue/batch-queue.js";
import type { DeliveryLoop } from "../delivery/delivery-loop.js";
import type { EventBuffer } from "../batches/event-buffer.js";
import type { FlushResult } from "../exporter-api.js";
import type { FlushDriver } from "../delivery/flush-driver.js";
import type { Ledger } from "../batches/ledger.js";
import type { MemoryBound } from "../queue/memory-bound.js";
import type { SpoolKeeper } from "../spool/spool-keeper.js";
import { settleWithin, type Transport } from "../wire/transport.js";

/** After `closeTimeout`, how long `close()` waits for the attempt it aborted before it goes on without it. */
const ABORTED_ATTEMPT_GRACE_MS = 100;

/**
 * The close sequence, bounded by `closeTimeout` whatever the endpoint or the transport does: the final
 * flush gets that long, then its attempt is aborted and, if it still does not settle, left behind.
 * Every event ends delivered, on disk, or reported as `unsent-at-close`.
 */
export async function shutDown(parts: {
  driver: FlushDriver;
  loop: DeliveryLoop;
  cutter: BatchCutter;
  buffer: EventBuffer;
  memory: MemoryBound;
  keeper: SpoolKeeper | undefined;
  ledger: Ledger;
  queue: BatchQueue;
  transport: Transport;
  closing: AbortController;
  closeTimeoutMs: number;
  pending: () => number;
}): Promise<FlushResult> {
  const { driver, ledger, buffer, keeper } = parts;
  driver.scheduler.stop();
  const sentBefore = ledger.sent;
  const final = driver.run();
  let result = await settleWithin<FlushResult | undefined>(final, parts.closeTimeoutMs, () => undefined);
  parts.closing.abort();
  result ??= await settleWithin<FlushResult | undefined>(final, ABORTED_ATTEMPT_GRACE_MS, () => undefined);
  // A flush's cut stops within one slice once aborted, its events back in the buffer: spooled or counted below.
  await parts.cutter.idle();
  if (keeper !== undefined) {
    await parts.memory.spill();
    // What is on disk is no longer in memory: stats().inMemory says so.
    keeper.offload(0, true);
    keeper.release();
  }
  parts.loop.finalize();
  // What is neither delivered nor on disk is lost with the process: say so.
  ledger.drop(buffer.takeOpen().length, "unsent-at-close");
  for (const batch of [...buffer.batches()])
    if (batch.spoolFile === undefined) parts.queue.settle(batch, { kind: "dropped", reason: "unsent-at-close" });
  await parts.transport.close();
  return { sent: result?.sent ?? ledger.sent - sentBefore, failed: result?.failed ?? 0, pending: parts.pending() };
}
