// Shared by every package's bench/*.bench.mjs: time a case against its baseline in the same process,
// print one line, and append a record for scripts/bench.mjs to collect (BENCH_RESULTS, JSON lines).
import { appendFileSync } from "node:fs";
import { Bench } from "tinybench";

/**
 * Median milliseconds per call of each function, measured interleaved in one tinybench run so that
 * machine noise hits both alike. Returns `{ name: { median, rme } }`.
 */
export async function medianMs(functions, { iterations = 10, warmupIterations = 2 } = {}) {
  const bench = new Bench({ iterations, time: 0, warmupIterations, warmupTime: 0 });
  for (const [name, fn] of Object.entries(functions)) bench.add(name, fn);
  await bench.run();
  const out = {};
  for (const task of bench.tasks) {
    const latency = task.result?.latency;
    if (!latency?.p50) throw new Error(`bench task ${task.name} produced no result: ${task.result?.error ?? ""}`);
    out[task.name] = { median: latency.p50, rme: latency.rme };
  }
  return out;
}

/**
 * Records one case. `goal` is `{ max }` (the ratio may not exceed it: times, bytes), `{ min }` (the
 * ratio must reach it: rates), or absent for a figure shown for information. Extra figures go in `details`.
 */
export function record({ name, unit, median, baseline, goal, spread, details }) {
  const ratio = median / baseline;
  const met = goal === undefined ? null : goal.max !== undefined ? ratio <= goal.max : ratio >= goal.min;
  const goalText = goal === undefined ? "none" : goal.max !== undefined ? `<= ${+goal.max.toFixed(2)}x` : `>= ${goal.min}x`;
  const entry = { name, unit, median, baseline, ratio, goal: goalText, met, ...(spread === undefined ? {} : { spread }), ...(details ? { details } : {}) };
  const figure = (value) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3));
  console.log(
    `${met === null ? "info" : met ? "ok  " : "MISS"} ${name.padEnd(34)} ${figure(median).padStart(10)} ${unit.padEnd(10)} baseline ${figure(baseline).padStart(10)}  ratio ${ratio.toFixed(2)} (goal ${goalText})`,
  );
  if (process.env.BENCH_RESULTS) appendFileSync(process.env.BENCH_RESULTS, `${JSON.stringify(entry)}\n`);
  return entry;
}

/** A feature event like the ones a real service sends (about 180 bytes of JSON). */
export function sampleFeatureEvent(index) {
  return {
    kind: "feature",
    contextKind: index % 5 === 0 ? "anonymousUser" : "user",
    userKey: `user-${index}`,
    creationDate: 1_767_225_600 + (index % 3600),
    key: `flag-${index % 20}`,
    variation: index % 2 === 0 ? "enabled" : "disabled",
    value: index % 2 === 0,
    default: false,
    version: "12",
    source: "SERVER",
    metadata: { env: "production", region: "eu-west-1" },
  };
}
