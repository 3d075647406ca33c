import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { deriveSecretKeys, hubSigning, standardSigning, type SecretKeys } from "@org/webhook-types";
import { signatureVectors } from "@org/test-fixtures";
import { signWith } from "../src/wire/signer.js";

function keysOf(secret: string): SecretKeys {
  const keys = deriveSecretKeys(secret);
  if ("error" in keys) throw new Error(keys.error);
  return keys;
}

describe("signWith", () => {
  it.each(signatureVectors)("gives the contract's X-Hub-Signature-256 vector for $name", async (vector) => {
    expect(await signWith(hubSigning, keysOf(vector.secret), vector.body)).toBe(vector.signature);
  });

  it("gives a webhook-signature the Standard Webhooks reference library accepts, whsec_ secret included", async () => {
    const secret = `whsec_${Buffer.from("a standard webhooks key").toString("base64")}`;
    const body = Buffer.from('{"meta":{},"events":[]}');
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = await signWith(standardSigning, keysOf(secret), body, {
      id: "batch-1",
      timestampText: String(timestamp),
    });
    const headers = { "webhook-id": "batch-1", "webhook-timestamp": String(timestamp), "webhook-signature": signature };
    expect(new Webhook(secret).verify(body.toString(), headers)).toEqual({ meta: {}, events: [] });
  });

  it("signs a body of several slices exactly as one HMAC over the whole", async () => {
    // Slices are 8 MiB: this body takes three.
    const body = Buffer.alloc(2.5 * 8 * 1024 * 1024 + 7, 0x61);
    const expected = `sha256=${createHmac("sha256", "s").update(body).digest("hex")}`;
    expect(await signWith(hubSigning, keysOf("s"), body)).toBe(expected);
  });
});
