import type { Batch } from "../batches/batch.js";
import { spoolError } from "../errors.js";
import type { EventBuffer } from "../batches/event-buffer.js";
import type { Ledger } from "../batches/ledger.js";
import type { Observer } from "../observe/observer.js";
import { openSpool, type Spool } from "./spool.js";

/**
 * Keeps the buffer's batches on disk: written when delivery fails, read back when their turn comes.
 * No method rejects: a filesystem error is reported (`ERR_WEBHOOK_SPOOL`), and the batch it concerned
 * stays in memory, where the memory bound takes care of it.
 */
export interface SpoolKeeper {
  /** Events whose batch waits on disk only, not in memory. */
  readonly diskOnlyEvents: number;
  /** Puts the batches an earlier run left in front of the queue (on disk only until sent). */
  restore(): Promise<void>;
  /** Writes every batch not yet on disk, oldest first; stops at the first write that fails. */
  persist(): Promise<void>;
  /**
   * Puts a batch just sealed (not yet queued) on disk: its open file, with `last` (the events it does
   * not hold yet) appended, becomes its batch file; without one, or if that fails, the batch is written
   * whole. False when it could not be written at all (reported).
   */
  seal(batch: Batch & { body: Buffer }, last: { events: Buffer; count: number }): Promise<boolean>;
  /** The spool itself, for the group commits of the batch being filled. */
  readonly spool: Spool;
  /** `spool.dir`, for messages. */
  readonly dir: string;
  /**
   * Frees the memory of spooled batches (all but the next to send) until at most `limit` events stay
   * in memory; with `everything`, the next to send too (at close: nothing will be sent from memory).
   */
  offload(limit: number, everything?: boolean): void;
  /** Reads a disk-only batch's body back; false when its file was torn (the batch is then dropped and reported). */
  ensureBody(batch: Batch): Promise<boolean>;
  /** Deletes a delivered (or dropped) batch's file. */
  forget(batch: Batch): Promise<void>;
  /** Keeps a refused batch in the dead-letter folder; returns its path, or `undefined` when it could not be written. */
  deadLetter(batch: Batch & { body: Buffer }): Promise<string | undefined>;
  release(): void;
}

export function createSpoolKeeper(
  settings: { dir: string; maxBytes: number },
  buffer: EventBuffer,
  observer: Observer,
  ledger: Pick<Ledger, "foundInSpool">,
  /** Whether a batch is on the wire: never evicted, or its delivery would settle another batch. */
  isInFlight: (batch: Batch) => boolean,
  /** A batch whose file went to keep the spool under `maxBytes` (the queue settles it as `spool-full`). */
  evicted: (batch: Batch) => void,
): SpoolKeeper {
  const spool: Spool = openSpool(settings.dir, settings.maxBytes, {
    onTakeover: (reason) => {
      observer.note("warn", `took over a stale spool lock: ${reason}`, { dir: settings.dir });
    },
    onError: (error) => {
      observer.failed(error);
    },
  });
  const diskOnly = new Set<Batch>();
  let diskOnlyEvents = 0;
  // One report per run of failing writes, not one per batch.
  let writesFailing = false;

  function markDiskOnly(batch: Batch): void {
    batch.body = undefined;
    diskOnly.add(batch);
    diskOnlyEvents += batch.count;
  }

  function unmark(batch: Batch): void {
    if (diskOnly.delete(batch)) diskOnlyEvents -= batch.count;
  }

  const isBusy = (file: string) => buffer.batches().some((batch) => batch.spoolFile === file && isInFlight(batch));

  /** Writes one batch; false when the write failed (reported once per run of failures). */
  async function writeBatch(
    batch: Batch & { body: Buffer },
    last?: { events: Buffer; count: number },
  ): Promise<boolean> {
    let written: Awaited<ReturnType<Spool["write"]>>;
    try {
      written =
        last !== undefined && spool.hasOpen(batch.id)
          ? await spool
              .sealOpen(batch.id, { ...last, total: batch.count }, isBusy)
              .catch(() => spool.write({ id: batch.id, body: batch.body, count: batch.count }, isBusy))
          : await spool.write({ id: batch.id, body: batch.body, count: batch.count }, isBusy);
    } catch (error) {
      if (!writesFailing)
        observer.failed(
          spoolError(
            `cannot write to spool.dir ${settings.dir}: batches stay in memory, within maxBufferedEvents`,
            error,
          ),
        );
      writesFailing = true;
      return false;
    }
    writesFailing = false;
    batch.spoolFile = written.file;
    for (const old of written.evicted) {
      const victim = buffer.batches().find((candidate) => candidate.spoolFile === old.file);
      if (victim !== undefined) evicted(victim);
    }
    return true;
  }

  async function persistPending(): Promise<void> {
    for (const batch of [...buffer.batches()]) {
      if (batch.spoolFile !== undefined || batch.body === undefined) continue;
      if (!(await writeBatch(batch as Batch & { body: Buffer }))) return;
    }
  }

  let persisting: Promise<void> = Promise.resolve();
  return {
    get diskOnlyEvents() {
      return diskOnlyEvents;
    },
    async restore() {
      let loaded: Awaited<ReturnType<Spool["load"]>>;
      try {
        loaded = await spool.load();
      } catch (error) {
        observer.failed(
          spoolError(`cannot read spool.dir ${settings.dir}: batches spooled by an earlier run are not sent`, error),
        );
        return;
      }
      const { batches, torn, skipped } = loaded;
      if (torn.length > 0)
        observer.note("warn", `${torn.length} torn spool file(s) set aside as *.torn`, {
          dir: settings.dir,
          files: torn,
        });
      if (skipped.length > 0) {
        observer.failed(
          spoolError(
            `skipped ${skipped.length} entries of spool.dir ${settings.dir} that are not readable spool files: ${skipped.slice(0, 5).join(", ")}`,
            undefined,
          ),
        );
      }
      const restored = batches.map((spooled): Batch => ({
        id: spooled.id,
        body: undefined,
        count: spooled.count,
        attempts: 0,
        spoolFile: spooled.file,
      }));
      restored.forEach(markDiskOnly);
      buffer.addBatches(restored, "front");
      ledger.foundInSpool(restored.reduce((sum, batch) => sum + batch.count, 0));
      if (restored.length > 0)
        observer.note("info", `restored ${restored.length} spooled batch(es)`, { dir: settings.dir });
    },
    persist() {
      // One write pass at a time, or two passes could write the same batch twice.
      persisting = persisting.then(persistPending);
      return persisting;
    },
    seal(batch, last) {
      const written = persisting.then(() => writeBatch(batch, last));
      persisting = written.then(() => undefined);
      return written;
    },
    spool,
    dir: settings.dir,
    offload(limit, everything = false) {
      const batches = buffer.batches();
      for (
        let index = everything ? 0 : 1;
        index < batches.length && buffer.pendingCount - diskOnlyEvents > limit;
        index++
      ) {
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
      // Sealed while the disk refused the whole batch: its open file still holds its events.
      else await spool.removeOpen(batch.id);
    },
    async deadLetter(batch) {
      try {
        return await spool.deadLetter(batch);
      } catch (error) {
        observer.failed(spoolError(`cannot keep refused batch ${batch.id} in ${settings.dir}/dead-letter`, error));
        return undefined;
      }
    },
    release() {
      spool.release();
    },
  };
}
