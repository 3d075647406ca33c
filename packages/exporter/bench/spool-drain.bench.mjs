// exporter.spool-drain: a backlog of 1,000 spooled batches (100 events each, as an outage leaves them)
// delivered to a receiver that answers each request in 50 ms, with the default maxConcurrentRequests,
// against the same drain one batch at a time (maxConcurrentRequests: 1). Ratio of drain times.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { paired, record, sampleFeatureEvent, scaled } from "../../../scripts/bench-kit.mjs";
import { createWebhookExporter, DEFAULTS } from "../dist/index.js";

const BATCHES = scaled(1_000, 8);
const EVENTS_PER_BATCH = 100;
const ANSWER_MS = 50;
const secret = "bench";

let refusing = true;
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    if (refusing) res.writeHead(503).end();
    else setTimeout(() => res.writeHead(204).end(), ANSWER_MS);
  });
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
const url = `http://127.0.0.1:${server.address().port}/`;

// The backlog, written once by an exporter whose endpoint is down, then copied for every drain.
const backlog = mkdtempSync(join(tmpdir(), "bench-backlog-"));
{
  const writer = createWebhookExporter({
    endpointUrl: url,
    secret,
    flushInterval: 3_600_000,
    maxEventInMemory: EVENTS_PER_BATCH,
    closeTimeout: 60_000,
    spool: { dir: backlog },
  });
  for (let index = 0; index < BATCHES * EVENTS_PER_BATCH; index++) writer.add(sampleFeatureEvent(index));
  await writer.close();
  if (writer.stats().sent !== 0) throw new Error("the backlog was delivered while being written");
}
refusing = false;

async function drainSeconds(maxConcurrentRequests) {
  const dir = mkdtempSync(join(tmpdir(), "bench-drain-"));
  cpSync(backlog, dir, { recursive: true, filter: (source) => !source.endsWith("exporter.lock") });
  const started = performance.now();
  const exporter = createWebhookExporter({
    endpointUrl: url,
    secret,
    flushInterval: 3_600_000,
    maxConcurrentRequests,
    spool: { dir },
  });
  await exporter.flush();
  const seconds = (performance.now() - started) / 1000;
  const { sent, restored } = exporter.stats();
  await exporter.close();
  rmSync(dir, { recursive: true, force: true });
  if (sent !== BATCHES * EVENTS_PER_BATCH || restored !== sent) throw new Error(`drained ${sent} of ${restored}`);
  return seconds;
}

const concurrent = [];
const oneAtATime = [];
// Three rounds: each takes over a minute, most of it the one-at-a-time baseline.
for (let round = 0; round < scaled(3, 1); round++) {
  concurrent.push(await drainSeconds(DEFAULTS.maxConcurrentRequests));
  oneAtATime.push(await drainSeconds(1));
}
server.close();
rmSync(backlog, { recursive: true, force: true });
record({
  name: "exporter.spool-drain",
  unit: "s",
  ...paired(concurrent, oneAtATime),
  goal: { max: 1 / 4 },
  details: {
    batches: BATCHES,
    eventsPerBatch: EVENTS_PER_BATCH,
    answerMs: ANSWER_MS,
    maxConcurrentRequests: DEFAULTS.maxConcurrentRequests,
  },
});
