// exporter.cpu-per-event: the cost users feel at a steady rate. 10,000 events/s for 5 s (100 events
// every 10 ms), a flush every second, to a receiver in another process (so that only the sender's CPU
// is measured), against a hand-written loop: JSON.stringify + one HMAC + undici, 1,000 events a request.
// Interleaved rounds (exporter, hand loop, exporter, ...); graded on the median ratio of CPU µs/event.
import { fork } from "node:child_process";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Agent, request } from "undici";
import { paired, record, ROUNDS, sampleFeatureEvent, scaled } from "../../../scripts/bench-kit.mjs";
import { createWebhookExporter } from "../dist/index.js";

const RATE_PER_TICK = 100;
const TICK_MS = 10;
const WINDOW_MS = scaled(5_000, 300);
const secret = "bench-secret";

/** A receiver that reads each body and answers 204, in a child process. */
async function startReceiver() {
  const child = fork(new URL("./steady-rate-receiver.mjs", import.meta.url), {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const [port] = await once(child, "message");
  return { url: `http://127.0.0.1:${port}/webhook`, close: () => child.kill() };
}

/** Runs `send` at the steady rate for the window; returns CPU µs per event and the event-loop delay p99 (ms). */
async function measure(setUp) {
  const { onEvents, finish } = await setUp();
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const cpuBefore = process.cpuUsage();
  let added = 0;
  const started = performance.now();
  while (performance.now() - started < WINDOW_MS) {
    const events = [];
    for (let index = 0; index < RATE_PER_TICK; index++) events.push(sampleFeatureEvent(added++));
    onEvents(events);
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await finish();
  const cpu = process.cpuUsage(cpuBefore);
  histogram.disable();
  return { cpuUsPerEvent: (cpu.user + cpu.system) / added, p99Ms: histogram.percentile(99) / 1e6, added };
}

function exporterCase(url, { spool = false } = {}) {
  return async () => {
    const dir = spool ? mkdtempSync(join(tmpdir(), "bench-steady-")) : undefined;
    const exporter = createWebhookExporter({
      endpointUrl: url,
      secret,
      flushInterval: 1_000,
      validateEvents: false,
      ...(dir === undefined ? {} : { spool: { dir } }),
    });
    return {
      onEvents: (events) => {
        for (const event of events) exporter.add(event);
      },
      finish: async () => {
        await exporter.close();
        if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
        if (exporter.stats().sent !== exporter.stats().added)
          throw new Error("the exporter did not deliver every event");
      },
    };
  };
}

function handLoopCase(url) {
  return async () => {
    const agent = new Agent({ connections: 4 });
    let waiting = [];
    const inFlight = new Set();
    const send = (events) => {
      const body = Buffer.from(JSON.stringify({ meta: { hostname: "bench" }, events }));
      const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
      const sent = request(url, {
        method: "POST",
        body,
        dispatcher: agent,
        headers: { "content-type": "application/json", "x-hub-signature-256": signature },
      })
        .then((response) => response.body.dump())
        .finally(() => inFlight.delete(sent));
      inFlight.add(sent);
    };
    const timer = setInterval(() => {
      for (let start = 0; start < waiting.length; start += 1_000) send(waiting.slice(start, start + 1_000));
      waiting = [];
    }, 1_000);
    return {
      onEvents: (events) => {
        waiting.push(...events);
      },
      finish: async () => {
        clearInterval(timer);
        for (let start = 0; start < waiting.length; start += 1_000) send(waiting.slice(start, start + 1_000));
        await Promise.all(inFlight);
        await agent.close();
      },
    };
  };
}

const receiver = await startReceiver();
const exporterRounds = [];
const spoolRounds = [];
const handRounds = [];
for (let round = 0; round < ROUNDS; round++) {
  exporterRounds.push(await measure(exporterCase(receiver.url)));
  spoolRounds.push(await measure(exporterCase(receiver.url, { spool: true })));
  handRounds.push(await measure(handLoopCase(receiver.url)));
}
receiver.close();
record({
  name: "exporter.cpu-per-event",
  unit: "µs/event",
  ...paired(
    exporterRounds.map((run) => run.cpuUsPerEvent),
    handRounds.map((run) => run.cpuUsPerEvent),
  ),
  goal: { max: 1.3 },
  details: { ratePerSecond: (RATE_PER_TICK * 1000) / TICK_MS, windowMs: WINDOW_MS },
});
record({
  name: "exporter.cpu-per-event.spool",
  unit: "µs/event",
  ...paired(
    spoolRounds.map((run) => run.cpuUsPerEvent),
    exporterRounds.map((run) => run.cpuUsPerEvent),
  ),
  goal: { max: 1.15 },
  details: { note: "with a spool (group commits every 200 ms), against the same exporter without one" },
});
record({
  name: "exporter.loop-delay-p99",
  unit: "ms",
  ...paired(
    exporterRounds.map((run) => run.p99Ms),
    handRounds.map((run) => run.p99Ms),
  ),
  details: { note: "event-loop delay p99 at the steady rate, against the hand loop" },
});
