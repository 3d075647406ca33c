import { parseArgs } from "node:util";
import { WebhookExporterError } from "../errors.js";
import { DEFAULTS } from "../config/options.js";
import {
  CommandFailure,
  dropSpooledBatch,
  listSpool,
  readSpooledBatch,
  resendSpool,
  SpoolUnavailable,
  type SpoolEntry,
  type CommandIo,
} from "./spool-commands.js";

const HELP = `Usage: webhook-exporter spool <command> <dir> [options]

Look inside an exporter's spool (spool.dir), and resend or drop its batches by hand.
Every command takes the spool's lock: a spool a running exporter holds is refused (exit 3).

Commands:
  list <dir>              the spooled batches, oldest first: id, events, bytes, age, checksum
  show <dir> <id>         one batch's body as indented JSON (--raw: the exact bytes)
  resend <dir> --url URL  send every batch, oldest first, under its own webhook-id, signed with
                          the secret in $WEBHOOK_SECRET (or --secret-env NAME); each delivered
                          batch leaves the spool; stops at the first failure and says why
  drop <dir> <id>         delete one batch: its events are lost

Options:
  --json                  list: JSON lines instead of a table
  --raw                   show: the exact bytes, as sent
  --url URL               resend: where to POST
  --secret-env NAME       resend: the variable holding the secret (default WEBHOOK_SECRET);
                          the secret is never taken on the command line, where ps would show it
  --timeout MS            resend: ms per request (default 10000)
  -h, --help              this help

Exit codes: 0 done, 1 failed (a batch refused, an id or the directory not found), 2 usage,
3 the spool cannot be taken (a running exporter holds it, or its lock cannot be written).`;

/** The entries as a table, and the good batches' totals under it. */
function formatSpoolTable(entries: readonly SpoolEntry[]): string {
  const rows = entries.map((entry) => [
    entry.id,
    String(entry.events),
    String(entry.bytes),
    `${entry.ageSeconds}s`,
    entry.checksumOk ? "ok" : "TORN (set aside, never sent)",
  ]);
  const header = ["id", "events", "bytes", "age", "checksum"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const lines = [header, ...rows].map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  const good = entries.filter((entry) => entry.checksumOk);
  lines.push(`${good.length} batches, ${good.reduce((sum, entry) => sum + entry.events, 0)} events`);
  return `${lines.join("\n")}\n`;
}

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function runCli(
  argv: string[],
  io: CommandIo & { env: NodeJS.ProcessEnv; rawOut: (bytes: Uint8Array) => void },
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        raw: { type: "boolean" },
        url: { type: "string" },
        "secret-env": { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${HELP}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [group, command, dir, id] = positionals;
  if (values.help === true) {
    io.out(`${HELP}\n`);
    return 0;
  }
  const usage = (message: string) => {
    io.err(`${message}\n\n${HELP}\n`);
    return 2;
  };
  if (group !== "spool") return usage(group === undefined ? "a command is required" : `unknown command ${group}`);
  if (dir === undefined) return usage(`spool ${command ?? "<command>"} needs the spool directory`);
  try {
    switch (command) {
      case "list": {
        const entries = await listSpool(dir, io.now());
        if (values.json === true) {
          for (const entry of entries) io.out(`${JSON.stringify(entry)}\n`);
          return 0;
        }
        if (entries.length === 0) {
          io.out(`no spooled batches in ${dir}\n`);
          return 0;
        }
        io.out(formatSpoolTable(entries));
        return 0;
      }
      case "show": {
        if (id === undefined) return usage("spool show needs a batch id (see spool list)");
        const body = await readSpooledBatch(dir, id);
        if (values.raw === true) io.rawOut(body);
        else io.out(`${JSON.stringify(JSON.parse(body.toString("utf8")), null, 2)}\n`);
        return 0;
      }
      case "drop": {
        if (id === undefined) return usage("spool drop needs a batch id (see spool list)");
        const dropped = await dropSpooledBatch(dir, id);
        io.out(`dropped batch ${dropped.id}: ${dropped.count} events lost\n`);
        return 0;
      }
      case "resend": {
        if (values.url === undefined) return usage("spool resend needs --url");
        const secretEnv = values["secret-env"] ?? "WEBHOOK_SECRET";
        const secret = io.env[secretEnv] === "" ? undefined : io.env[secretEnv];
        if (secret === undefined) io.err(`warning: $${secretEnv} is not set: the batches go unsigned\n`);
        const timeoutMs = values.timeout === undefined ? DEFAULTS.timeout : Number(values.timeout);
        if (!/^\d+$/.test(values.timeout ?? "0") || timeoutMs <= 0)
          return usage("--timeout must be a whole number of ms");
        const sent = await resendSpool(dir, { url: values.url, secret, timeoutMs }, io);
        io.out(`sent ${sent.batches} batches, ${sent.events} events\n`);
        return 0;
      }
      default:
        return usage(command === undefined ? "spool needs a command" : `unknown spool command ${command}`);
    }
  } catch (error) {
    if (error instanceof SpoolUnavailable) {
      io.err(`${error.message}\n`);
      return 3;
    }
    if (error instanceof CommandFailure || error instanceof WebhookExporterError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
