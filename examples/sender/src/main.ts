#!/usr/bin/env node
// The sender as a process: configured from the environment, closed cleanly on SIGTERM or SIGINT,
// printing one JSON line with what it did.
import { readConfig } from "./config.js";
import { startSender } from "./sender.js";

const sender = await startSender(readConfig());
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    void sender.stop();
  });
}
const summary = await sender.done;
process.stdout.write(`${JSON.stringify({ summary })}\n`);
