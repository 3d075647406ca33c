// `pnpm bench`: runs every package's bench/*.bench.mjs one after another (never in parallel: they
// would disturb each other), collects their records into bench/results.json, prints a table, and
// with --compare <old results.json> the change per case. A missed goal is shown, not fatal; a script
// that fails (throws, exits non-zero) makes the whole run exit 1, naming it.
// With --smoke (what `pnpm test` runs): every script once at tiny sizes (BENCH_SMOKE=1), nothing
// graded, nothing written to bench/results.json.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./workspace.mjs";

const smoke = process.argv.includes("--smoke");
const compareIndex = process.argv.indexOf("--compare");
const comparePath = compareIndex === -1 ? undefined : process.argv[compareIndex + 1];
const filter = process.argv
  .slice(2)
  .find((arg, index, args) => !arg.startsWith("--") && args[index - 1] !== "--compare");

const resultsDir = smoke ? mkdtempSync(join(tmpdir(), "bench-smoke-")) : join(root, "bench");
const linesFile = join(resultsDir, "results.jsonl");
mkdirSync(resultsDir, { recursive: true });
rmSync(linesFile, { force: true });

const files = ["packages", "examples"].flatMap((group) =>
  existsSync(join(root, group))
    ? readdirSync(join(root, group)).flatMap((name) => {
        const dir = join(root, group, name, "bench");
        return existsSync(dir)
          ? readdirSync(dir)
              .filter((file) => file.endsWith(".bench.mjs"))
              .map((file) => join(dir, file))
          : [];
      })
    : [],
);
const failed = [];
let ran = 0;
for (const file of files) {
  if (filter !== undefined && !file.includes(filter)) continue;
  const name = file.replace(root, "");
  ran += 1;
  console.log(`\n# ${name}`);
  try {
    execFileSync(process.execPath, ["--expose-gc", file], {
      stdio: "inherit",
      env: { ...process.env, BENCH_RESULTS: linesFile, ...(smoke ? { BENCH_SMOKE: "1" } : {}) },
    });
  } catch (error) {
    failed.push(name);
    console.log(
      `(bench ${name} failed: ${error.status === null ? `killed by ${error.signal}` : `exit ${error.status}`})`,
    );
  }
}

const records = existsSync(linesFile)
  ? readFileSync(linesFile, "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
rmSync(linesFile, { force: true });
const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  node: process.version,
  date: new Date().toISOString(),
};
if (smoke) {
  rmSync(resultsDir, { recursive: true, force: true });
  console.log(`\nbench smoke: ${records.length} cases from ${ran - failed.length} of ${ran} scripts`);
  if (failed.length > 0) {
    console.error(`bench smoke: ${failed.length} script(s) failed: ${failed.join(", ")}`);
    process.exit(1);
  }
  if (records.length === 0) {
    console.error("bench smoke: no case was recorded");
    process.exit(1);
  }
  process.exit(0);
}
writeFileSync(join(resultsDir, "results.json"), `${JSON.stringify({ machine, records }, null, 2)}\n`);

console.log(`\n${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);
console.table(
  records.map(({ name, unit, median, baseline, ratio, goal, met }) => ({
    name,
    unit,
    median: +median.toPrecision(4),
    baseline: +baseline.toPrecision(4),
    ratio: +ratio.toFixed(2),
    goal,
    met: met === null ? "info" : met ? "yes" : "NO",
  })),
);

if (comparePath !== undefined) {
  const old = JSON.parse(readFileSync(comparePath, "utf8"));
  const before = new Map((old.records ?? old).map((entry) => [entry.name, entry]));
  console.log(`\nchange against ${comparePath} (ratio to baseline, lower is better for times):`);
  console.table(
    records.map((entry) => {
      const previous = before.get(entry.name);
      return {
        name: entry.name,
        before: previous ? +previous.ratio.toFixed(2) : "-",
        now: +entry.ratio.toFixed(2),
        change: previous ? `${(((entry.ratio - previous.ratio) / previous.ratio) * 100).toFixed(1)}%` : "new",
      };
    }),
  );
}
console.log(`\nwrote bench/results.json (${records.length} cases)`);
if (failed.length > 0) {
  console.error(`\n${failed.length} bench script(s) failed, their cases are missing: ${failed.join(", ")}`);
  process.exit(1);
}
