// Prints the ten slowest tests (to size explicit timeouts from measurement), then one closing line for
// CI from vitest JSON reports: "tests: N passed, N failed".
import { readFileSync } from "node:fs";
import { relative } from "node:path";

let passed = 0;
let failed = 0;
const durations = [];
for (const file of process.argv.slice(2)) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  for (const suite of report.testResults ?? []) {
    for (const test of suite.assertionResults ?? []) {
      durations.push({ ms: test.duration ?? 0, name: `${relative(process.cwd(), suite.name)} > ${test.fullName}` });
    }
  }
}
console.log("ten slowest tests (ms):");
for (const { ms, name } of durations.sort((a, b) => b.ms - a.ms).slice(0, 10))
  console.log(`  ${String(Math.round(ms)).padStart(6)}  ${name}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
if (failed > 0 || passed === 0) process.exit(1);
