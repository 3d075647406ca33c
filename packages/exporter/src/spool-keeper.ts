import type { Batch } from "./batch.js";
import type { EventBuffer } from "./event-buffer.js";
import type { DropReason, Observer } from "./observer.js";
import { openSpool, type Spool } from "./spool.js";

/** Keeps the buffer's batches on disk: written when delivery fails, read back when their turn comes. */
export interface SpoolKeeper {
  /** Events whose batch waits on disk only, not in memory. */
  readonly diskOnlyEvents: number;
  /** Puts the batches an earlier run left in front of the queue (on disk only until sent). */
  restore(): Promise<void>;
  /** Writes every batch not yet on disk. */
  persist(): Promise<void>;
  /** Frees the memory of spooled batches (all but the next to send) until at most `limit` events stay in memory. */
  offload(limit: number): void;
  /** Reads a disk-only batch's body back; false when its file was torn (the batch is then dropped and reported). */
  ensureBody(batch: Batch): Promise<boolean>;
  /** Deletes a delivered (or dropped) batch's file. */
  forget(batch: Batch): Promise<void>;
  release(): void;
}

export function createSpoolKeeper(
  settings: { dir: string; maxBytes: number },
  buffer: EventBuffer,
  observer: Observer,
  drop: (count: number, reason: DropReason) => void,
): SpoolKeeper {
  const spool: Spool = openSpool(settings.dir, settings.maxBytes);
  const diskOnly = new Set<Batch>();
  let diskOnlyEvents = 0;

  function markDiskOnly(batch: Batch): void {
    batch.body = undefined;
    diskOnly.add(batch);
    diskOnlyEvents += batch.count;
  }

  function unmark(batch: Batch): void {
    if (diskOnly.delete(batch)) diskOnlyEvents -= batch.count;
  }

  let persisting: Promise<void> = Promise.resolve();
  async function persistPending(): Promise<void> {
    for (const batch of [...buffer.batches()]) {
      if (batch.spoolFile !== undefined || batch.body === undefined) continue;
      const { file, evicted } = await spool.write({ id: batch.id, body: batch.body, count: batch.count });
      batch.spoolFile = file;
      for (const old of evicted) {
        const victim = buffer.batches().find((candidate) => candidate.spoolFile === old.file);
        if (victim === undefined) continue;
        buffer.removeBatch(victim);
        unmark(victim);
        drop(old.count, "spool-full");
      }
    }
  }

  return {
    get diskOnlyEvents() {
      return diskOnlyEvents;
    },
    async restore() {
      const { batches, torn } = await spool.load();
      if (torn > 0) observer.note("warn", `${torn} torn spool file(s) set aside as *.torn`, { dir: settings.dir });
      const restored = batches.map((spooled): Batch => ({ id: spooled.id, body: undefined, count: spooled.count, attempts: 0, spoolFile: spooled.file }));
      restored.forEach(markDiskOnly);
      buffer.addBatches(restored, "front");
      if (restored.length > 0) observer.note("info", `restored ${restored.length} spooled batch(es)`, { dir: settings.dir });
    },
    persist() {
      // One write pass at a time, or two passes could write the same batch twice.
      persisting = persisting.then(persistPending, persistPending);
      return persisting;
    },
    offload(limit) {
      const batches = buffer.batches();
      for (let index = 1; index < batches.length && buffer.pendingCount - diskOnlyEvents > limit; index++) {
        const batch = batches[index];
        if (batch?.spoolFile !== undefined && batch.body !== undefined) markDiskOnly(batch);
      }
    },
    async ensureBody(batch) {
      if (batch.body !== undefined) return true;
      const body = batch.spoolFile === undefined ? undefined : await spool.read(batch.spoolFile);
      unmark(batch);
      if (body === undefined) return false;
      batch.body = body;
      return true;
    },
    async forget(batch) {
      unmark(batch);
      if (batch.spoolFile !== undefined) await spool.remove(batch.spoolFile);
    },
    release() {
      spool.release();
    },
  };
}
