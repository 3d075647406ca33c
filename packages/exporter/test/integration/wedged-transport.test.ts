import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, Dispatcher } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWebhookExporter, type WebhookExporter, type WebhookExporterOptions } from "../../src/index.js";
import { featureEvent } from "../helpers/events.js";
import { deliveredOnce, expectLedger, recordDrops } from "../helpers/ledger.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";
import { waitUntil } from "../helpers/wait.js";

/**
 * Swallows the first `blackHoles` requests (never answers, connects or fails them, even when aborted, as
 * a wedged pool does), then passes requests to a real pool.
 */
class SwallowingDispatcher extends Dispatcher {
  readonly #real = new Agent();
  #swallowed = 0;
  constructor(readonly blackHoles: number) {
    super();
  }
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.#swallowed < this.blackHoles) {
      this.#swallowed += 1;
      return true;
    }
    return this.#real.dispatch(options, handler);
  }
  override close(): Promise<void> {
    return this.#real.close();
  }
}

let receiver: Receiver;
let spoolDir: string;
const exporters: WebhookExporter[] = [];

beforeEach(async () => {
  receiver = await startReceiver();
  spoolDir = mkdtempSync(join(tmpdir(), "spool-"));
});
afterEach(async () => {
  await Promise.all(exporters.splice(0).map((exporter) => exporter.close()));
  await receiver.close();
  rmSync(spoolDir, { recursive: true, force: true });
});

function exporterFor(options: Partial<WebhookExporterOptions> = {}): WebhookExporter {
  const exporter = createWebhookExporter({
    endpointUrl: receiver.url,
    flushInterval: 3_600_000,
    retryBaseDelayMs: 10,
    timeout: 100,
    ...options,
  });
  exporters.push(exporter);
  return exporter;
}

const keys = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => `user-${from + index}`);

describe("a transport that never settles", () => {
  it("ends each swallowed attempt as a timeout, and delivers once requests go through again", async () => {
    const exporter = exporterFor({ dispatcher: new SwallowingDispatcher(4) });
    for (let index = 0; index < 10; index++) exporter.add(featureEvent(index));
    const first = await exporter.flush();
    expect(first).toMatchObject({ sent: 0, failed: 10 });
    expect(exporter.stats().lastError?.reason).toBe("timeout");
    await waitUntil(() => exporter.stats().pending === 0, 10_000);
    expect(deliveredOnce(receiver)).toEqual(keys(0, 10));
    // Four swallowed attempts; on a loaded machine a real one may time out too (timeout is 100 ms here).
    expect(exporter.stats().failedAttempts).toBeGreaterThanOrEqual(4);
  }, 15_000);

  it("does not hold close() past closeTimeout, and reports what it could not send", async () => {
    const { drops, onDrop } = recordDrops();
    const exporter = exporterFor({
      dispatcher: new SwallowingDispatcher(Infinity),
      timeout: 60_000,
      closeTimeout: 200,
      onDrop,
    });
    for (let index = 0; index < 10; index++) exporter.add(featureEvent(index));
    void exporter.flush();
    const started = performance.now();
    await exporter.close();
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(drops).toMatchObject([{ count: 10, reason: "unsent-at-close" }]);
    expectLedger({ added: keys(0, 10), receiver, drops, exporter });
  });

  it("spools what it could not send at close, and a restart sends it", async () => {
    const exporter = exporterFor({
      dispatcher: new SwallowingDispatcher(Infinity),
      timeout: 60_000,
      closeTimeout: 200,
      spool: { dir: spoolDir },
    });
    for (let index = 0; index < 10; index++) exporter.add(featureEvent(index));
    void exporter.flush();
    await exporter.close();
    expect(readdirSync(spoolDir).filter((file) => file.endsWith(".batch"))).toHaveLength(1);
    const restarted = exporterFor({ spool: { dir: spoolDir } });
    await waitUntil(() => restarted.stats().sent === 10);
    expect(deliveredOnce(receiver)).toEqual(keys(0, 10));
  });

  it("lets SIGTERM end the process with handleSignals", async () => {
    const child = spawn(
      process.execPath,
      [new URL("../fixtures/spool-child.mjs", import.meta.url).pathname, receiver.url, spoolDir, "wedged", "0", "10"],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => {
      child.once("exit", (code, signal) => {
        resolve(signal ?? code);
      });
    });
    await new Promise<void>((resolve) =>
      child.stdout.once("data", () => {
        resolve();
      }),
    );
    child.kill("SIGTERM");
    const outcome = await Promise.race([
      exited,
      new Promise<string>((resolve) =>
        setTimeout(() => {
          resolve("still running 5 s after SIGTERM");
        }, 5_000),
      ),
    ]);
    child.kill("SIGKILL");
    expect(outcome).toBe("SIGTERM");
    // The batch on the (wedged) wire was spooled at close, so a restart would send it.
    expect(readdirSync(spoolDir).filter((file) => file.endsWith(".batch"))).toHaveLength(1);
  }, 15_000);
});
