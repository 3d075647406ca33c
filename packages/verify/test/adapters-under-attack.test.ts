import { connect } from "node:net";
import express from "express";
import Fastify from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { webhookMiddleware } from "../src/express.js";
import { webhookPlugin } from "../src/fastify.js";
import { createFetchHandler } from "../src/fetch.js";
import { createMemoryReplayStore, type VerifiedWebhook, type WebhookVerificationError } from "../src/index.js";
import type { WebhookAdapterOptions } from "../src/adapter.js";
import { withPagesWebhook, withWebhook } from "../src/next.js";
import { createNodeWebhookHandler } from "../src/node.js";
import { listen } from "@org/test-fixtures/receiver";
import { fetchListener } from "./helpers/http.js";
import { body, hubHeaders, post, secret, signedHeaders } from "./helpers/requests.js";

/** What the user's handler does. */
type Behaviour = "ok" | "throw" | "reject" | "hang";

interface Started {
  url: string;
  errors: WebhookVerificationError[];
  calls: VerifiedWebhook[];
  close(): Promise<void>;
}

type Start = (options: WebhookAdapterOptions, behaviour: () => Behaviour) => Promise<Started>;

/** Runs the behaviour: answers 200, throws, rejects, or never finishes. */
async function act(behaviour: Behaviour): Promise<void> {
  if (behaviour === "throw") throw new Error("the database is down");
  if (behaviour === "reject") await Promise.reject(new Error("the database is down"));
  if (behaviour === "hang") await new Promise(() => undefined);
}

function collector(options: WebhookAdapterOptions) {
  const errors: WebhookVerificationError[] = [];
  const calls: VerifiedWebhook[] = [];
  return { errors, calls, options: { ...options, onError: (error: WebhookVerificationError) => errors.push(error) } };
}

const adapters: [string, Start][] = [
  [
    "node:http",
    async (options, behaviour) => {
      const { errors, calls, options: withErrors } = collector(options);
      const handler = createNodeWebhookHandler(withErrors, async (webhook, _req, res) => {
        calls.push(webhook);
        await act(behaviour());
        res.writeHead(200).end("{}");
      });
      // As node:http users write it: the listener's promise is dropped.
      const server = await listen((req, res) => void handler(req, res));
      return { url: server.url, errors, calls, close: () => server.close() };
    },
  ],
  [
    "Express",
    async (options, behaviour) => {
      const { errors, calls, options: withErrors } = collector(options);
      const app = express();
      app.post("/", webhookMiddleware(withErrors), async (req, res) => {
        if (req.webhook !== undefined) calls.push(req.webhook);
        await act(behaviour());
        res.json({});
      });
      const server = await listen(app);
      return { url: server.url, errors, calls, close: () => server.close() };
    },
  ],
  [
    "Fastify",
    async (options, behaviour) => {
      const { errors, calls, options: withErrors } = collector(options);
      const app = Fastify();
      await app.register(webhookPlugin, withErrors);
      app.post("/", { config: { webhook: true } }, async (request) => {
        if (request.webhook !== undefined) calls.push(request.webhook);
        await act(behaviour());
        return {};
      });
      const url = await app.listen({ port: 0, host: "127.0.0.1" });
      return { url, errors, calls, close: () => app.close() };
    },
  ],
  [
    "fetch",
    async (options, behaviour) => {
      const { errors, calls, options: withErrors } = collector(options);
      const handler = createFetchHandler(withErrors, async (webhook) => {
        calls.push(webhook);
        await act(behaviour());
        return Response.json({});
      });
      const server = await listen(fetchListener((request) => handler(request)));
      return { url: server.url, errors, calls, close: () => server.close() };
    },
  ],
  [
    "Next App Router",
    async (options, behaviour) => {
      const { errors, calls, options: withErrors } = collector(options);
      const handler = withWebhook(withErrors, async (webhook) => {
        calls.push(webhook);
        await act(behaviour());
        return Response.json({});
      });
      const server = await listen(fetchListener((request) => handler(request)));
      return { url: server.url, errors, calls, close: () => server.close() };
    },
  ],
  [
    "Next Pages Router",
    async (options, behaviour) => {
      const { errors, calls, options: withErrors } = collector(options);
      const handler = withPagesWebhook(withErrors, async (webhook, _req, res) => {
        calls.push(webhook);
        await act(behaviour());
        res.writeHead(200).end("{}");
      });
      const server = await listen((req, res) => void handler(req, res));
      return { url: server.url, errors, calls, close: () => server.close() };
    },
  ],
];

const nodeAdapters = adapters.filter(([name]) => !["fetch", "Next App Router"].includes(name));

let running: Started | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

/**
 * Opens a raw connection and sends the headers of a body announced as `announced` bytes; once the server
 * has parsed them (it answers `100 Continue`), sends `sent` bytes of it. Resolves when they are sent.
 */
async function partialRequest(url: string, announced: number, sent: number) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let answer = "";
  socket.on("data", (chunk: Buffer) => {
    answer += chunk.toString();
  });
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve) =>
    socket.once("close", () => {
      resolve();
    }),
  );
  socket.write(
    `POST / HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n` +
      `X-Hub-Signature-256: ${hubHeaders["x-hub-signature-256"] ?? ""}\r\nContent-Length: ${announced}\r\n\r\n`,
  );
  await until(() => answer.includes("100 Continue"));
  socket.write(body.subarray(0, sent));
  return { socket, closed, answer: () => answer.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, "") };
}

