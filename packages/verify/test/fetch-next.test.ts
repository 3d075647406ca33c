import { afterEach, describe, expect, it } from "vitest";
import { createMemoryReplayStore } from "../src/index.js";
import { createFetchHandler } from "../src/fetch.js";
import { withPagesWebhook, withWebhook } from "../src/next.js";
import { createNodeWebhookHandler } from "../src/node.js";
import { listen, type RunningServer } from "@org/test-fixtures/receiver";
import { fetchListener } from "./helpers/http.js";
import { body, hubHeaders, post, secret, signedHeaders } from "./helpers/requests.js";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each([
  ["createFetchHandler", createFetchHandler],
  ["withWebhook (App Router)", withWebhook],
])("%s", (_name, wrap) => {
  it("calls the handler with the verified webhook, over real HTTP", async () => {
    const handler = wrap({ secret }, (webhook) => Response.json({ events: webhook.payload.events.length }));
    server = await listen(fetchListener((request) => handler(request, undefined)));
    expect(await post(server.url, hubHeaders)).toEqual({ status: 200, json: { events: 2 } });
  });

  it("answers 401 for a tampered body and 413 past maxBodyBytes", async () => {
    const handler = wrap({ secret, maxBodyBytes: 5000 }, () => new Response(null, { status: 204 }));
    server = await listen(fetchListener((request) => handler(request, undefined)));
    expect(await post(server.url, hubHeaders, body.toString().replace("YO2", "YO3"))).toMatchObject({
      status: 401,
      json: { code: "ERR_SIGNATURE_MISMATCH" },
    });
    expect((await post(server.url, hubHeaders, "x".repeat(6000))).status).toBe(413);
  });

  it("releases the batch id when the handler throws, so the retry is processed", async () => {
    let calls = 0;
    const handler = wrap({ secret, replayStore: createMemoryReplayStore() }, () => {
      calls += 1;
      if (calls === 1) throw new Error("database down");
      return new Response(null, { status: 204 });
    });
    server = await listen(fetchListener((request) => handler(request, undefined)));
    const headers = await signedHeaders("batch-9");
    expect(await post(server.url, headers)).toMatchObject({ status: 500, json: { code: "ERR_HANDLER_FAILED" } });
    expect((await post(server.url, headers)).status).toBe(204);
    expect(await post(server.url, headers)).toEqual({ status: 200, json: { duplicate: true } });
  });

  it("answers 500 for a body that was already read, and tells onError it is misuse", async () => {
    const errors: string[] = [];
    const handler = wrap({ secret, onError: (error) => errors.push(error.code) }, () => new Response(null));
    const request = new Request("http://127.0.0.1/", {
      method: "POST",
      headers: hubHeaders,
      body: new Uint8Array(body),
    });
    await request.text();
    expect((await handler(request)).status).toBe(500);
    expect(errors).toEqual(["ERR_BODY_ALREADY_PARSED"]);
  });

  it("answers 413 naming the limit when the runtime kept less of the body than was sent (Next's Edge runtime)", async () => {
    const handler = wrap({ secret }, () => new Response(null));
    const truncated = new Request("http://127.0.0.1/", {
      method: "POST",
      headers: { ...hubHeaders, "content-length": String(body.length + 1000) },
      body: new Uint8Array(body),
    });
    const response = await handler(truncated);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: "ERR_BODY_TOO_LARGE" });
  });

  it("checks its options on the first request, not at import: a missing secret answers 500", async () => {
    const errors: string[] = [];
    const handler = wrap(
      { secret: process.env.UNSET_WEBHOOK_SECRET as unknown as string, onError: (error) => errors.push(error.code) },
      () => new Response(null),
    );
    const response = await handler(
      new Request("http://127.0.0.1/", { method: "POST", headers: hubHeaders, body: new Uint8Array(body) }),
    );
    expect(response.status).toBe(500);
    expect(errors).toEqual(["ERR_WEBHOOK_CONFIG"]);
  });
});

describe("withPagesWebhook (Pages Router)", () => {
  it("verifies a request whose body parser is off", async () => {
    const handler = withPagesWebhook({ secret }, (webhook, _req, res) => {
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ events: webhook.payload.events.length }));
    });
    server = await listen((req, res) => void handler(req, res));
    expect(await post(server.url, hubHeaders)).toEqual({ status: 200, json: { events: 2 } });
  });

  it("answers 500 and tells onError ERR_BODY_ALREADY_PARSED when Next parsed the body", async () => {
    const errors: Error[] = [];
    const handler = withPagesWebhook({ secret, onError: (error) => errors.push(error) }, () => undefined);
    server = await listen((req, res) => {
      Object.assign(req, { body: { meta: {} } });
      void handler(req, res);
    });
    expect((await post(server.url, hubHeaders)).status).toBe(500);
    expect(errors[0]).toMatchObject({ code: "ERR_BODY_ALREADY_PARSED" });
    expect(errors[0]?.message).toContain("bodyParser: false");
  });

  it("does not throw at import when the secret is not set (next build in CI)", () => {
    expect(() =>
      withPagesWebhook({ secret: process.env.UNSET_WEBHOOK_SECRET as unknown as string }, () => undefined),
    ).not.toThrow();
    expect(() =>
      withWebhook({ secret: process.env.UNSET_WEBHOOK_SECRET as unknown as string }, () => new Response(null)),
    ).not.toThrow();
  });
});

describe("createNodeWebhookHandler", () => {
  it("serves node:http directly and refuses a missing signature", async () => {
    const handler = createNodeWebhookHandler({ secret }, (webhook, _req, res) => {
      res.end(String(webhook.payload.events.length));
    });
    server = await listen((req, res) => void handler(req, res));
    const ok = await fetch(server.url, { method: "POST", headers: hubHeaders, body: new Uint8Array(body) });
    expect(await ok.text()).toBe("2");
    expect(await post(server.url, { "content-type": "application/json" })).toMatchObject({
      status: 401,
      json: { code: "ERR_MISSING_SIGNATURE" },
    });
  });
});
