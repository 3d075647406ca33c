import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { WebhookVerificationError } from "@org/webhook-verify";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReceiverApp } from "../src/app.js";
import { createPostgresStore, type EventStore, type ReceiverStats } from "../src/postgres-store.js";
import { openPglite } from "../src/sql-client.js";
import { runSenderProcess } from "@org/test-fixtures/sender-process";
import { signTestWebhook } from "@org/webhook-verify/testing";
import { wireBody, wireFeatureEvent } from "@org/test-fixtures/wire-event";
import { chromiumPath, hasChromium, missingOutsideCi } from "@org/test-fixtures/system-tools";

const secret = "e2e-secret";
const refused: WebhookVerificationError[] = [];
let store: EventStore;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  // The receiver as `pnpm demo` runs it: PGlite in memory.
  store = await createPostgresStore(await openPglite(undefined));
  const app = createReceiverApp({ secret, store, onRefused: (error) => refused.push(error) });
  server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  baseUrl = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await store.close();
});

async function stats(): Promise<ReceiverStats> {
  return (await fetch(`${baseUrl}/stats`)).json() as Promise<ReceiverStats>;
}

async function post(headers: Record<string, string>, body: string): Promise<{ status: number; code: unknown }> {
  const response = await fetch(`${baseUrl}/webhook`, { method: "POST", headers, body });
  return { status: response.status, code: ((await response.json()) as { code?: unknown }).code };
}

describe("sender -> Express receiver", () => {
  it("delivers every evaluation exactly once, verified, with matching counts per flag and variation", async () => {
    const summary = await runSenderProcess({
      WEBHOOK_URL: `${baseUrl}/webhook`,
      WEBHOOK_SECRET: secret,
      FLUSH_INTERVAL: "300",
      DURATION_MS: "2000",
      EVALUATIONS_PER_SECOND: "3000",
      USERS: "1500",
    });
    const received = await stats();
    expect(summary.evaluations).toBeGreaterThan(1000);
    expect(summary.stats).toMatchObject({ dropped: 0, pending: 0 });
    expect(received.events).toBe(summary.evaluations);
    expect(received.duplicates).toBe(0);
    expect(received.flags).toEqual(summary.perFlag);
    expect(refused).toEqual([]);
  });

  it("acknowledges a replayed request once as a duplicate (also stripped of its Standard Webhooks headers), refuses a tampered body and a wrong secret (401)", async () => {
    const body = wireBody("e2e", [wireFeatureEvent("new-checkout", "enabled")]);
    const before = await stats();
    const genuine = (await signTestWebhook({ secret, body })).headers;
    expect(await post(genuine, body)).toEqual({ status: 200, code: undefined });
    expect(await post(genuine, body)).toEqual({ status: 200, code: undefined });
    const hubOnly = { "content-type": "application/json", "x-hub-signature-256": genuine["x-hub-signature-256"] ?? "" };
    for (let replay = 0; replay < 4; replay++)
      expect(await post({ ...hubOnly, "webhook-id": `any-${replay}` }, body)).toEqual({ status: 200, code: undefined });
    expect((await stats()).duplicates).toBe(before.duplicates + 5);
    expect(await post(genuine, body.replace("enabled", "disabled"))).toEqual({
      status: 401,
      code: "ERR_SIGNATURE_MISMATCH",
    });
    expect(await post((await signTestWebhook({ secret: "wrong", body })).headers, body)).toEqual({
      status: 401,
      code: "ERR_SIGNATURE_MISMATCH",
    });
    expect((await stats()).events).toBe(before.events + 1);
  });

  it("keeps working after signed events with hostile keys (__proto__, constructor)", async () => {
    const hostile = JSON.stringify({
      meta: { hostname: "e2e", __proto__: "x" },
      events: [
        wireFeatureEvent("__proto__", "polluted"),
        wireFeatureEvent("constructor", "keys"),
        wireFeatureEvent("toString", "__proto__"),
      ],
    });
    expect(await post((await signTestWebhook({ secret, body: hostile })).headers, hostile)).toEqual({
      status: 200,
      code: undefined,
    });
    const after = JSON.stringify({ meta: { hostname: "e2e" }, events: [wireFeatureEvent("new-checkout", "enabled")] });
    expect(await post((await signTestWebhook({ secret, body: after })).headers, after)).toEqual({
      status: 200,
      code: undefined,
    });
    const received = await stats();
    expect(received.flags.__proto__).toEqual({ polluted: 1 });
    expect(received.flags.constructor).toEqual({ keys: 1 });
    expect(Object.getPrototypeOf(received.flags)).toBe(Object.prototype);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe.skipIf(missingOutsideCi("chromium", hasChromium))("the live page in headless Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  afterAll(async () => {
    await browser.close();
  });

  it("shows the same counts as /stats, a row and a bar per variation", async () => {
    const page = await browser.newPage();
    await page.goto(baseUrl);
    const expected = await stats();
    await page.waitForFunction((events) => document.body.dataset.events === String(events), expected.events);
    const rows = await page.$$eval("#rows tr", (trs) =>
      trs.map((tr) => ({
        flag: tr.dataset.flag,
        variation: tr.dataset.variation,
        count: Number(tr.querySelector(".count")?.textContent),
        bar: tr.querySelector(".bar") !== null,
      })),
    );
    // Maps, as the receiver keeps them: a flag named "constructor" with a variation "keys" is data, not Object.keys.
    const shown = new Map<string, Map<string, number>>();
    for (const row of rows) {
      expect(row.bar).toBe(true);
      const counts = shown.get(row.flag ?? "") ?? new Map<string, number>();
      shown.set(row.flag ?? "", counts.set(row.variation ?? "", row.count));
    }
    expect(Object.fromEntries([...shown].map(([flag, counts]) => [flag, Object.fromEntries(counts)]))).toEqual(
      expected.flags,
    );
    if (process.env.SCREENSHOT_PATH !== undefined)
      await page.screenshot({ path: process.env.SCREENSHOT_PATH, fullPage: true });
    await page.close();
  });
});
