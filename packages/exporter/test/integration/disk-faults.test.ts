import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createWebhookExporter,
  type WebhookExporter,
  type WebhookExporterError,
  type WebhookExporterOptions,
} from "../../src/index.js";
import { featureEvent, userKeys } from "../helpers/events.js";
import { expectLedger, recordDrops } from "../helpers/ledger.js";
import { startReceiver, type Receiver } from "@org/test-fixtures/receiver";
import { canMountTmpfs, mountTmpfs, type TinyFs } from "../helpers/tiny-fs.js";
import { waitUntil } from "../helpers/wait.js";

const mountable = canMountTmpfs();
if (!mountable) {
  if (process.env.CI !== undefined)
    throw new Error("CI runs as root on Linux: the disk-fault tests must be able to mount a tmpfs");
  console.warn("disk-fault tests skipped: mounting a tmpfs needs root on Linux");
}

let receiver: Receiver;
let disk: TinyFs;
let spoolDir: string;
const exporters: WebhookExporter[] = [];

beforeEach(async () => {
  if (!mountable) return;
  receiver = await startReceiver();
  disk = mountTmpfs("1m");
  spoolDir = join(disk.path, "spool");
});
afterEach(async () => {
  if (!mountable) return;
  await Promise.all(exporters.splice(0).map((exporter) => exporter.close()));
  await receiver.close();
  disk.unmount();
});

function exporterFor(options: Partial<WebhookExporterOptions> = {}): WebhookExporter {
  const exporter = createWebhookExporter({
    endpointUrl: receiver.url,
    secret: "disk-faults",
    flushInterval: 100,
    retryBaseDelayMs: 10,
    maxEventInMemory: 100,
    maxBufferedEvents: 500,
    spool: { dir: spoolDir },
    ...options,
  });
  exporters.push(exporter);
  return exporter;
}

/** Adds events `from`..`to` in ticks of 100, letting the loop run between ticks as a service would. */
async function addInTicks(exporter: WebhookExporter, from: number, to: number): Promise<void> {
  for (let index = from; index < to; index++) {
    exporter.add(featureEvent(index));
    if (index % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The endpoint and the disk fail together; a flood passes the memory bound, so the exporter tries to
 * spill; then both come back. Nothing may crash, `flush()` must resolve, the errors must be reported,
 * and delivery must resume by itself (the timer re-armed).
 */
async function outageWithDiskFault(breakDisk: () => void, repairDisk: () => void): Promise<void> {
  const errors: WebhookExporterError[] = [];
  const { drops, onDrop } = recordDrops();
  const exporter = exporterFor({ onError: (error) => errors.push(error), onDrop });
  await receiver.stop();
  breakDisk();
  await addInTicks(exporter, 0, 300);
  await expect(exporter.flush()).resolves.toMatchObject({ sent: 0 });
  await addInTicks(exporter, 300, 2000);
  await exporter.flush();
  expect(errors.some((error) => error.code === "ERR_WEBHOOK_SPOOL")).toBe(true);
  expect(exporter.stats().inMemory).toBeLessThanOrEqual(1000);

  repairDisk();
  await receiver.restart();
  await waitUntil(() => exporter.stats().pending === 0);
  expectLedger({ added: userKeys(0, 2000), receiver, drops, exporter });
  expect(drops.every((drop) => drop.reason === "buffer-full")).toBe(true);
  expect(exporter.stats().sent).toBeGreaterThan(0);
}

describe.skipIf(!mountable)("the exporter on a faulty disk (a real tmpfs)", () => {
  it("reports a full disk (ENOSPC), keeps what memory allows, and delivers once the endpoint is back", async () => {
    mkdirSync(spoolDir);
    await outageWithDiskFault(
      () => {
        disk.fill();
      },
      () => {
        disk.free();
      },
    );
  }, 20_000);

  it("reports a read-only disk (EROFS) and delivers once the endpoint is back", async () => {
    mkdirSync(spoolDir);
    await outageWithDiskFault(
      () => {
        disk.readOnly();
      },
      () => {
        disk.writable();
      },
    );
  }, 20_000);

  it("reports a spool directory deleted under it and delivers once the endpoint is back", async () => {
    mkdirSync(spoolDir);
    await outageWithDiskFault(
      () => {
        rmSync(spoolDir, { recursive: true, force: true });
      },
      () => undefined,
    );
  }, 20_000);

  it("fails to start on a full disk without leaving a lock behind, and starts once there is room", () => {
    mkdirSync(spoolDir);
    disk.fill();
    expect(() => exporterFor()).toThrow(
      expect.objectContaining({
        code: "ERR_WEBHOOK_SPOOL",
        message: expect.stringContaining("disk full") as string,
      }) as Error,
    );
    expect(readdirSync(spoolDir)).toEqual([]);
    disk.free();
    const exporter = exporterFor();
    exporter.add(featureEvent(1));
    expect(existsSync(join(spoolDir, "exporter.lock"))).toBe(true);
    expect(statSync(join(spoolDir, "exporter.lock")).size).toBeGreaterThan(0);
  });

  it("leaves no partial file behind when a write runs out of space", async () => {
    const errors: WebhookExporterError[] = [];
    const exporter = exporterFor({
      onError: (error) => errors.push(error),
      maxEventInMemory: 2_000,
      maxBufferedEvents: 10_000,
    });
    await receiver.stop();
    // About 1.6 MB of events in batches of 2,000: three fit in 1 MiB, and a later write fails part way.
    await addInTicks(exporter, 0, 10_000);
    await exporter.flush();
    expect(errors.some((error) => error.code === "ERR_WEBHOOK_SPOOL")).toBe(true);
    expect(readdirSync(spoolDir).filter((file) => file.endsWith(".tmp"))).toEqual([]);
    expect(exporter.stats()).toMatchObject({ pending: 10_000, dropped: 0 });
    // What is on disk is whole: a restart reads every file it finds, none torn.
    await exporter.close();
    await receiver.restart();
    const reader = exporterFor({ onError: (error) => errors.push(error) });
    await waitUntil(() => reader.stats().pending === 0 && reader.stats().restored > 0);
    expect(readdirSync(spoolDir).filter((file) => file.endsWith(".torn"))).toEqual([]);
  });
});
