// openfeature.hook: what the export hook adds to one evaluation, against the same client without it.
import { OpenFeature, TypedInMemoryProvider as InMemoryProvider } from "@openfeature/server-sdk";
import { medianMs, paired, record, scaled } from "../../../scripts/bench-kit.mjs";
import { createWebhookExporter } from "../dist/index.js";
import { createWebhookExporterHook } from "../dist/openfeature.js";

const EVALUATIONS = scaled(2_000, 20);
const flags = { "bool-flag": { variants: { on: true, off: false }, defaultVariant: "on", disabled: false } };
const exporter = createWebhookExporter({
  endpointUrl: "http://127.0.0.1:9/never-used",
  secret: "bench",
  flushInterval: 3_600_000,
  maxEventInMemory: 100_000_000,
  maxBufferedEvents: Infinity,
  validateEvents: false,
});
await OpenFeature.setProviderAndWait("bare", new InMemoryProvider(flags));
await OpenFeature.setProviderAndWait("hooked", new InMemoryProvider(flags));
await OpenFeature.setProviderAndWait("noop", new InMemoryProvider(flags));
const bare = OpenFeature.getClient("bare");
const hooked = OpenFeature.getClient("hooked");
const noop = OpenFeature.getClient("noop");
hooked.addHooks(createWebhookExporterHook(exporter));
// The SDK's own cost of running any hook at all, to tell it apart from the export's.
noop.addHooks({ after() {} });
const context = { targetingKey: "user-1", plan: "pro" };

async function evaluate(client) {
  for (let index = 0; index < EVALUATIONS; index++) await client.getBooleanValue("bool-flag", false, context);
}

const times = await medianMs(
  { bare: () => evaluate(bare), noop: () => evaluate(noop), hooked: () => evaluate(hooked) },
  { iterations: 60, warmupIterations: 10 },
);
const perEvaluationUs = (name) => (times[name].median * 1000) / EVALUATIONS;
const overheadUs = perEvaluationUs("hooked") - perEvaluationUs("bare");
const roundUs = (name) => times[name].rounds.map((ms) => (ms * 1000) / EVALUATIONS);
const overheadRounds = roundUs("hooked").map((hooked, index) => Math.max(hooked - (roundUs("bare")[index] ?? 0), 0));
record({
  name: "openfeature.evaluation",
  unit: "µs/eval",
  median: perEvaluationUs("hooked"),
  baseline: perEvaluationUs("bare"),
  details: { overheadUs },
});
record({
  name: "openfeature.hook-overhead",
  unit: "µs/eval",
  ...paired(
    overheadRounds,
    overheadRounds.map(() => 2),
  ),
  goal: { max: 1 },
  details: { note: "baseline is the 2 µs budget" },
});
record({
  name: "openfeature.export-vs-noop-hook",
  unit: "µs/eval",
  median: perEvaluationUs("hooked"),
  baseline: perEvaluationUs("noop"),
  details: {
    exportOwnCostUs: perEvaluationUs("hooked") - perEvaluationUs("noop"),
    sdkHookCostUs: perEvaluationUs("noop") - perEvaluationUs("bare"),
  },
});
await exporter.close();
await OpenFeature.close();
