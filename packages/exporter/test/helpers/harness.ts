import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { createWebhookExporter, type WebhookExporter, type WebhookExporterOptions } from "../../src/index.js";
import { startReceiver, type Receiver } from "@org/test-fixtures/receiver";

export interface ExporterHarness {
  /** A real endpoint on 127.0.0.1, new for each test. */
  readonly receiver: Receiver;
  /** An empty directory for a spool, new for each test. */
  readonly spoolDir: string;
  /** An exporter to `receiver` with the file's defaults; closed after the test. */
  exporterFor: (options?: Partial<WebhookExporterOptions>) => WebhookExporter;
}

/**
 * Per test of the calling file: a receiver, a spool directory, and the exporters it made, all closed
 * or removed after the test. `defaults` may use the harness (`spool: { dir: harness.spoolDir }`).
 */
export function useExporterHarness(
  defaults: (harness: ExporterHarness) => Partial<WebhookExporterOptions> = () => ({}),
): ExporterHarness {
  let receiver: Receiver | undefined;
  let spoolDir: string | undefined;
  const exporters: WebhookExporter[] = [];
  const harness: ExporterHarness = {
    get receiver() {
      if (receiver === undefined) throw new Error("the harness runs inside a test");
      return receiver;
    },
    get spoolDir() {
      if (spoolDir === undefined) throw new Error("the harness runs inside a test");
      return spoolDir;
    },
    exporterFor: (options = {}) => {
      const exporter = createWebhookExporter({
        endpointUrl: harness.receiver.url,
        // Signed, as users send: a test of unsigned sending says so.
        secret: "harness-secret",
        flushInterval: 3_600_000,
        retryBaseDelayMs: 10,
        ...defaults(harness),
        ...options,
      });
      exporters.push(exporter);
      return exporter;
    },
  };
  beforeEach(async () => {
    receiver = await startReceiver();
    spoolDir = mkdtempSync(join(tmpdir(), "spool-"));
  });
  afterEach(async () => {
    await Promise.all(exporters.splice(0).map((exporter) => exporter.close()));
    await receiver?.close();
    if (spoolDir !== undefined) rmSync(spoolDir, { recursive: true, force: true });
  });
  return harness;
}
