// One sender of steady-rate.bench.mjs, in a fresh process of its own, as a service runs it: `node
// steady-rate-sender.mjs <exporter|spool|hand> <url> <warmupMs> <windowMs>`. Builds 100 events every
// 10 ms (10,000 events/s) and hands them to the sender under test; after the warm-up (not measured: the
// JIT compiling the sender's code, a cost a service pays once) it measures the CPU of the whole process
// (user + system, every thread: the event loop, the JIT and GC threads, libuv's pool that runs the
// spool's fsyncs) over the window; then the event-loop delay over two more seconds, and the final
// flush. Sends the figures to the parent.
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Agent, request } from "undici";
import { sampleFeatureEvent, scaled } from "../../../scripts/bench-kit.mjs";
import { createWebhookExporter } from "../dist/index.js";

const [kind, url, warmupText, windowText] = process.argv.slice(2);
const RATE_PER_TICK = 100;
const TICK_MS = 10;
const DELAY_WINDOW_MS = scaled(2_000, 100);
const secret = "bench-secret";

/** The exporter with its defaults (both signatures, the always-on checks) but `validateEvents: false`. */
function exporterSender({ spool }) {
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
      const { added, sent } = exporter.stats();
      if (sent !== added) throw new Error(`the exporter delivered ${sent} of ${added} events`);
    },
  };
}

/** The floor: JSON.stringify + one HMAC + undici, 1,000 events a request. */
function handLoopSender() {
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
  const sendWaiting = () => {
    for (let start = 0; start < waiting.length; start += 1_000) send(waiting.slice(start, start + 1_000));
    waiting = [];
  };
  const timer = setInterval(sendWaiting, 1_000);
  return {
    onEvents: (events) => {
      waiting.push(...events);
    },
    finish: async () => {
      clearInterval(timer);
      sendWaiting();
      await Promise.all(inFlight);
      await agent.close();
    },
  };
}

const sender = kind === "hand" ? handLoopSender() : exporterSender({ spool: kind === "spool" });
let added = 0;
async function runFor(ms) {
  const started = performance.now();
  while (performance.now() - started < ms) {
    const events = [];
    for (let index = 0; index < RATE_PER_TICK; index++) events.push(sampleFeatureEvent(added++));
    sender.onEvents(events);
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
}

const warmupCpu = process.cpuUsage();
await runFor(Number(warmupText));
const warmup = { cpu: process.cpuUsage(warmupCpu), added };
// The window: the steady state. Events of the warm-up's last flush are sent in it, as many as the
// window leaves to the final flush, so every event is counted once.
const cpuBefore = process.cpuUsage();
await runFor(Number(windowText));
const cpu = process.cpuUsage(cpuBefore);
const measured = added - warmup.added;
// The event-loop delay apart: its 1 ms sampling timer would cost as much CPU as a sender's own work.
const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
await runFor(DELAY_WINDOW_MS);
histogram.disable();
await sender.finish();
process.send({
  added,
  cpuUsPerEvent: (cpu.user + cpu.system) / measured,
  userUsPerEvent: cpu.user / measured,
  systemUsPerEvent: cpu.system / measured,
  warmupCpuUsPerEvent: (warmup.cpu.user + warmup.cpu.system) / Math.max(warmup.added, 1),
  p99Ms: histogram.percentile(99) / 1e6,
});
process.disconnect();