async function until(condition: () => boolean, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(adapters)("%s under attack", (_name, start) => {
  it("survives a client that sends part of the body and hangs up, and keeps serving", async () => {
    running = await start({ secret }, () => "ok");
    for (const hangUp of ["end", "reset"] as const) {
      const client = await partialRequest(running.url, body.length, 40);
      if (hangUp === "reset") client.socket.resetAndDestroy();
      else client.socket.destroy();
      await client.closed;
    }
    await until(() => running?.errors.length === 2);
    expect(running.errors.map((error) => error.code)).toEqual(["ERR_BODY_INCOMPLETE", "ERR_BODY_INCOMPLETE"]);
    expect((await post(running.url, hubHeaders)).status).toBe(200);
    expect(running.calls).toHaveLength(1);
  }, 15_000);

  it.each(["throw", "reject"] as const)(
    "answers 500 when the handler %ss, tells onError, and keeps serving",
    async (behaviour) => {
      let next: Behaviour = behaviour;
      running = await start({ secret }, () => next);
      const answer = await post(running.url, hubHeaders);
      expect(answer.status).toBe(500);
      expect(JSON.stringify(answer.json ?? {})).not.toContain("database");
      // Express hands a route's error to its own error handler, which the middleware never sees.
      if (_name !== "Express") {
        await until(() => running?.errors.length === 1);
        expect(running.errors[0]).toMatchObject({
          code: "ERR_HANDLER_FAILED",
          cause: expect.objectContaining({ message: "the database is down" }) as Error,
        });
      }
      next = "ok";
      expect((await post(running.url, hubHeaders)).status).toBe(200);
    },
  );

  it("cannot be replayed around: stripped of its Standard Webhooks headers, or under another webhook-id, a request is a duplicate", async () => {
    running = await start({ secret, replayStore: createMemoryReplayStore() }, () => "ok");
    const captured = await signedHeaders("captured");
    expect((await post(running.url, captured)).status).toBe(200);
    const hubOnly = {
      "content-type": "application/json",
      "x-hub-signature-256": captured["x-hub-signature-256"] ?? "",
    };
    for (let replay = 0; replay < 5; replay++) {
      expect(await post(running.url, hubOnly)).toEqual({ status: 200, json: { duplicate: true } });
      expect(await post(running.url, { ...hubOnly, "webhook-id": `forged-${replay}` })).toEqual({
        status: 200,
        json: { duplicate: true },
      });
      expect(await post(running.url, captured)).toEqual({ status: 200, json: { duplicate: true } });
    }
    expect(running.calls).toHaveLength(1);
  });

  it("releases a request whose handler failed, so that the sender's retry is processed, then acknowledges the duplicate", async () => {
    let next: Behaviour = "throw";
    running = await start({ secret, replayStore: createMemoryReplayStore() }, () => next);
    const headers = await signedHeaders("retried");
    expect((await post(running.url, headers)).status).toBe(500);
    next = "ok";
    expect((await post(running.url, headers)).status).toBe(200);
    expect(await post(running.url, headers)).toEqual({ status: 200, json: { duplicate: true } });
    expect(running.calls).toHaveLength(2);
  });

  it("answers a retry 503 with Retry-After while the first delivery still holds its claim, and processes it once the lease ends", async () => {
    let next: Behaviour = "hang";
    running = await start({ secret, replayStore: createMemoryReplayStore(), claimLeaseSeconds: 1 }, () => next);
    const headers = await signedHeaders("stuck");
    const stuck = new AbortController();
    const first = fetch(running.url, {
      method: "POST",
      headers,
      body: new Uint8Array(body),
      signal: stuck.signal,
    }).catch(() => undefined);
    await until(() => running?.calls.length === 1);
    next = "ok";
    // The handler is still running (the receiver may be dying): the retry must not be counted delivered.
    const during = await fetch(running.url, { method: "POST", headers, body: new Uint8Array(body) });
    expect(during.status).toBe(503);
    expect(Number(during.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    stuck.abort();
    await first;
    let answer = await post(running.url, headers);
    for (let tries = 0; answer.status === 503 && tries < 40; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await post(running.url, headers);
    }
    expect(answer.status).toBe(200);
    expect(running.calls).toHaveLength(2);
  }, 15_000);
});

describe.each(nodeAdapters)("%s with a slow client", (_name, start) => {
  it("answers 408 when the body does not arrive within bodyTimeoutMs, and frees the socket", async () => {
    running = await start({ secret, bodyTimeoutMs: 200 }, () => "ok");
    const client = await partialRequest(running.url, body.length, 10);
    const started = performance.now();
    await client.closed;
    expect(performance.now() - started).toBeLessThan(3000);
    expect(client.answer()).toMatch(/^HTTP\/1\.1 408/);
    await until(() => running?.errors.length === 1);
    expect(running.errors[0]?.code).toBe("ERR_BODY_TIMEOUT");
  }, 15_000);
});
