import express5 from "express";
import express4 from "express4";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryReplayStore, type WebhookVerificationError } from "../src/index.js";
import { webhookMiddleware } from "../src/express.js";
import { listen, type RunningServer } from "@org/test-fixtures/receiver";
import { body, hubHeaders, post, secret, signedHeaders } from "./helpers/requests.js";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type ExpressFactory = typeof express5;

describe.each([
  ["Express 5", express5],
  ["Express 4", express4],
])("webhookMiddleware in %s", (_name, express) => {
  async function start(setup: (app: ReturnType<ExpressFactory>) => void) {
    const app = express();
    setup(app);
    server = await listen(app);
    return `${server.url}/webhook`;
  }

  it("sets req.webhook and calls next() for a signed request", async () => {
    const url = await start((app) =>
      app.post("/webhook", webhookMiddleware({ secret }), (req, res) => {
        res.json({ events: req.webhook?.payload.events.length, scheme: req.webhook?.scheme });
      }),
    );
    expect(await post(url, hubHeaders)).toEqual({ status: 200, json: { events: 2, scheme: "hub" } });
  });

  it("answers 401 with a problem body for a wrong secret, and reports it to onError", async () => {
    const refused: WebhookVerificationError[] = [];
    const url = await start((app) =>
      app.post(
        "/webhook",
        webhookMiddleware({ secret: "wrong", onError: (error) => refused.push(error) }),
        (_req, res) => {
          res.end("handled");
        },
      ),
    );
    const answer = await post(url, hubHeaders);
    expect(answer).toEqual({
      status: 401,
      json: {
        type: "urn:webhook-verify:signature-mismatch",
        title: "Invalid webhook signature",
        status: 401,
        code: "ERR_SIGNATURE_MISMATCH",
      },
    });
    expect(refused.map((error) => error.code)).toEqual(["ERR_SIGNATURE_MISMATCH"]);
  });

  it("answers 400 for an invalid payload and 413 past maxBodyBytes", async () => {
    const url = await start((app) =>
      app.post("/webhook", webhookMiddleware({ secret, maxBodyBytes: 1000 }), (_req, res) => res.end()),
    );
    expect((await post(url, hubHeaders, body.toString().replace("hostname", "hostnam"))).status).toBe(401);
    expect((await post(url, hubHeaders, "x".repeat(2000))).status).toBe(413);
  });

  it("takes the Buffer that express.raw() leaves", async () => {
    const url = await start((app) =>
      app.post("/webhook", express.raw({ type: "application/json" }), webhookMiddleware({ secret }), (req, res) => {
        res.json({ events: req.webhook?.payload.events.length });
      }),
    );
    expect(await post(url, hubHeaders)).toEqual({ status: 200, json: { events: 2 } });
  });

  it("fails loudly, naming express.json(), when a JSON parser consumed the body", async () => {
    const url = await start((app) => {
      app.use(express.json());
      app.post("/webhook", webhookMiddleware({ secret }), (_req, res) => res.end());
      app.use(
        (
          error: Error & { code?: string },
          _req: unknown,
          res: { status(n: number): { json(v: unknown): void } },
          _next: unknown,
        ) => {
          res.status(500).json({ code: error.code, message: error.message });
        },
      );
    });
    const answer = await post(url, hubHeaders);
    expect(answer.status).toBe(500);
    expect(answer.json).toMatchObject({ code: "ERR_BODY_ALREADY_PARSED" });
    expect(String(answer.json?.message)).toContain("express.json()");
    // Every piece of advice works as written: express.raw() needs a limit above its 100 kB default.
    expect(String(answer.json?.message)).toContain('limit: "32mb"');
    // The snippet as test/advice.test-d.ts compiles it under strict TypeScript.
    expect(String(answer.json?.message)).toContain(
      'express.json({ limit: "32mb", verify: (req, _res, buf) => { (req as { rawBody?: Buffer }).rawBody = buf; } })',
    );
  });

  it("acknowledges a batch already processed as a duplicate (200), and processes the retry after the handler failed", async () => {
    let calls = 0;
    const url = await start((app) =>
      app.post("/webhook", webhookMiddleware({ secret, replayStore: createMemoryReplayStore() }), (_req, res) => {
        calls += 1;
        res.status(calls === 1 ? 503 : 204).end();
      }),
    );
    const headers = await signedHeaders("batch-7");
    expect((await post(url, headers)).status).toBe(503);
    expect((await post(url, headers)).status).toBe(204);
    expect(await post(url, headers)).toEqual({ status: 200, json: { duplicate: true } });
    expect(calls).toBe(2);
  });

  it("takes the bytes express.json({ verify }) kept in req.rawBody behind a global JSON parser", async () => {
    const url = await start((app) => {
      app.use(express.json({ limit: "32mb", verify: (req, _res, buf) => Object.assign(req, { rawBody: buf }) }));
      app.post("/webhook", webhookMiddleware({ secret }), (req, res) => {
        res.json({ events: req.webhook?.payload.events.length });
      });
    });
    expect(await post(url, hubHeaders)).toEqual({ status: 200, json: { events: 2 } });
  });
});

describe("webhookMiddleware options", () => {
  it("names a bad option when created", () => {
    expect(() => webhookMiddleware({ secret: "" })).toThrow(/secret must be a non-empty string/);
    expect(() => webhookMiddleware({ secret, onError: "log" as never })).toThrow(/onError/);
  });
});
