import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { gffTwoEventsBody, signatureVectors } from "@org/test-fixtures";
import * as nodeApi from "../src/index.js";
import { cryptoApis } from "./helpers/crypto-apis.js";

const body = gffTwoEventsBody;
const hubVector = signatureVectors.find((vector) => vector.body.equals(gffTwoEventsBody));
if (hubVector === undefined) throw new Error("the two-event vector is missing");
const hubHeaders = { "x-hub-signature-256": hubVector.signature };
const secret = hubVector.secret;
const whsecSecret = `whsec_${Buffer.from("a standard webhooks key").toString("base64")}`;

afterEach(() => {
  vi.useRealTimers();
});

describe.each(cryptoApis)("verifyWebhook with %s", (_name, api) => {
  async function standardHeaders(
    options: { id?: string; timestamp?: number; key?: string; payload?: Uint8Array } = {},
  ) {
    const id = options.id ?? "batch-1";
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const signature = await api.signStandardWebhook({
      secret: options.key ?? secret,
      id,
      timestamp,
      body: options.payload ?? body,
    });
    return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature };
  }

  function codeOf(promise: Promise<unknown>) {
    return promise.then(
      () => "accepted",
      (error: unknown) => (error instanceof nodeApi.WebhookVerificationError ? error.code : String(error)),
    );
  }

  it("returns the validated payload of GO Feature Flag's vector (hub scheme)", async () => {
    const result = await api.verifyWebhook({ secret, body, headers: hubHeaders });
    expect(result.scheme).toBe("hub");
    expect(result.payload.events).toHaveLength(2);
    expect(result.secretIndex).toBe(0);
  });

  it("reads headers from a Fetch Headers object and from mixed-case records", async () => {
    await expect(api.verifyWebhook({ secret, body, headers: new Headers(hubHeaders) })).resolves.toMatchObject({
      scheme: "hub",
    });
    await expect(
      api.verifyWebhook({ secret, body, headers: { "X-Hub-Signature-256": hubVector.signature } }),
    ).resolves.toMatchObject({
      scheme: "hub",
    });
  });

  it.each([
    ["no signature header", {}, "ERR_MISSING_SIGNATURE"],
    ["a malformed signature", { "x-hub-signature-256": "sha256=abc" }, "ERR_MALFORMED_SIGNATURE"],
    [
      "two signature headers",
      { "x-hub-signature-256": [hubVector.signature, hubVector.signature] },
      "ERR_MALFORMED_SIGNATURE",
    ],
    ["another secret's signature", { "x-hub-signature-256": `sha256=${"0".repeat(64)}` }, "ERR_SIGNATURE_MISMATCH"],
  ])("refuses %s", async (_case, headers, code) => {
    expect(await codeOf(api.verifyWebhook({ secret, body, headers }))).toBe(code);
  });

  it("refuses a tampered body with ERR_SIGNATURE_MISMATCH", async () => {
    const tampered = Buffer.from(body.toString("utf8").replace("ABCD", "ABCE"));
    expect(await codeOf(api.verifyWebhook({ secret, body: tampered, headers: hubHeaders }))).toBe(
      "ERR_SIGNATURE_MISMATCH",
    );
  });

  it("refuses a correctly signed body that is not a valid payload", async () => {
    for (const bad of ["not json", '{"meta":{},"events":[{"kind":"feature"}]}']) {
      const signature = await api.signPayload({ secret, body: bad });
      const error = await api
        .verifyWebhook({ secret, body: bad, headers: { "x-hub-signature-256": signature } })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "ERR_INVALID_PAYLOAD" });
    }
  });

  it("refuses a body over maxBodyBytes before hashing it", async () => {
    expect(await codeOf(api.verifyWebhook({ secret, body, headers: hubHeaders, maxBodyBytes: 10 }))).toBe(
      "ERR_BODY_TOO_LARGE",
    );
  });

  it("checks Standard Webhooks headers when present, and tells the scheme", async () => {
    const result = await api.verifyWebhook({ secret, body, headers: { ...hubHeaders, ...(await standardHeaders()) } });
    expect(result).toMatchObject({ scheme: "standard", id: "batch-1" });
    expect(typeof result.timestamp).toBe("number");
  });

  it("refuses a timestamp outside the tolerance, either way", async () => {
    // A frozen clock: signing is async, and a second boundary crossed in between would move the window.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(1_750_000_000_500);
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 301, now + 301]) {
      expect(await codeOf(api.verifyWebhook({ secret, body, headers: await standardHeaders({ timestamp }) }))).toBe(
        "ERR_TIMESTAMP_OUT_OF_RANGE",
      );
    }
    expect(
      await codeOf(api.verifyWebhook({ secret, body, headers: await standardHeaders({ timestamp: now - 299 }) })),
    ).toBe("accepted");
    const old = await standardHeaders({ timestamp: now - 3000 });
    expect(await codeOf(api.verifyWebhook({ secret, body, headers: old, toleranceSeconds: 3600 }))).toBe("accepted");
  });

  it("refuses a standard signature over another id (ids are signed)", async () => {
    const headers = { ...(await standardHeaders({ id: "batch-1" })), "webhook-id": "batch-2" };
    expect(await codeOf(api.verifyWebhook({ secret, body, headers }))).toBe("ERR_SIGNATURE_MISMATCH");
  });

  it.each([
    ["webhook-id", ""],
    ["webhook-timestamp", "12.5"],
    ["webhook-signature", "v1,short"],
    ["webhook-signature", "v2,abc"],
  ])("refuses a malformed %s %j", async (header, value) => {
    const headers = { ...(await standardHeaders()), [header]: value };
    expect(await codeOf(api.verifyWebhook({ secret, body, headers }))).toBe("ERR_MALFORMED_SIGNATURE");
  });

  it("accepts one good signature among several, and skips other versions and malformed entries", async () => {
    const headers = await standardHeaders();
    headers["webhook-signature"] =
      `v1a,ignored v1,short v1,${Buffer.alloc(32).toString("base64")} ${headers["webhook-signature"]}`;
    expect(await codeOf(api.verifyWebhook({ secret, body, headers }))).toBe("accepted");
  });

  it("honours scheme: hub ignores standard headers, standard requires them", async () => {
    const standard = await standardHeaders();
    expect(await codeOf(api.verifyWebhook({ secret, body, headers: standard, scheme: "hub" }))).toBe(
      "ERR_MISSING_SIGNATURE",
    );
    expect(await codeOf(api.verifyWebhook({ secret, body, headers: hubHeaders, scheme: "standard" }))).toBe(
      "ERR_MISSING_SIGNATURE",
    );
  });

  it("claims, then commits: a duplicate once committed, in progress while claimed, processed again once released", async () => {
    const replayStore = nodeApi.createMemoryReplayStore();
    const headers = await standardHeaders({ id: "once" });
    const first = await api.verifyWebhook({ secret, body, headers, replayStore });
    await expect(api.verifyWebhook({ secret, body, headers, replayStore })).rejects.toMatchObject({
      code: "ERR_REPLAY_IN_PROGRESS",
      retryAfterSeconds: 60,
    });
    await first.release();
    const retry = await api.verifyWebhook({ secret, body, headers, replayStore });
    await retry.commit();
    expect(await codeOf(api.verifyWebhook({ secret, body, headers, replayStore }))).toBe("ERR_REPLAYED");
  });

  it("knows a request by its body's digest: stripped of its Standard Webhooks headers, or under another webhook-id, it is a duplicate", async () => {
    const replayStore = nodeApi.createMemoryReplayStore();
    const standard = await standardHeaders({ id: "original" });
    const signedBoth = { ...hubHeaders, ...standard };
    const verified = await api.verifyWebhook({ secret, body, headers: signedBoth, replayStore });
    expect(verified.digest).toBe(hubVector.signature.slice("sha256=".length));
    await verified.commit();
    for (const replay of [
      hubHeaders,
      { ...hubHeaders, "webhook-id": "another" },
      { ...hubHeaders, "webhook-id": "original" },
    ]) {
      expect(await codeOf(api.verifyWebhook({ secret, body, headers: replay, replayStore }))).toBe("ERR_REPLAYED");
    }
  });

  it("never takes an unsigned webhook-id as the identity of a hub-only request", async () => {
    const verified = await api.verifyWebhook({ secret, body, headers: { ...hubHeaders, "webhook-id": "forged" } });
    expect(verified).toMatchObject({ scheme: "hub", id: undefined });
  });

  it("fails closed when the replay store throws", async () => {
    const replayStore = {
      claim: () => Promise.reject(new Error("redis down")),
      commit: () => Promise.resolve(),
      release: () => Promise.resolve(),
    };
    expect(await codeOf(api.verifyWebhook({ secret, body, headers: await standardHeaders(), replayStore }))).toBe(
      "ERR_REPLAY_STORE_UNAVAILABLE",
    );
  });

  it.each([undefined, null, { meta: {}, events: [] }, 42])(
    "refuses a body that is not raw bytes (%j) by name",
    async (notRaw) => {
      expect(await codeOf(api.verifyWebhook({ secret, body: notRaw as never, headers: hubHeaders }))).toBe(
        "ERR_BODY_NOT_RAW",
      );
      await expect(
        api.verifySignature({ secret, body: notRaw as never, signature: hubVector.signature }),
      ).rejects.toMatchObject({ code: "ERR_BODY_NOT_RAW" });
    },
  );

  it("interoperates with the standardwebhooks package both ways, whsec_ secrets included", async () => {
    const theirs = new Webhook(whsecSecret);
    const timestamp = new Date();
    const theirSignature = theirs.sign("msg_1", timestamp, body.toString("utf8"));
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": theirSignature,
    };
    expect(await codeOf(api.verifyWebhook({ secret: whsecSecret, body, headers }))).toBe("accepted");

    const ours = await standardHeaders({ id: "msg_2", key: whsecSecret });
    expect(theirs.verify(body.toString("utf8"), ours)).toMatchObject({ meta: { hostname: "hostname" } });
  });

  it.each([
    [{ toleranceSeconds: 0 }, "toleranceSeconds"],
    [{ maxBodyBytes: -1 }, "maxBodyBytes"],
    [{ scheme: "hmac" }, "scheme"],
    [{ replayStore: {} }, "replayStore"],
    [{ secrets: "x" }, "secrets"],
    [{ secret: "whsec_***" }, "secret"],
  ])("names the bad option %j", (options, field) => {
    expect(() => api.createWebhookVerifier({ secret, ...options } as nodeApi.WebhookVerifierOptions)).toThrow(
      expect.objectContaining({ code: "ERR_WEBHOOK_CONFIG", field }) as Error,
    );
  });
});

