import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startReceiver, type Receiver } from "@org/test-fixtures/receiver";
import { createWebhookExporter } from "../../src/exporter.js";
import { featureEvent, userKeys } from "../helpers/events.js";
import { parseSpoolFile } from "../../src/spool/spool.js";

const bin = new URL("../../dist/cli/bin.js", import.meta.url).pathname;
const secret = "cli-secret";

/** Runs the CLI as a user does: its own process, real exit code, real streams. */
function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string; raw: Buffer }>((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, ...env }, encoding: "buffer" },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : Number(error.code),
          stdout: stdout.toString(),
          stderr: stderr.toString(),
          raw: stdout,
        });
      },
    );
  });
}

let receiver: Receiver;
let dir: string;

/** Three batches of 100 events spooled by a real exporter whose endpoint is down. */
async function spoolThreeBatches(): Promise<void> {
  await receiver.stop();
  const exporter = createWebhookExporter({
    endpointUrl: receiver.url,
    secret,
    maxEventInMemory: 100,
    flushInterval: 60_000,
    spool: { dir },
  });
  for (let index = 0; index < 300; index++) exporter.add(featureEvent(index));
  await exporter.close();
  await receiver.restart();
}

const batchFiles = () => readdirSync(dir).filter((file) => file.endsWith(".batch"));

beforeEach(async () => {
  receiver = await startReceiver();
  dir = mkdtempSync(join(tmpdir(), "spool-cli-"));
  await spoolThreeBatches();
});
afterEach(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("webhook-exporter spool", { timeout: 30_000 }, () => {
  it("lists the spooled batches oldest first, with events, bytes, age and checksum", async () => {
    const table = await cli(["spool", "list", dir]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^id\s+events\s+bytes\s+age\s+checksum/);
    expect(table.stdout).toContain("3 batches, 300 events");
    const json = await cli(["spool", "list", dir, "--json"]);
    const entries = json.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { id: string; events: number; bytes: number; checksumOk: boolean });
    expect(entries.map((entry) => entry.events)).toEqual([100, 100, 100]);
    expect(entries.every((entry) => entry.checksumOk && entry.bytes > 0)).toBe(true);
  });

  it("marks a torn file and never offers it for sending", async () => {
    const [first] = batchFiles();
    if (first === undefined) throw new Error("nothing spooled");
    const path = join(dir, first);
    const content = readFileSync(path);
    const at = content.length - 3;
    content.writeUInt8(content.readUInt8(at) ^ 1, at);
    writeFileSync(path, content);
    const entries = (await cli(["spool", "list", dir, "--json"])).stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { checksumOk: boolean });
    expect(entries.filter((entry) => !entry.checksumOk)).toHaveLength(1);
    expect(entries.filter((entry) => entry.checksumOk)).toHaveLength(2);
  });

  it("shows one batch as indented JSON, or its exact bytes", async () => {
    const [entry] = (await cli(["spool", "list", dir, "--json"])).stdout.trim().split("\n");
    const { id } = JSON.parse(entry ?? "{}") as { id: string };
    const pretty = await cli(["spool", "show", dir, id]);
    expect(pretty.code).toBe(0);
    expect((JSON.parse(pretty.stdout) as { events: unknown[] }).events).toHaveLength(100);
    expect(pretty.stdout).toContain('\n  "events": [');
    const raw = await cli(["spool", "show", dir, id, "--raw"]);
    const [first = ""] = batchFiles();
    const batch = parseSpoolFile(first, readFileSync(join(dir, first)));
    expect(batch?.id).toBe(id);
    expect(raw.raw.equals(batch?.body ?? Buffer.alloc(0))).toBe(true);
    expect((await cli(["spool", "show", dir, "no-such-id"])).code).toBe(1);
  });

  it("resends every batch oldest first under its own webhook-id, signed, and empties the spool", async () => {
    const ids = (await cli(["spool", "list", dir, "--json"])).stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { id: string }).id);
    const result = await cli(["spool", "resend", dir, "--url", receiver.url], { WEBHOOK_SECRET: secret });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("sent 3 batches, 300 events");
    expect(result.stderr).toMatch(/3\/3 batches, 300\/300 events, \d+ events\/s/);
    expect(receiver.requests.map((request) => request.headers["webhook-id"])).toEqual(ids);
    for (const request of receiver.requests) {
      const expected = `sha256=${createHmac("sha256", secret).update(request.body).digest("hex")}`;
      expect(request.headers["x-hub-signature-256"]).toBe(expected);
    }
    expect(receiver.events().map((event) => event.userKey)).toEqual(userKeys(0, 300));
    expect(batchFiles()).toEqual([]);
    expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it("stops at the first failure, says why, and keeps what was not delivered", async () => {
    receiver.respond((_request, index, res) => {
      res.writeHead(index === 1 ? 503 : 200).end();
    });
    const result = await cli(["spool", "resend", dir, "--url", receiver.url], { WEBHOOK_SECRET: secret });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("stopped at batch");
    expect(result.stderr).toContain("HTTP 503");
    // The command does not retry: it says the batch stays in the spool, not that it "is kept and retried".
    expect(result.stderr).not.toContain("retried");
    expect(result.stderr).toContain("left in the spool");
    expect(receiver.requests).toHaveLength(2);
    expect(batchFiles()).toHaveLength(2);
  });

  it("drops one batch", async () => {
    const [entry] = (await cli(["spool", "list", dir, "--json"])).stdout.trim().split("\n");
    const { id } = JSON.parse(entry ?? "{}") as { id: string };
    const result = await cli(["spool", "drop", dir, id]);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain(`dropped batch ${id}: 100 events lost`);
    expect(batchFiles()).toHaveLength(2);
  });

  it("refuses a spool a running exporter holds (exit 3), and touches nothing", async () => {
    const running = createWebhookExporter({ endpointUrl: receiver.url, flushInterval: 60_000, spool: { dir } });
    try {
      // The running exporter sends the spooled batches itself; what matters is the refusal.
      for (const command of [["list"], ["drop", "x"], ["resend", "--url", receiver.url]]) {
        const [name, ...rest] = command;
        const result = await cli(["spool", name ?? "", dir, ...rest]);
        expect(result.code).toBe(3);
        expect(result.stderr).toContain("is used by another exporter");
      }
    } finally {
      await running.close();
    }
  });

  it("says so for a directory that does not exist, and does not create it", async () => {
    const missing = join(dir, "no-such-spool");
    const result = await cli(["spool", "list", missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no spool directory at ${missing}`);
    expect(existsSync(missing)).toBe(false);
  });

  it("answers usage errors with exit 2 and the help, and --help with 0", async () => {
    expect((await cli(["spool", "resend", dir])).code).toBe(2);
    expect((await cli(["spool", "explode", dir])).code).toBe(2);
    expect((await cli(["--bogus"])).code).toBe(2);
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: webhook-exporter spool <command> <dir>");
  });
});
