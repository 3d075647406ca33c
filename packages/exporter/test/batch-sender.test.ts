import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Batch } from "../src/batches/batch.js";
import { createBatchSender } from "../src/delivery/batch-sender.js";
import type { WebhookExporterError } from "../src/errors.js";
import { createObserver, type FlushInfo } from "../src/observe/observer.js";
import { resolveOptions } from "../src/config/options.js";
import { fakeTransport } from "./helpers/fake-transport.js";

const body = Buffer.from('{"meta":{},"events":[{"userKey":"u"}]}');
const batch = (): Batch & { body: Buffer } => ({ id: "batch-1", body, count: 1, attempts: 0 });

function setUp(statuses: number[], secret?: string) {
  const errors: WebhookExporterError[] = [];
  const flushes: FlushInfo[] = [];
  const transport = fakeTransport((_request, index) => statuses[index] ?? 200);
  const options = resolveOptions({
    endpointUrl: "http://user:pw@127.0.0.1:9/hook?token=t",
    secret,
    headers: { "X-Env": "prod" },
  });
  const sender = createBatchSender(
    options,
    transport,
    createObserver({ onError: (error) => errors.push(error), onFlush: (info) => flushes.push(info) }),
    new AbortController().signal,
  );
  return { sender, transport, errors, flushes };
}

describe("createBatchSender", () => {
  it("sends the same webhook-id and X-Hub-Signature-256 on every attempt, and signs the Standard Webhooks headers per attempt", async () => {
    const { sender, transport } = setUp([503, 200], "s3cret");
    const sent = batch();
    expect(await sender.attempt(sent)).toMatchObject({ kind: "retry", reason: "status" });
    expect(await sender.attempt(sent)).toEqual({ kind: "delivered" });
    const [first, second] = transport.requests.map((request) => request.headers);
    expect(first?.["webhook-id"]).toBe("batch-1");
    expect(second?.["webhook-id"]).toBe("batch-1");
    expect(first?.["x-hub-signature-256"]).toBe(`sha256=${createHmac("sha256", "s3cret").update(body).digest("hex")}`);
    expect(second?.["x-hub-signature-256"]).toBe(first?.["x-hub-signature-256"]);
    const timestamp = String(second?.["webhook-timestamp"]);
    expect(second?.["webhook-signature"]).toBe(
      `v1,${createHmac("sha256", "s3cret").update(`batch-1.${timestamp}.`).update(body).digest("base64")}`,
    );
    expect(first?.["x-env"]).toBe("prod");
    expect(first?.["content-type"]).toBe("application/json");
    expect(sent.attempts).toBe(2);
  });

  it("sends no signature headers without a secret", async () => {
    const { sender, transport } = setUp([200]);
    await sender.attempt(batch());
    expect(Object.keys(transport.requests[0]?.headers ?? {}).filter((name) => name.includes("signature"))).toEqual([]);
  });

  it("counts and reports failed attempts, and refusals, but not deliveries or 413 splits; never leaks URL credentials", async () => {
    const { sender, errors, flushes } = setUp([500, 401, 400, 413, 200]);
    for (let attempt = 0; attempt < 5; attempt++) await sender.attempt(batch());
    expect(errors.map((error) => [error.status, error.reason, error.permanent])).toEqual([
      [500, "status", false],
      [401, "unauthorized", true],
      [400, "status", true],
    ]);
    expect(sender.failedAttempts).toBe(3);
    expect(sender.lastError?.status).toBe(400);
    expect(errors.every((error) => !error.message.includes("pw") && !error.message.includes("token"))).toBe(true);
    expect(flushes.map((info) => info.delivered)).toEqual([false, false, false, false, true]);
  });
});
