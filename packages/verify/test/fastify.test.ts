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
  await app.register(async (scope) => {
    await scope.register(webhookPlugin, options);
    scope.post("/webhook", async (request, reply) => reply.code(status).send({ events: request.webhook?.payload.events.length, scheme: request.webhook?.scheme }));
  });
  // A route outside the scope keeps Fastify's own JSON parser.
  app.post("/other", (request, reply) => reply.send({ parsed: request.body }));
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  return address;
}

describe("webhookPlugin (Fastify)", () => {
  it("verifies the raw body and sets request.webhook", async () => {
    const base = await start({ secret });
    expect(await post(`${base}/webhook`, hubHeaders)).toEqual({ status: 200, json: { events: 2, scheme: "hub" } });
  });

  it("answers 401, 400 and 413 with the problem body, and leaves other scopes alone", async () => {
    const base = await start({ secret, maxBodyBytes: 5000 });
    expect(await post(`${base}/webhook`, hubHeaders, body.toString().replace("ABCD", "ABCE"))).toMatchObject({ status: 401, json: { code: "ERR_SIGNATURE_MISMATCH" } });
    expect(await post(`${base}/webhook`, { "content-type": "application/json" })).toMatchObject({ status: 401, json: { code: "ERR_MISSING_SIGNATURE" } });
    expect((await post(`${base}/webhook`, hubHeaders, "x".repeat(6000))).status).toBe(413);
    expect(await post(`${base}/other`, { "content-type": "application/json" }, '{"a":1}')).toEqual({ status: 200, json: { parsed: { a: 1 } } });
  });

  it("refuses a replay with 409, and accepts the retry of a batch whose handler answered 5xx", async () => {
    const base = await start({ secret, replayStore: createMemoryReplayStore() }, 503);
    const headers = await signedHeaders("fastify-batch");
    expect((await post(`${base}/webhook`, headers)).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await post(`${base}/webhook`, headers)).status).toBe(503);
    const fresh = await signedHeaders("fastify-other");
    await app?.close();
    const again = await start({ secret, replayStore: createMemoryReplayStore() });
    expect((await post(`${again}/webhook`, fresh)).status).toBe(200);
    expect(await post(`${again}/webhook`, fresh)).toMatchObject({ status: 409, json: { code: "ERR_REPLAYED" } });
  });
});
