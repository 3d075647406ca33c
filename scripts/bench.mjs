// `pnpm bench`: runs every package's bench/*.bench.mjs one after another (never in parallel: they
// would disturb each other), collects their records into bench/results.json, prints a table, and
// with --compare <old results.json> the change per case. Exits 0 even when a goal is missed.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { root } from "./workspace.mjs";

const compareIndex = process.argv.indexOf("--compare");
const comparePath = compareIndex === -1 ? undefined : process.argv[compareIndex + 1];
const filter = process.argv
  .slice(2)
  .find((arg, index, args) => !arg.startsWith("--") && args[index - 1] !== "--compare");

const resultsDir = join(root, "bench");
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
for (const file of files) {
  if (filter !== undefined && !file.includes(filter)) continue;
  console.log(`\n# ${file.replace(root, "")}`);
  try {
    execFileSync(process.execPath, ["--expose-gc", file], {
      stdio: "inherit",
      env: { ...process.env, BENCH_RESULTS: linesFile },
    });
  } catch {
    console.log(`(bench ${file.replace(root, "")} failed; its cases are missing below)`);
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
