// Runs turbo without the pnpm_config_verify_deps_before_run=false that pnpm hands its children: the
// pnpm that turbo starts for each task reads it as the string "false", a truthy value, so every task
// re-checks the install and rewrites node_modules/.pnpm-workspace-state-v1.json, and tasks running
// in parallel read each other's half-written file ("Unexpected end of JSON input", pnpm 10). Without
// the variable the check stays off, as configured.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const env = { ...process.env };
delete env.pnpm_config_verify_deps_before_run;
delete env.npm_config_verify_deps_before_run;
const turbo = createRequire(import.meta.url).resolve("turbo/bin/turbo");
const result = spawnSync(process.execPath, [turbo, ...process.argv.slice(2)], { stdio: "inherit", env });
process.exit(result.status ?? 1);
