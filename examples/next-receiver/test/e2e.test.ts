import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { once } from "node:events";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@org/test-fixtures/free-port";
import { runSenderProcess } from "@org/test-fixtures/sender-process";
import { signTestWebhook } from "@org/webhook-verify/testing";
import { wireFeatureEvent } from "@org/test-fixtures/wire-event";

const secret = "next-e2e-secret";
const appDir = new URL("..", import.meta.url).pathname;
const require = createRequire(import.meta.url);
const nextBin = require.resolve("next/dist/bin/next");
let server: ChildProcess;
let baseUrl: string;

interface Stats {
  events: number;
  duplicates: number;
  flags: Record<string, Record<string, number>>;
}

beforeAll(async () => {
  // `next build` normally ran already (turbo builds before testing); a bare `vitest run` builds here.
  if (!existsSync(`${appDir}.next/BUILD_ID`))
    execFileSync(process.execPath, [nextBin, "build"], { cwd: appDir, stdio: "inherit" });
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${String(port)}`;
  server = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: appDir,
    env: { ...process.env, WEBHOOK_SECRET: secret, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  for (let waited = 0; ; waited += 100) {
    if (waited > 60_000) throw new Error("next start did not answer");
    const up = await fetch(`${baseUrl}/api/webhook`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
afterAll(async () => {
  server.kill("SIGTERM");
  if (server.exitCode === null) await once(server, "exit");
});

describe.each([
  ["App Router, Node.js runtime", "/api/webhook"],
  ["App Router, Edge runtime", "/api/webhook-edge"],
  ["Pages Router", "/api/webhook-pages"],
])("sender -> Next.js (%s)", (_name, path) => {
  it("delivers every evaluation exactly once, verified, with the sender's counts", async () => {
    const summary = await runSenderProcess({
      WEBHOOK_URL: `${baseUrl}${path}`,
      WEBHOOK_SECRET: secret,
      FLUSH_INTERVAL: "300",
      DURATION_MS: "1500",
      EVALUATIONS_PER_SECOND: "2000",
    });
    const stats = (await (await fetch(`${baseUrl}${path}`)).json()) as Stats;
    expect(summary.stats.dropped).toBe(0);
    expect(stats.events).toBe(summary.evaluations);
    expect(stats.duplicates).toBe(0);
    expect(stats.flags).toEqual(summary.perFlag);
  });

  it("acknowledges a replayed request as a duplicate (200), refuses a tampered body and a wrong secret (401)", async () => {
    const body = JSON.stringify({
      meta: { hostname: "e2e" },
      events: [
        {
          kind: "feature",
          userKey: "u",
          creationDate: 1_767_225_600,
          key: "k",
          variation: "v",
          value: 1,
          default: false,
          version: "",
          source: "SERVER",
        },
      ],
    });
    const post = async (headers: Record<string, string>, payload: string) => {
      const response = await fetch(`${baseUrl}${path}`, { method: "POST", headers, body: payload });
      return { status: response.status, code: ((await response.json()) as { code?: string }).code };
    };
    const genuine = (await signTestWebhook({ secret, body })).headers;
    expect(await post(genuine, body)).toEqual({ status: 200, code: undefined });
    expect(await post(genuine, body)).toEqual({ status: 200, code: undefined });
    const hubOnly = { "content-type": "application/json", "x-hub-signature-256": genuine["x-hub-signature-256"] ?? "" };
    expect(await post({ ...hubOnly, "webhook-id": "forged" }, body)).toEqual({ status: 200, code: undefined });
    expect(await post(genuine, body.replace('"v"', '"w"'))).toEqual({ status: 401, code: "ERR_SIGNATURE_MISMATCH" });
    expect(await post((await signTestWebhook({ secret: "wrong", body })).headers, body)).toEqual({
      status: 401,
      code: "ERR_SIGNATURE_MISMATCH",
    });
  });

  it("keeps working after signed events with hostile keys (__proto__, constructor)", async () => {
    const send = async (events: object[]) => {
      const body = JSON.stringify({ meta: { hostname: "e2e" }, events });
      return (
        await fetch(`${baseUrl}${path}`, {
          method: "POST",
          headers: (await signTestWebhook({ secret, body })).headers,
          body,
        })
      ).status;
    };
    expect(await send([wireFeatureEvent("__proto__", "polluted"), wireFeatureEvent("constructor", "keys")])).toBe(200);
    expect(await send([wireFeatureEvent("after", "fine")])).toBe(200);
    const stats = (await (await fetch(`${baseUrl}${path}`)).json()) as Stats;
    expect(stats.flags.constructor).toEqual({ keys: 1 });
    expect(stats.flags.after).toEqual({ fine: 1 });
  });
});

describe("a genuine batch larger than the Edge runtime keeps (10 MB)", () => {
  it("is answered 413 naming the limit on the Edge route, and accepted on the Node.js route", async () => {
    // About 12 MB: 60,000 events, as GO Feature Flag sends a large flush.
    const events = Array.from({ length: 60_000 }, (_, index) =>
      wireFeatureEvent(`flag-${String(index % 7)}`, "on", { userKey: `user-${String(index)}-${"x".repeat(80)}` }),
    );
    const body = JSON.stringify({ meta: { hostname: "e2e" }, events });
    expect(body.length).toBeGreaterThan(11 * 1024 * 1024);
    const post = async (path: string) => {
      const response = await fetch(`${baseUrl}${path}`, {
        method: "POST",
        headers: (await signTestWebhook({ secret, body })).headers,
        body,
      });
      return { status: response.status, json: (await response.json()) as { code?: string; detail?: string } };
    };
    const edge = await post("/api/webhook-edge");
    expect(edge.status).toBe(413);
    expect(edge.json.code).toBe("ERR_BODY_TOO_LARGE");
    expect(edge.json.detail).toContain("10 MB");
    expect((await post("/api/webhook")).status).toBe(200);
  });
});
