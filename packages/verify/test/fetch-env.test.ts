// Options as a function of the context (Cloudflare Workers' `env`): resolved once per env object, a
// replay store made inside the function is noticed, and a failing setup reaches onError safely.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createMemoryReplayStore, signPayload, type WebhookVerificationError } from "../src/index.js";
import { createFetchHandler, type WebhookAdapterOptions } from "../src/fetch.js";
import { withPagesWebhook } from "../src/next.js";
import { listen } from "@org/test-fixtures/receiver";
import { body, hubHeaders, post, secret, signedHeaders } from "./helpers/requests.js";

const request = (headers: Record<string, string>) =>
  new Request("http://127.0.0.1/webhook", { method: "POST", headers, body: new Uint8Array(body) });

let warnings: string[];
beforeEach(() => {
  warnings = [];
  vi.spyOn(process, "emitWarning").mockImplementation((warning: string | Error) => {
    warnings.push(String(warning));
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("createFetchHandler with options as a function of env", () => {
  it("resolves the options once per env object, however many requests", async () => {
    let resolved = 0;
    const handler = createFetchHandler(
      (env: { SECRET: string }) => {
        resolved += 1;
        return { secret: env.SECRET };
      },
      () => new Response(null, { status: 204 }),
    );
    const env = { SECRET: secret };
    // The first is processed; the rest are the same request again, acknowledged as duplicates.
    expect((await handler(request(hubHeaders), env)).status).toBe(204);
    for (let index = 0; index < 49; index++) expect((await handler(request(hubHeaders), env)).status).toBe(200);
    expect(resolved).toBe(1);
    await handler(request(hubHeaders), { SECRET: secret });
    expect(resolved).toBe(2);
  });

  it("keeps the replay store the function made for an env: the same request twice is processed once", async () => {
    let processed = 0;
    const handler = createFetchHandler(
      (env: { SECRET: string }) => ({ secret: env.SECRET, replayStore: createMemoryReplayStore() }),
      () => {
        processed += 1;
        return new Response(null, { status: 204 });
      },
    );
    const env = { SECRET: secret };
    const headers = await signedHeaders("batch-env-1");
    expect((await handler(request(headers), env)).status).toBe(204);
    expect((await handler(request(headers), env)).status).toBe(200);
    expect(processed).toBe(1);
  });

  it("warns, once, when the function returns a different replay store for another env", async () => {
    const handler = createFetchHandler(
      (env: { SECRET: string }) => ({ secret: env.SECRET, replayStore: createMemoryReplayStore() }),
      () => new Response(null, { status: 204 }),
    );
    for (let index = 0; index < 3; index++) await handler(request(hubHeaders), { SECRET: secret });
    const about = warnings.filter((warning) => warning.includes("replayStore"));
    expect(about).toHaveLength(1);
    expect(about[0]).toMatch(/outside/);
  });

  it("tells onError when the options it returns are bad, and a throwing onError does not reject", async () => {
    const codes: string[] = [];
    const handler = createFetchHandler(
      (): WebhookAdapterOptions => ({
        secret: "",
        onError: (error: WebhookVerificationError) => {
          codes.push(error.code);
          throw new Error("onError itself fails");
        },
      }),
      () => new Response(null, { status: 204 }),
    );
    const response = await handler(request(hubHeaders));
    expect(response.status).toBe(500);
    expect(codes).toEqual(["ERR_WEBHOOK_CONFIG"]);
  });

  it("answers 500 when the function itself throws, and serves once it no longer does", async () => {
    let ready = false;
    const handler = createFetchHandler(
      (env: { SECRET?: string }) => {
        if (!ready) throw new Error("env not bound yet");
        return { secret: env.SECRET ?? "" };
      },
      () => new Response(null, { status: 204 }),
    );
    const env = { SECRET: secret };
    expect((await handler(request(hubHeaders), env)).status).toBe(500);
    ready = true;
    expect((await handler(request(hubHeaders), env)).status).toBe(204);
  });
});

describe("a lazy Node adapter whose options fail", () => {
  it("answers 500, tells onError, and a throwing onError does not make the listener reject", async () => {
    const codes: string[] = [];
    const listener = withPagesWebhook(
      {
        secret: "",
        onError: (error: WebhookVerificationError) => {
          codes.push(error.code);
          throw new Error("onError itself fails");
        },
      },
      () => undefined,
    );
    const server = await listen((req, res) => void listener(req, res));
    try {
      expect((await post(server.url, hubHeaders)).status).toBe(500);
      expect(codes).toEqual(["ERR_WEBHOOK_CONFIG"]);
    } finally {
      await server.close();
    }
  });
});

describe("a signed payload nested deeper than Go's encoding/json reads", () => {
  it("is refused with a 400 (not retried) without calling the handler, and the sender's isolation can act on it", async () => {
    let deep = "[]";
    for (let level = 0; level < 100_000; level++) deep = `[${deep}]`;
    const payload = `{"meta":{"hostname":"h"},"events":[{"kind":"feature","contextKind":"user","userKey":"u","creationDate":1,"key":"f","variation":"on","value":${deep},"default":false,"version":"","source":"SERVER"}]}`;
    let called = 0;
    const handler = createFetchHandler({ secret }, () => {
      called += 1;
      return new Response(null, { status: 204 });
    });
    const bytes = new TextEncoder().encode(payload);
    const response = await handler(
      new Request("http://127.0.0.1/webhook", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": await signPayload({ body: bytes, secret }),
        },
        body: bytes,
      }),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe("ERR_INVALID_PAYLOAD");
    expect(called).toBe(0);
  });
});

describe("replay protection by default", () => {
  it("an adapter given no replay store processes a captured request once, and replayStore: false turns it off", async () => {
    let processed = 0;
    const handle = () => {
      processed += 1;
      return new Response(null, { status: 204 });
    };
    const protectedHandler = createFetchHandler({ secret }, handle);
    for (let index = 0; index < 3; index++) await protectedHandler(request(hubHeaders));
    expect(processed).toBe(1);
    const open = createFetchHandler({ secret, replayStore: false }, handle);
    for (let index = 0; index < 3; index++) await open(request(hubHeaders));
    expect(processed).toBe(4);
  });

  it("the default store, when full, forgets the oldest processed requests rather than refusing new ones", async () => {
    const store = createMemoryReplayStore({ maxEntries: 4, whenFull: "forget-oldest" });
    for (let index = 0; index < 6; index++) {
      const claim = await store.claim([`id:${index}`], 60);
      expect(claim.state).toBe("claimed");
      await store.commit([{ key: `id:${index}`, ttlSeconds: 600 }]);
    }
    expect((await store.claim(["id:5"], 60)).state).toBe("committed");
    expect((await store.claim(["id:0"], 60)).state).toBe("claimed");
    expect(warnings.filter((warning) => warning.includes("forgets the oldest"))).toHaveLength(1);
    const refusing = createMemoryReplayStore({ maxEntries: 1 });
    await refusing.claim(["a"], 60);
    await expect(refusing.claim(["b"], 60)).rejects.toThrow(/live keys/);
  });
});
