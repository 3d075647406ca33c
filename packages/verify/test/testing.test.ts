import { verify as octokitVerify } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { createFetchHandler } from "../src/fetch.js";
import { verifyWebhook } from "../src/index.js";
import { createTestWebhookRequest, signTestWebhook } from "../src/testing.js";

const payload = {
  meta: { hostname: "test" },
  events: [
    {
      kind: "feature",
      userKey: "u",
      creationDate: 1_700_000_000,
      key: "flag",
      variation: "on",
      value: true,
      default: false,
      version: "1",
      source: "SERVER",
    },
  ],
};

describe("signTestWebhook", () => {
  it("signs both schemes as the reference libraries check them", async () => {
    const secret = `whsec_${Buffer.from("test key").toString("base64")}`;
    const { body, headers } = await signTestWebhook({ secret, body: payload, id: "msg-1" });
    expect(body).toBe(JSON.stringify(payload));
    expect(await octokitVerify(secret, body, headers["x-hub-signature-256"] ?? "")).toBe(true);
    expect(new Webhook(secret).verify(body, headers)).toEqual(payload);
    expect(headers).toMatchObject({ "content-type": "application/json", "webhook-id": "msg-1" });
  });

  it("signs one scheme when asked, with the id and timestamp given", async () => {
    const hub = await signTestWebhook({ secret: "s", body: "{}", scheme: "hub" });
    expect(Object.keys(hub.headers).sort()).toEqual(["content-type", "x-hub-signature-256"]);
    const standard = await signTestWebhook({ secret: "s", body: "{}", scheme: "standard", id: "a", timestamp: 42 });
    expect(standard.headers).toMatchObject({ "webhook-id": "a", "webhook-timestamp": "42" });
    expect(standard.headers["x-hub-signature-256"]).toBeUndefined();
  });

  it("makes a timestamp outside the window testable: the verifier refuses it", async () => {
    const old = await signTestWebhook({ secret: "s", body: payload, scheme: "standard", timestamp: 1_000 });
    await expect(verifyWebhook({ secret: "s", ...old })).rejects.toMatchObject({ code: "ERR_TIMESTAMP_OUT_OF_RANGE" });
  });

  it("refuses a bad timestamp or an empty secret, naming the field", async () => {
    await expect(signTestWebhook({ secret: "s", body: "{}", timestamp: 1.5 })).rejects.toMatchObject({
      code: "ERR_WEBHOOK_CONFIG",
      field: "timestamp",
    });
    await expect(signTestWebhook({ secret: "", body: "{}" })).rejects.toMatchObject({ code: "ERR_WEBHOOK_CONFIG" });
  });
});

describe("createTestWebhookRequest", () => {
  it("is a Request a fetch-style handler accepts", async () => {
    const handler = createFetchHandler({ secret: "s" }, (webhook) =>
      Response.json({ events: webhook.payload.events.length }),
    );
    const response = await handler(
      await createTestWebhookRequest("http://localhost/webhook", { secret: "s", body: payload }),
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ events: 1 });
  });
});
