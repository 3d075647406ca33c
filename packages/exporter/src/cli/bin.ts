#!/usr/bin/env node
// `npx @org/webhook-exporter spool list ./spool`: see run-cli.ts for the commands.
import { runCli } from "./run-cli.js";

process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  rawOut: (bytes) => process.stdout.write(bytes),
  err: (text) => process.stderr.write(text),
  interactive: process.stderr.isTTY,
  now: () => Date.now(),
  env: process.env,
});
