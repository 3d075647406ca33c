import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { Agent, Dispatcher } from "undici";
import { beforeEach, describe, expect, it } from "vitest";
import { featureEvent, userKeys } from "../helpers/events.js";
import { deliveredOnce, expectLedger, recordDrops } from "../helpers/ledger.js";
import { useExporterHarness } from "../helpers/harness.js";
import type { Receiver } from "@org/test-fixtures/receiver";
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

const harness = useExporterHarness(() => ({ timeout: 100 }));
const { exporterFor } = harness;
let receiver: Receiver;
let spoolDir: string;
beforeEach(() => {
  ({ receiver, spoolDir } = harness);
});

describe("a transport that never settles", () => {
  it("ends each swallowed attempt as a timeout, and delivers once requests go through again", async () => {
    const exporter = exporterFor({ dispatcher: new SwallowingDispatcher(4) });
    for (let index = 0; index < 10; index++) exporter.add(featureEvent(index));
    const first = await exporter.flush();
    expect(first).toMatchObject({ sent: 0, failed: 10 });
    expect(exporter.stats().lastError?.reason).toBe("timeout");
    await waitUntil(() => exporter.stats().pending === 0, 10_000);
    expect(deliveredOnce(receiver)).toEqual(userKeys(0, 10));
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
    expectLedger({ added: userKeys(0, 10), receiver, drops, exporter });
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
    expect(deliveredOnce(receiver)).toEqual(userKeys(0, 10));
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
