import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { createBatchSender } from "../delivery/batch-sender.js";
import type { Batch } from "../batches/batch.js";
import type { WebhookExporterError } from "../errors.js";
import { createObserver } from "../observe/observer.js";
import { resolveOptions } from "../config/options.js";
import { describeSpoolFile, openSpool, type Spool, type SpooledBatch } from "../spool/spool.js";
import { createTransport } from "../wire/transport.js";

/** What an attempt's error says of the endpoint, without the exporter's own "kept and retried". */
function whyRefused(error: WebhookExporterError | undefined): string {
  if (error === undefined) return "the endpoint refused it";
  if (error.status !== undefined) return `POST answered HTTP ${error.status}`;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `POST failed (${error.reason ?? "network"}${cause})`;
}

/** Where a command writes: results to `out`, progress and warnings to `err` (never a secret). */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether `err` is a terminal (a progress bar redraws in place). */
  interactive: boolean;
  now: () => number;
}

/** One spooled batch as `list` shows it. */
export interface SpoolEntry {
  id: string;
  events: number;
  bytes: number;
  ageSeconds: number;
  /** The file's length and checksum match its header; a torn file is set aside and never sent. */
  checksumOk: boolean;
  file: string;
}

/** A command that could not do what was asked: the message says why (exit 1). */
export class CommandFailure extends Error {}

/** The spool could not be taken: a running exporter holds its lock, or the lock cannot be written (exit 3). */
export class SpoolUnavailable extends CommandFailure {}

/**
 * Opens the spool as the exporter does, taking its lock, so a command never races the exporter over
 * the same files. Unlike the exporter, never creates the directory: a mistyped path is an error.
 */
async function withSpool<T>(dir: string, work: (spool: Spool, batches: SpooledBatch[]) => Promise<T>): Promise<T> {
  const isDirectory = await stat(dir).then(
    (found) => found.isDirectory(),
    () => false,
  );
  if (!isDirectory) throw new CommandFailure(`no spool directory at ${dir}`);
  let spool: Spool;
  try {
    spool = openSpool(dir, Number.MAX_SAFE_INTEGER, { onTakeover: () => undefined, onError: () => undefined });
  } catch (error) {
    throw new SpoolUnavailable((error as Error).message);
  }
  try {
    return await work(spool, (await spool.load()).batches);
  } finally {
    spool.release();
  }
}

export async function listSpool(dir: string, now: number): Promise<SpoolEntry[]> {
  return withSpool(dir, async (_spool, batches) => {
    const entry = async (file: string, id: string, events: number, checksumOk: boolean): Promise<SpoolEntry> => ({
      id,
      events,
      bytes: (await stat(join(dir, file))).size,
      ageSeconds: Math.round((now - (describeSpoolFile(file)?.writtenAt ?? now)) / 1000),
      checksumOk,
      file,
    });
    const entries: SpoolEntry[] = [];
    for (const batch of batches) entries.push(await entry(batch.file, batch.id, batch.count, true));
    // Torn files, set aside now or by an earlier run: listed, never sent.
    for (const file of (await readdir(dir)).sort()) {
      const described = describeSpoolFile(file);
      if (described?.torn === true) entries.push(await entry(file, described.id, 0, false));
    }
    return entries;
  });
}

function findBatch(batches: SpooledBatch[], idOrFile: string): SpooledBatch {
  const batch = batches.find((candidate) => candidate.id === idOrFile || candidate.file === idOrFile);
  if (batch === undefined) throw new CommandFailure(`no spooled batch ${idOrFile} (see the list command)`);
  return batch;
}

/** The batch's exact body. */
export async function readSpooledBatch(dir: string, idOrFile: string): Promise<Buffer> {
  return withSpool(dir, async (spool, batches) => {
    const body = await spool.read(findBatch(batches, idOrFile).file);
    if (body === undefined) throw new CommandFailure(`batch ${idOrFile} is torn or gone: it was set aside`);
    return body;
  });
}

export async function dropSpooledBatch(dir: string, idOrFile: string): Promise<SpooledBatch> {
  return withSpool(dir, async (spool, batches) => {
    const batch = findBatch(batches, idOrFile);
    await spool.remove(batch.file);
    return batch;
  });
}

export interface ResendOptions {
  url: string;
  secret: string | undefined;
  timeoutMs: number;
}

/**
 * Sends the spooled batches oldest first, each under its own `webhook-id` and signed as the exporter
 * signs, removing each once delivered. Stops at the first failure and throws `CommandFailure` with
 * the reason; what was delivered before it is gone from the spool, the rest stays.
 */
export async function resendSpool(
  dir: string,
  options: ResendOptions,
  io: CommandIo,
): Promise<{ batches: number; events: number }> {
  const resolved = resolveOptions({ endpointUrl: options.url, secret: options.secret, timeout: options.timeoutMs });
  return withSpool(dir, async (spool, batches) => {
    const transport = createTransport(resolved.endpointUrl, {
      dispatcher: undefined,
      maxConcurrentRequests: 1,
      timeoutMs: resolved.timeoutMs,
    });
    const sender = createBatchSender(resolved, transport, createObserver({}), new AbortController().signal);
    const total = batches.reduce((sum, batch) => sum + batch.count, 0);
    const started = io.now();
    let sentEvents = 0;
    let sentBatches = 0;
    const progress = () => {
      const seconds = Math.max((io.now() - started) / 1000, 0.001);
      const width = 24;
      const filled = total === 0 ? width : Math.round((width * sentEvents) / total);
      const line = `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${sentBatches}/${batches.length} batches, ${sentEvents}/${total} events, ${Math.round(sentEvents / seconds)} events/s`;
      io.err(io.interactive ? `\r${line}` : `${line}\n`);
    };
    try {
      for (const spooled of batches) {
        const body = await spool.read(spooled.file);
        if (body === undefined)
          throw new CommandFailure(`batch ${spooled.id} is torn: set aside, not sent; run again to send the rest`);
        const batch: Batch = { id: spooled.id, body, count: spooled.count, attempts: 0 };
        const verdict = await sender.attempt(batch as Batch & { body: Buffer });
        if (verdict.kind !== "delivered") {
          throw new CommandFailure(
            `stopped at batch ${spooled.id} (${sentBatches} of ${batches.length} sent): ${whyRefused(sender.lastError)}; it and the batches after it are left in the spool`,
          );
        }
        await spool.remove(spooled.file);
        sentBatches += 1;
        sentEvents += spooled.count;
        progress();
      }
    } finally {
      if (io.interactive && sentBatches > 0) io.err("\n");
      await transport.close();
    }
    return { batches: sentBatches, events: sentEvents };
  });
}
