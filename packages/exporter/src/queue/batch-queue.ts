import type { Batch } from "../batches/batch.js";
import type { EventBuffer } from "../batches/event-buffer.js";
import type { Ledger } from "../batches/ledger.js";
import type { DropDetails, DropReason } from "../observe/observer.js";
import type { SpoolKeeper } from "../spool/spool-keeper.js";

/** How a batch leaves the exporter: delivered, or dropped for a reason. */
export type Settlement =
  | { readonly kind: "delivered" }
  | { readonly kind: "dropped"; readonly reason: DropReason; readonly details?: DropDetails };

/**
 * The one owner of the batches waiting, wherever they are (in memory, on disk, or both): a batch
 * leaves only through `settle`, which alone removes it from memory, deletes its files and counts it
 * in the ledger, so that `added = sent + dropped + pending` cannot drift.
 */
export interface BatchQueue {
  /** Settles a batch; false when it was settled already (a late answer, a batch evicted meanwhile). */
  settle(batch: Batch, settlement: Settlement): boolean;
  /**
   * Puts the halves of a split batch in its place; the halves are on disk before its file goes, so a
   * crash in between loses nothing. False when the batch no longer waits.
   */
  replace(batch: Batch, halves: readonly Batch[]): Promise<boolean>;
}

export function createBatchQueue(parts: {
  buffer: EventBuffer;
  keeper: SpoolKeeper | undefined;
  ledger: Pick<Ledger, "delivered" | "drop">;
}): BatchQueue {
  const { buffer, keeper, ledger } = parts;
  return {
    settle(batch, settlement) {
      if (!buffer.removeBatch(batch)) return false;
      void keeper?.forget(batch);
      if (settlement.kind === "delivered") ledger.delivered(batch);
      else ledger.drop(batch.count, settlement.reason, settlement.details ?? { batchId: batch.id });
      return true;
    },
    async replace(batch, halves) {
      if (!buffer.replaceBatch(batch, halves)) return false;
      await keeper?.persist();
      void keeper?.forget(batch);
      return true;
    },
  };
}
