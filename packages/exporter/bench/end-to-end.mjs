// Shared by the pipeline bench and the batch-size plot: a verifying receiver on its own thread, and an
// end-to-end run of the exporter against a fetch loop POSTing the same bodies pre-built.
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { sampleFeatureEvent } from "../../../scripts/bench-kit.mjs";
import { createWebhookExporter } from "../dist/index.js";

const gc = globalThis.gc ?? (() => undefined);

/**
 * A receiver that verifies every request's signature, as a real one would, on a thread of its own
 * (a receiver is another machine; on one thread it would compete with the sender for the same core).
 */
export async function startVerifyingReceiver(secret) {
  const worker = new Worker(
    `
    const { createHmac, timingSafeEqual } = require("node:crypto");
    const { createServer } = require("node:http");
    const { parentPort, workerData } = require("node:worker_threads");
    let events = 0;
    const server = createServer((req, res) => {
      const chunks = [];
      req.on("data", (chunk) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const expected = createHmac("sha256", workerData.secret).update(body).digest();
        const given = Buffer.from(String(req.headers["x-hub-signature-256"]).slice(7), "hex");
        if (given.length !== 32 || !timingSafeEqual(expected, given)) return res.writeHead(401).end();
        // Counting "kind" keys (one per event) keeps the receiver from being the bottleneck.
        let at = -1;
        while ((at = body.indexOf('"kind"', at + 1)) !== -1) events += 1;
        res.writeHead(204).end();
      });
    });
    server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
    parentPort.on("message", (message) => {
      if (message === "count") parentPort.postMessage({ events });
      if (message === "close") server.close(() => process.exit(0));
    });
    `,
    { eval: true, workerData: { secret } },
  );
  const [{ port }] = await once(worker, "message");
  return {
    url: `http://127.0.0.1:${port}/`,
    events: async () => {
      worker.postMessage("count");
      return (await once(worker, "message"))[0].events;
    },
    close: async () => {
      worker.postMessage("close");
      await once(worker, "exit");
    },
  };
}

// exporter.end-to-end: add() to a verifying receiver, flushes of 10,000, against a fetch loop POSTing the same bodies.
export async function endToEnd({ total, batchSize, secret = "bench", spoolDir }) {
  const receiver = await startVerifyingReceiver(secret);
  const events = Array.from({ length: total }, (_, index) => sampleFeatureEvent(index));
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 5);
  const bodies = [];
  const exporter = createWebhookExporter({
    // The burst is added synchronously, before any flush can run: let the buffer hold all of it.
    endpointUrl: receiver.url,
    secret,
    flushInterval: 3_600_000,
    maxEventInMemory: batchSize,
    maxBufferedEvents: total,
    maxBatchBytes: 1 << 30,
    validateEvents: false,
    ...(spoolDir === undefined ? {} : { spool: { dir: spoolDir } }),
  });
  const started = performance.now();
  for (const event of events) exporter.add(event);
  await exporter.close();
  const exporterSeconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const received = await receiver.events();
  if (received !== total) throw new Error(`receiver got ${received} of ${total}`);
  // The baseline: the same bodies, pre-built and pre-signed, POSTed one after another with fetch.
  for (let start = 0; start < total; start += batchSize) {
    const body = Buffer.from(
      JSON.stringify({ meta: { hostname: "bench" }, events: events.slice(start, start + batchSize) }),
    );
    bodies.push({ body, signature: `sha256=${createHmac("sha256", secret).update(body).digest("hex")}` });
  }
  const loopStarted = performance.now();
  for (const { body, signature } of bodies) {
    const response = await fetch(receiver.url, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", "x-hub-signature-256": signature },
    });
    await response.arrayBuffer();
  }
  const loopSeconds = (performance.now() - loopStarted) / 1000;
  await receiver.close();
  return { exporterRate: total / exporterSeconds, loopRate: total / loopSeconds, heapPeakBytes: heapPeak - heapBefore };
}
