// exporter.versus-go: 100,000 events end to end, against a Go sender built as GO Feature Flag's webhook
// exporter sends (interop/go: encoding/json + crypto/hmac + net/http, `interop bench`), to the same
// sink in another process (it checks each signature and parses every body). Each sender's events are
// built before its clock starts; the exporter's clock runs from its first add() to its flush() resolving,
// every event delivered. Interleaved rounds: Go in one call (one 24 MB request), Go in 100 calls of 1,000
// events, the exporter with its defaults (5 MiB batches: 5 requests), and the exporter with one batch
// (one request, as Go). The exporter's first run (the JIT warming up) is not graded. Where Go is missing
// the script says so and records nothing; under CI it fails instead.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { paired, record, ROUNDS, sampleFeatureEvent, scaled } from "../../../scripts/bench-kit.mjs";
import { createWebhookExporter } from "../dist/index.js";
import { startSink } from "./sink-process.mjs";

const TOTAL = scaled(100_000, 1_000);
const secret = "bench-secret";
const goDir = new URL("../../../interop/go/", import.meta.url).pathname;

function buildGoSender() {
  const version = spawnSync("go", ["version"], { encoding: "utf8" });
  if (version.error !== undefined || version.status !== 0) {
    if (process.env.CI) throw new Error("exporter.versus-go needs Go 1.22+ on PATH, and CI has none");
    console.log("skip exporter.versus-go: Go 1.22+ is not on PATH (https://go.dev/dl/)");
    process.exit(0);
  }
  const dir = mkdtempSync(join(tmpdir(), "bench-go-"));
  const binary = join(dir, "interop");
  execFileSync("go", ["build", "-o", binary, "."], { cwd: goDir, stdio: ["ignore", "inherit", "inherit"] });
  return { binary, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Milliseconds the Go sender reports for the whole send, the sink's count checked. */
function goRun(binary, sink, perCall) {
  const output = execFileSync(binary, ["bench", sink.url, secret, String(TOTAL), String(perCall)], {
    encoding: "utf8",
  });
  return JSON.parse(output).ms;
}

/** Milliseconds from the first add() to flush() resolving, every event delivered. */
async function exporterRun(sink, events, extra = {}) {
  const exporter = createWebhookExporter({
    endpointUrl: sink.url,
    secret,
    meta: { hostname: "bench" },
    flushInterval: 3_600_000,
    validateEvents: false,
    ...extra,
  });
  const started = performance.now();
  for (const event of events) exporter.add(event);
  await exporter.flush();
  const ms = performance.now() - started;
  await exporter.close();
  const { added, sent } = exporter.stats();
  if (sent !== added) throw new Error(`the exporter delivered ${sent} of ${added} events`);
  return ms;
}

const go = buildGoSender();
const sink = await startSink(secret);
const events = Array.from({ length: TOTAL }, (_, index) => sampleFeatureEvent(index));
const oneBatch = { maxBatchBytes: 1 << 30 };
const rounds = { goOneCall: [], goCalls: [], exporter: [], exporterOneBatch: [] };
let firstRun;
try {
  firstRun = await exporterRun(sink, events);
  for (let round = 0; round < ROUNDS; round++) {
    const before = await sink.received();
    rounds.goOneCall.push(goRun(go.binary, sink, TOTAL));
    rounds.goCalls.push(goRun(go.binary, sink, Math.max(1, TOTAL / 100)));
    rounds.exporter.push(await exporterRun(sink, events));
    rounds.exporterOneBatch.push(await exporterRun(sink, events, oneBatch));
    const received = (await sink.received()) - before;
    if (received !== 4 * TOTAL) throw new Error(`the sink parsed ${received} events of the round's ${4 * TOTAL}`);
  }
} finally {
  sink.close();
  go.remove();
}
const details = { events: TOTAL, exporterFirstRunMs: firstRun };
record({
  name: "exporter.versus-go",
  unit: "ms",
  ...paired(rounds.exporter, rounds.goOneCall),
  goal: { max: 1 },
  details: { ...details, note: "the exporter (defaults: 5 MiB batches) against Go's Export in one call" },
});
record({
  name: "exporter.versus-go.calls-of-1000",
  unit: "ms",
  ...paired(rounds.exporter, rounds.goCalls),
  goal: { max: 1 },
  details: { ...details, note: "the exporter (defaults) against Go's Export in 100 calls of 1,000 events" },
});
record({
  name: "exporter.versus-go.one-request",
  unit: "ms",
  ...paired(rounds.exporterOneBatch, rounds.goOneCall),
  details: { ...details, note: "the exporter with one batch (maxBatchBytes 1 GiB: one request, as Go's one call)" },
});
