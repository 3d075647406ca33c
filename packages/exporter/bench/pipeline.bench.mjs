// exporter.add, exporter.heap-per-event, exporter.end-to-end, exporter.loop-stall.
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { medianMs, paired, record, ROUNDS, sampleFeatureEvent, scaled } from "../../../scripts/bench-kit.mjs";
import { createWebhookExporter } from "../dist/index.js";
import { endToEnd, startVerifyingReceiver } from "./end-to-end.mjs";

const gc = globalThis.gc ?? (() => undefined);
const quiet = {
  secret: "bench",
  flushInterval: 3_600_000,
  maxEventInMemory: 100_000_000,
  maxBufferedEvents: Infinity,
  validateEvents: false,
};

// exporter.add: 1,000,000 add() calls against pushing the same objects into an array. Timed by hand,
// so that each exporter's close() (which serializes what it holds) runs outside the timed region.
{
  const events = Array.from({ length: scaled(1_000_000) }, (_, index) => sampleFeatureEvent(index));
  const rounds = { array: [], exporter: [] };
  for (let round = 0; round < scaled(7, 1); round++) {
    // Each timed loop starts from a collected heap, so that neither pays for the other's garbage.
    gc();
    let started = performance.now();
    const sink = [];
    for (const event of events) sink.push(event);
    rounds.array.push(performance.now() - started);
    const exporter = createWebhookExporter({ endpointUrl: "http://127.0.0.1:9/unused", ...quiet, closeTimeout: 1 });
    gc();
    started = performance.now();
    for (const event of events) exporter.add(event);
    rounds.exporter.push(performance.now() - started);
    await exporter.close();
  }
  const ns = (name) => rounds[name].map((ms) => (ms * 1e6) / events.length);
  record({ name: "exporter.add", unit: "ns/event", ...paired(ns("exporter"), ns("array")), goal: { max: 2 } });
}

// exporter.heap-per-event: what holding 100,000 events costs in the exporter, against an array of them.
{
  /**
   * The heap once collected and no longer shrinking. A closed exporter lets the last of its events go
   * some milliseconds after close() resolves (its aborted cut and its last attempt end then): measured
   * right away, the array after it read negative in one round of five.
   */
  const settledHeap = async () => {
    let heap = Infinity;
    for (let tries = 0; tries < 20; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      gc();
      const now = process.memoryUsage().heapUsed;
      if (tries >= 2 && now > heap * 0.99) return now;
      heap = now;
    }
    return heap;
  };
  const heapOf = async (hold) => {
    const before = await settledHeap();
    const kept = hold(Array.from({ length: scaled(100_000) }, (_, index) => sampleFeatureEvent(index)));
    gc();
    const after = process.memoryUsage().heapUsed;
    await kept.release?.();
    return (after - before) / scaled(100_000);
  };
  const samples = { array: [], exporter: [] };
  for (let round = 0; round < ROUNDS; round++) {
    samples.array.push(await heapOf((events) => ({ events })));
    samples.exporter.push(
      await heapOf((events) => {
        const exporter = createWebhookExporter({ endpointUrl: "http://127.0.0.1:9/unused", ...quiet, closeTimeout: 1 });
        for (const event of events) exporter.add(event);
        return { release: () => exporter.close() };
      }),
    );
  }
  record({
    name: "exporter.heap-per-event",
    unit: "bytes",
    ...paired(samples.exporter, samples.array),
    goal: { max: 1.1 },
    details: { gcExposed: globalThis.gc !== undefined },
  });
}

{
  const runs = [];
  const spooled = [];
  for (let round = 0; round < ROUNDS; round++) {
    runs.push(await endToEnd({ total: scaled(200_000), batchSize: scaled(10_000) }));
    const spoolDir = mkdtempSync(join(tmpdir(), "bench-spool-"));
    spooled.push(await endToEnd({ total: scaled(200_000), batchSize: scaled(10_000), spoolDir }));
    rmSync(spoolDir, { recursive: true, force: true });
  }
  const rates = paired(
    runs.map((run) => run.exporterRate),
    runs.map((run) => run.loopRate),
  );
  // exporter.end-to-end.spool: the same with a spool (every event through the group commits to disk).
  record({
    name: "exporter.end-to-end.spool",
    unit: "events/s",
    ...paired(
      spooled.map((run) => run.exporterRate),
      runs.map((run) => run.exporterRate),
    ),
    goal: { min: 0.8 },
    details: { note: "baseline: the same exporter without a spool, in the same round" },
  });
  record({ name: "exporter.end-to-end", unit: "events/s", ...rates, goal: { min: 0.9 } });
  record({
    name: "exporter.end-to-end.absolute",
    unit: "events/s",
    median: rates.median,
    baseline: 300_000,
    goal: { min: 1 },
    details: { note: "baseline is the 300,000 events/s floor" },
  });
}

// exporter.loop-stall: the longest event-loop stall while 100,000 waiting events are flushed.
{
  const receiver = await startVerifyingReceiver("bench");
  const stalls = [];
  for (let round = 0; round < scaled(3, 1); round++) {
    const exporter = createWebhookExporter({ endpointUrl: receiver.url, ...quiet });
    for (let index = 0; index < scaled(100_000); index++) exporter.add(sampleFeatureEvent(index));
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    await exporter.flush();
    histogram.disable();
    stalls.push(histogram.max / 1e6);
    await exporter.close();
  }
  // The baseline: one JSON.stringify + HMAC of the same 100,000 events, the stall a one-shot flush causes.
  const events = Array.from({ length: scaled(100_000) }, (_, index) => sampleFeatureEvent(index));
  const oneShot = await medianMs(
    {
      oneShot: () =>
        createHmac("sha256", "bench")
          .update(JSON.stringify({ meta: {}, events }))
          .digest(),
    },
    { iterations: 5 },
  );
  stalls.sort((a, b) => a - b);
  record({
    name: "exporter.loop-stall",
    unit: "ms",
    median: stalls[Math.floor(stalls.length / 2)],
    baseline: 20,
    goal: { max: 1 },
    details: { note: "baseline is the 20 ms budget", oneShotStallMs: oneShot.oneShot.median },
  });
  await receiver.close();
}