describe("createMemoryReplayStore", () => {
  it("keeps a claim for its lease and a commit for its ttl", async () => {
    let now = 0;
    const store = nodeApi.createMemoryReplayStore({ now: () => now });
    expect(await store.claim(["a"], 10)).toMatchObject({ state: "claimed" });
    expect(await store.claim(["a"], 10)).toEqual({ state: "in-progress", retryAfterSeconds: 10 });
    now = 10_001;
    const again = await store.claim(["a", "b"], 10);
    expect(again).toMatchObject({ state: "claimed" });
    await store.commit([
      { key: "a", ttlSeconds: 100 },
      { key: "b", ttlSeconds: 5 },
    ]);
    expect(await store.claim(["b"], 10)).toEqual({ state: "committed" });
    now += 6_000;
    expect(await store.claim(["a", "c"], 10)).toEqual({ state: "committed" });
    expect(await store.claim(["b"], 10)).toMatchObject({ state: "claimed" });
  });

  it("releases only the claims made under its token, never a commit", async () => {
    const store = nodeApi.createMemoryReplayStore();
    const first = await store.claim(["a"], 10);
    await store.release(["a"], "someone else's");
    expect(await store.claim(["a"], 10)).toMatchObject({ state: "in-progress" });
    if (first.state !== "claimed") throw new Error("not claimed");
    await store.release(["a"], first.token);
    expect(await store.claim(["a"], 10)).toMatchObject({ state: "claimed" });
    await store.commit([{ key: "a", ttlSeconds: 10 }]);
    await store.release(["a"], first.token);
    expect(await store.claim(["a"], 10)).toEqual({ state: "committed" });
  });

  it("evicts only expired keys, and refuses a new request when every key is live (never reopening a window)", async () => {
    let now = 0;
    const store = nodeApi.createMemoryReplayStore({ maxEntries: 2, now: () => now });
    await store.commit([
      { key: "a", ttlSeconds: 300 },
      { key: "b", ttlSeconds: 10 },
    ]);
    await expect(store.claim(["c"], 10)).rejects.toThrow(/maxEntries/);
    expect(await store.claim(["a"], 10)).toEqual({ state: "committed" });
    now = 10_001;
    expect(await store.claim(["c"], 10)).toMatchObject({ state: "claimed" });
    expect(await store.claim(["a"], 10)).toEqual({ state: "committed" });
  });
});
