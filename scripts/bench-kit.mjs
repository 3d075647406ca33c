// Shared by every package's bench/*.bench.mjs: time a case against its baseline in the same process,
// print one line, and append a record for scripts/bench.mjs to collect (BENCH_RESULTS, JSON lines).
import { appendFileSync } from "node:fs";
import { Bench } from "tinybench";

const middle = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Smoke mode (`BENCH_SMOKE=1`, what `pnpm test` runs): every bench script once, at tiny sizes, one
 * round, nothing graded, so that a refactor that breaks a script fails the suite.
 */
export const SMOKE = process.env.BENCH_SMOKE === "1";

/** Rounds per graded case: a ratio is graded on the median of at least this many (one in smoke mode). */
export const ROUNDS = SMOKE ? 1 : 5;

/** `full` when benchmarking; `smoke` (default: a thousandth, at least 1) in smoke mode. */
export function scaled(full, smoke = Math.max(1, Math.ceil(full / 1000))) {
  return SMOKE ? smoke : full;
}

/**
 * Median milliseconds per call of each function, measured in `rounds` separate runs; within a run the
 * functions are interleaved (case, baseline, case, baseline...) so that machine noise hits both alike.
 * Returns `{ name: { median, rme, rounds } }`: the median of the rounds' medians, and each round's.
 */
export async function medianMs(functions, options = {}) {
  const {
    iterations = 10,
    warmupIterations = 2,
    rounds = ROUNDS,
  } = SMOKE ? { iterations: 1, warmupIterations: 0, rounds: 1 } : options;
  const perRound = Object.fromEntries(Object.keys(functions).map((name) => [name, []]));
  const rmes = Object.fromEntries(Object.keys(functions).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ iterations, time: 0, warmupIterations, warmupTime: 0 });
    for (const [name, fn] of Object.entries(functions)) bench.add(name, fn);
    await bench.run();
    for (const task of bench.tasks) {
      const latency = task.result?.latency;
      if (!latency?.p50) throw new Error(`bench task ${task.name} produced no result: ${task.result?.error ?? ""}`);
      perRound[task.name].push(latency.p50);
      rmes[task.name].push(latency.rme);
    }
  }
  return Object.fromEntries(
    Object.keys(functions).map((name) => [
      name,
      { median: middle(perRound[name]), rme: middle(rmes[name]), rounds: perRound[name] },
    ]),
  );
}

/** The rounds of a case and its baseline, paired for {@link record}: `{ median, baseline, rounds }`. */
export function paired(caseRounds, baselineRounds) {
  const rounds = caseRounds.map((median, index) => ({ median, baseline: baselineRounds[index] }));
  return { median: middle(caseRounds), baseline: middle(baselineRounds), rounds };
}

/**
 * Records one case. `goal` is `{ max }` (the ratio may not exceed it: times, bytes), `{ min }` (the
 * ratio must reach it: rates), or absent for a figure shown for information. With `rounds` (pairs of
 * case and baseline measured one after the other), the graded ratio is the median of the rounds'
 * ratios, and every round is kept. Extra figures go in `details`.
 */
export function record({ name, unit, median, baseline, goal, spread, details, rounds }) {
  const roundsWithRatio = rounds?.map((round) => ({ ...round, ratio: round.median / round.baseline }));
  const ratio = roundsWithRatio === undefined ? median / baseline : middle(roundsWithRatio.map((round) => round.ratio));
  // A tiny smoke run may time 0 ms for both; a real run must have measured something.
  if (!Number.isFinite(median) || !Number.isFinite(baseline) || (!SMOKE && !Number.isFinite(ratio)))
    throw new Error(`bench case ${name} measured nothing: median ${median}, baseline ${baseline}`);
  const met = goal === undefined || SMOKE ? null : goal.max !== undefined ? ratio <= goal.max : ratio >= goal.min;
  const goalText =
    goal === undefined ? "none" : goal.max !== undefined ? `<= ${+goal.max.toFixed(2)}x` : `>= ${goal.min}x`;
  const entry = {
    name,
    unit,
    median,
    baseline,
    ratio,
    goal: goalText,
    met,
    ...(spread === undefined ? {} : { spread }),
    ...(roundsWithRatio === undefined ? {} : { rounds: roundsWithRatio }),
    ...(details ? { details } : {}),
  };
  const figure = (value) => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3));
  const roundsText = roundsWithRatio === undefined ? "" : ` (median of ${roundsWithRatio.length} rounds)`;
  console.log(
    `${met === null ? "info" : met ? "ok  " : "MISS"} ${name.padEnd(34)} ${figure(median).padStart(10)} ${unit.padEnd(10)} baseline ${figure(baseline).padStart(10)}  ratio ${ratio.toFixed(2)}${roundsText} (goal ${goalText})`,
  );
  if (process.env.BENCH_RESULTS) appendFileSync(process.env.BENCH_RESULTS, `${JSON.stringify(entry)}\n`);
  return entry;
}

/** A feature event like the ones a real service sends (about 240 bytes of JSON: 100,000 make 24 MB). */
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
