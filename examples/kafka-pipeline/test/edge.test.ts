// The edge's answers that need no broker: what it refuses before producing anything.
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { signTestWebhook } from "@org/webhook-verify/testing";
import { createEdge, type Edge } from "../src/edge.js";
import { MAX_BODY_BYTES } from "../src/limits.js";

const secret = "edge-test-secret";
let running: { edge: Edge; server: Server } | undefined;

afterEach(async () => {
  if (running === undefined) return;
  const { edge, server } = running;
  running = undefined;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await edge.close();
});

async function startEdge(sendTimeoutMs?: number): Promise<string> {
  // No broker listens there (the discard port, closed): nothing in these tests reaches Kafka.
  const edge = createEdge({ secret, bootstrapBrokers: ["127.0.0.1:9"], topic: "unused", sendTimeoutMs });
  const server = edge.app.listen(0, "127.0.0.1");
  await once(server, "listening");
  running = { edge, server };
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/webhook`;
}

describe("the edge", () => {
  it("answers a body over its limit 413 problem+json, so that the sender splits the batch rather than retry it", async () => {
    const url = await startEdge();
    const events =
      '{"kind":"feature","userKey":"u","creationDate":1,"key":"k","variation":"v","value":true,"default":false,"version":"1","source":"SERVER"},';
    const body = `{"meta":{},"events":[${events.repeat(Math.ceil((MAX_BODY_BYTES + 1) / events.length)).slice(0, -1)}]}`;
    const { headers } = await signTestWebhook({ secret, body });
    const response = await fetch(url, { method: "POST", headers, body });
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 413 });
  });

  it("answers 503 with Retry-After when Kafka cannot be reached in time, and is not wedged: the next batch gets its answer too", async () => {
    // The Kafka client waits for brokers it cannot reach without end; one send in flight would hold every later batch.
    const url = await startEdge(300);
    for (let attempt = 0; attempt < 2; attempt++) {
      const { body, headers } = await signTestWebhook({
        secret,
        body: { meta: { hostname: "edge-test" }, events: [] },
      });
      const response = await fetch(url, { method: "POST", headers, body });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(await response.json()).toMatchObject({ status: 503 });
    }
  }, 20_000);
});
