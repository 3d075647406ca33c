import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { WebhookVerificationError } from "./errors.js";
import { SIGNING_SCHEME_NAMES } from "@org/webhook-types";
import { SIGNATURE_SCHEMES } from "./options.js";
import { verifyWebhook } from "./public-functions.js";
import { signTestWebhook, type TestWebhookScheme } from "./testing.js";

/** `sign`'s and `send`'s `--scheme`: one scheme's signatures, or both (the default). */
const TEST_WEBHOOK_SCHEMES: readonly [TestWebhookScheme, ...TestWebhookScheme[]] = ["both", ...SIGNING_SCHEME_NAMES];

const HELP = `Usage: webhook-verify <command> [options]

Sign, send and check webhooks as @org/webhook-verify and @org/webhook-exporter do.
The secret is read from $WEBHOOK_SECRET (or the variable --secret-env names), never from the
command line, where ps and shell history would keep it.

Commands:
  sign [FILE]             print the headers that sign FILE (or stdin), both schemes
  send <URL> [FILE]       POST FILE (or stdin) to URL, signed, and print the answer (as "stripe trigger"
                          does: to test a receiver)
  verify --body FILE --headers FILE
                          check a captured request and say exactly why it fails; FILE of headers is
                          "Name: value" lines (curl -D, an HTTP dump) or a JSON object

Options:
  --secret-env NAME       the variable holding the secret (default WEBHOOK_SECRET)
  --scheme S              sign/send: both (default), hub or standard; verify: any (default), hub, standard
  --id ID                 sign/send: the webhook-id (default: a random UUID)
  --timestamp SECONDS     sign/send: the webhook-timestamp (default: now)
  --tolerance SECONDS     verify: how far webhook-timestamp may be from now (default 300)
  --json                  sign: the headers as a JSON object
  -h, --help              this help

Exit codes: 0 done (verify: valid; send: a 2xx answer), 1 refused (verify: invalid; send: another
status or no answer), 2 usage or unreadable input.`;

/** Where the CLI reads and writes: injected, so that tests run it in process too. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  readStdin: () => Promise<Buffer>;
}

class UsageError extends Error {}

function wholeSeconds(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new UsageError(`${name} must be whole seconds`);
  return Number(value);
}

async function readInput(file: string | undefined, io: CliIo): Promise<Buffer> {
  if (file === undefined || file === "-") return io.readStdin();
  try {
    return await readFile(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** `Name: value` lines (a request line or status line is skipped), or a JSON object. */
export function parseHeaderDump(text: string): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name.toLowerCase(), String(value)]));
  }
  const headers: [string, string][] = [];
  for (const line of trimmed.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0 || /^[A-Z]+ \S+ HTTP\//.test(line) || line.startsWith("HTTP/")) continue;
    headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return Object.fromEntries(headers);
}

function secretFrom(io: CliIo, variable: string): string {
  const secret = io.env[variable];
  if (secret === undefined || secret === "") throw new UsageError(`$${variable} is not set: put the secret there`);
  return secret;
}

/** `--scheme`'s value among `allowed`, the first being the default. */
function schemeOption<T extends string>(value: string | undefined, allowed: readonly [T, ...T[]]): T {
  if (value === undefined) return allowed[0];
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined)
    throw new UsageError(`--scheme must be ${allowed.slice(0, -1).join(", ")} or ${String(allowed.at(-1))}`);
  return found;
}

/** Runs the CLI with `argv` (without node and the script); returns the exit code. Never echoes the secret. */
export async function runVerifyCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        "secret-env": { type: "string" },
        scheme: { type: "string" },
        id: { type: "string" },
        timestamp: { type: "string" },
        tolerance: { type: "string" },
        body: { type: "string" },
        headers: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help === true) {
      io.out(`${HELP}\n`);
      return 0;
    }
    const [command, ...rest] = positionals;
    const secretVariable = values["secret-env"] ?? "WEBHOOK_SECRET";
    const sign = (body: Buffer) =>
      signTestWebhook({
        secret: secretFrom(io, secretVariable),
        body,
        scheme: schemeOption(values.scheme, TEST_WEBHOOK_SCHEMES),
        id: values.id,
        timestamp: wholeSeconds(values.timestamp, "--timestamp"),
      });
    switch (command) {
      case "sign": {
        const { headers } = await sign(await readInput(rest[0], io));
        io.out(
          values.json === true
            ? `${JSON.stringify(headers, null, 2)}\n`
            : Object.entries(headers)
                .map(([name, value]) => `${name}: ${value}\n`)
                .join(""),
        );
        return 0;
      }
      case "send": {
        const [url, file] = rest;
        if (url === undefined) throw new UsageError("send needs a URL");
        const body = await readInput(file, io);
        const { headers } = await sign(body);
        let response: Response;
        try {
          response = await fetch(url, {
            method: "POST",
            headers,
            body: new Uint8Array(body),
            signal: AbortSignal.timeout(30_000),
          });
        } catch (error) {
          io.err(`no answer from ${url}: ${String((error as Error).cause ?? error)}\n`);
          return 1;
        }
        io.out(`HTTP ${response.status} ${response.statusText}\n${await response.text()}\n`);
        return response.ok ? 0 : 1;
      }
      case "verify": {
        if (values.body === undefined || values.headers === undefined)
          throw new UsageError("verify needs --body and --headers");
        const body = await readInput(values.body, io);
        const headers = parseHeaderDump((await readInput(values.headers, io)).toString("utf8"));
        try {
          const webhook = await verifyWebhook({
            secret: secretFrom(io, secretVariable),
            body,
            headers,
            scheme: schemeOption(values.scheme, SIGNATURE_SCHEMES),
            toleranceSeconds: wholeSeconds(values.tolerance, "--tolerance"),
          });
          io.out(
            `valid: ${webhook.payload.events.length} events, ${webhook.scheme} scheme${webhook.id === undefined ? "" : `, webhook-id ${webhook.id}`}\n`,
          );
          return 0;
        } catch (error) {
          if (!(error instanceof WebhookVerificationError) || error.code === "ERR_WEBHOOK_CONFIG") throw error;
          io.out(`invalid: ${error.code}: ${error.message}\n`);
          return 1;
        }
      }
      default:
        throw new UsageError(command === undefined ? "a command is required" : `unknown command ${command}`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      // Every refusal of parseArgs (an unknown option, an option without its value...).
      String((error as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS_") ||
      error instanceof WebhookVerificationError ||
      error instanceof SyntaxError
    ) {
      io.err(`${(error as Error).message}\n\nRun webhook-verify --help for usage.\n`);
      return 2;
    }
    throw error;
  }
}
