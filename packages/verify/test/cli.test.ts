import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen, type RunningServer } from "@org/test-fixtures/receiver";
import { parseHeaderDump, runVerifyCli } from "../src/cli.js";
import { createNodeWebhookHandler } from "../src/node.js";
import { body, secret } from "./helpers/requests.js";

const env = { WEBHOOK_SECRET: secret };

async function run(argv: string[], input: Buffer = body, variables: Record<string, string> = env) {
  let stdout = "";
  let stderr = "";
  const code = await runVerifyCli(argv, {
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
    env: variables,
    readStdin: () => Promise.resolve(input),
  });
  return { code, stdout, stderr };
}

let dir: string;
let server: RunningServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "verify-cli-"));
  writeFileSync(join(dir, "body.json"), body);
  const handle = createNodeWebhookHandler({ secret }, (webhook, _req, res) => {
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ events: webhook.payload.events.length }));
  });
  server = await listen((req, res) => void handle(req, res));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("webhook-verify sign", () => {
  it("prints headers of both schemes that the reference library accepts", async () => {
    const result = await run(["sign", join(dir, "body.json"), "--id", "msg-1"]);
    expect(result.code).toBe(0);
    const headers = parseHeaderDump(result.stdout);
    expect(headers["webhook-id"]).toBe("msg-1");
    expect(headers["x-hub-signature-256"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(new Webhook(Buffer.from(secret).toString("base64")).verify(body.toString(), headers)).toBeTruthy();
    expect(result.stdout).not.toContain(secret);
  });

  it("reads stdin, prints JSON with --json, and refuses to run without the secret", async () => {
    const json = await run(["sign", "--json", "--scheme", "hub"]);
    expect(Object.keys(JSON.parse(json.stdout) as object).sort()).toEqual(["content-type", "x-hub-signature-256"]);
    const missing = await run(["sign"], body, {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("$WEBHOOK_SECRET is not set");
  });
});

describe("webhook-verify send", () => {
  it("POSTs the body signed and shows the answer", async () => {
    const result = await run(["send", `${server.url}/webhook`, join(dir, "body.json")]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("HTTP 200");
    expect(result.stdout).toContain('{"events":2}');
  });

  it("exits 1 on a refusal or no answer", async () => {
    const refused = await run(["send", `${server.url}/webhook`, join(dir, "body.json")], body, {
      WEBHOOK_SECRET: "wrong",
    });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("HTTP 401");
    const nobody = await run(["send", "http://127.0.0.1:9/webhook", join(dir, "body.json")]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain("no answer");
  });
});

describe("webhook-verify verify", () => {
  async function capture(headers: Record<string, string>, bodyText: string | Buffer = body) {
    writeFileSync(join(dir, "captured.json"), bodyText);
    writeFileSync(
      join(dir, "headers.txt"),
      `POST /webhook HTTP/1.1\r\n${Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}`)
        .join("\r\n")}\r\n`,
    );
    return run(["verify", "--body", join(dir, "captured.json"), "--headers", join(dir, "headers.txt")]);
  }

  it("says a genuine request is valid", async () => {
    const signed = parseHeaderDump((await run(["sign", join(dir, "body.json")])).stdout);
    const result = await capture(signed);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toMatch(/^valid: 2 events, standard scheme, webhook-id /);
  });

  it("says exactly why a request fails", async () => {
    const signed = parseHeaderDump((await run(["sign", join(dir, "body.json")])).stdout);
    const tampered = await capture(signed, body.toString().replace("1", "2"));
    expect(tampered).toMatchObject({ code: 1 });
    expect(tampered.stdout).toContain("invalid: ERR_SIGNATURE_MISMATCH");
    const old = parseHeaderDump((await run(["sign", join(dir, "body.json"), "--timestamp", "1000"])).stdout);
    expect((await capture(old)).stdout).toContain("invalid: ERR_TIMESTAMP_OUT_OF_RANGE");
    expect((await capture({ "content-type": "application/json" })).stdout).toContain("invalid: ERR_MISSING_SIGNATURE");
  });

  it("takes headers as a JSON object too", () => {
    expect(parseHeaderDump('{"X-Hub-Signature-256": "sha256=ab"}')).toEqual({ "x-hub-signature-256": "sha256=ab" });
  });
});

describe("the webhook-verify command", () => {
  it("runs as its own process: --help exits 0, a usage error 2", { timeout: 20_000 }, async () => {
    const bin = new URL("../dist/cli-bin.js", import.meta.url).pathname;
    const runBin = (args: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(process.execPath, [bin, ...args], (error, stdout) => {
          resolve({ code: error === null ? 0 : Number(error.code), stdout });
        });
      });
    const help = await runBin(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: webhook-verify <command>");
    expect((await runBin(["explode"])).code).toBe(2);
    expect((await runBin(["sign", "--nope"])).code).toBe(2);
    expect((await runBin(["sign", "--id"])).code).toBe(2); // an option without its value
  });
});
