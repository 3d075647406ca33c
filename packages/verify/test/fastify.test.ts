import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { webhookPlugin } from "../src/fastify.js";
import { createMemoryReplayStore } from "../src/index.js";
import { body, hubHeaders, post, secret, signedHeaders } from "./helpers/requests.js";

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(options: Parameters<typeof webhookPlugin>[1], status = 200): Promise<string> {
  app = Fastify();
  // Registered at the root, as people do; only the route that opts in is verified.
  await app.register(webhookPlugin, options);
  app.post("/webhook", { config: { webhook: true } }, async (request, reply) =>
    reply.code(status).send({
      events: request.webhook?.payload.events.length,
      scheme: request.webhook?.scheme,
      body: (request.body as { events: unknown[] }).events.length,
    }),
  );
  // Routes that do not opt in keep Fastify's own JSON parser and run no check.
  app.post("/other", (request, reply) => reply.send({ parsed: request.body }));
  app.get("/health", (_request, reply) => reply.send({ ok: true }));
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  return address;
}

describe("webhookPlugin (Fastify)", () => {
  it("verifies the raw body and sets request.webhook", async () => {
    const base = await start({ secret });
    expect(await post(`${base}/webhook`, hubHeaders)).toEqual({
      status: 200,
      json: { events: 2, scheme: "hub", body: 2 },
    });
  });

  it("answers 401, 400 and 413 with the problem body, and leaves other routes alone", async () => {
    const base = await start({ secret, maxBodyBytes: 5000 });
    expect(await post(`${base}/webhook`, hubHeaders, body.toString().replace("ABCD", "ABCE"))).toMatchObject({
      status: 401,
      json: { code: "ERR_SIGNATURE_MISMATCH" },
    });
    expect(await post(`${base}/webhook`, { "content-type": "application/json" })).toMatchObject({
      status: 401,
      json: { code: "ERR_MISSING_SIGNATURE" },
    });
    expect((await post(`${base}/webhook`, hubHeaders, "x".repeat(6000))).status).toBe(413);
    expect(await post(`${base}/other`, { "content-type": "application/json" }, '{"a":1}')).toEqual({
      status: 200,
      json: { parsed: { a: 1 } },
    });
    const health = await fetch(`${base}/health`);
    expect({ status: health.status, json: (await health.json()) as unknown }).toEqual({
      status: 200,
      json: { ok: true },
    });
  });

  it("acknowledges a duplicate with 200, and processes the retry of a batch whose handler answered 5xx", async () => {
    let status = 503;
    app = Fastify();
    await app.register(webhookPlugin, { secret, replayStore: createMemoryReplayStore() });
    app.post("/webhook", { config: { webhook: true } }, async (_request, reply) => reply.code(status).send({}));
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    const headers = await signedHeaders("fastify-batch");
    expect((await post(`${base}/webhook`, headers)).status).toBe(503);
    status = 200;
    expect((await post(`${base}/webhook`, headers)).status).toBe(200);
    expect(await post(`${base}/webhook`, headers)).toEqual({ status: 200, json: { duplicate: true } });
  });
});
