import { createHmac } from "node:crypto";
import { sign as octokitSign, verify as octokitVerify } from "@octokit/webhooks-methods";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signatureVectors } from "@org/test-fixtures";
import { cryptoApis } from "./helpers/crypto-apis.js";

describe.each(cryptoApis)("signatures with %s", (_name, api) => {
  it.each(signatureVectors)("verifies the contract's vector for $name", async ({ secret, body, signature }) => {
    expect(await api.verifySignature({ secret, body, signature })).toBe(true);
    expect(await api.signPayload({ secret, body })).toBe(signature);
  });

  it.each(signatureVectors)(
    "accepts the vector's body as Uint8Array, ArrayBuffer and string ($name)",
    async ({ secret, body, signature }) => {
      const arrayBuffer = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
      expect(await api.verifySignature({ secret, body: new Uint8Array(body), signature })).toBe(true);
      expect(await api.verifySignature({ secret, body: arrayBuffer, signature })).toBe(true);
      expect(await api.verifySignature({ secret, body: body.toString("utf8"), signature })).toBe(true);
    },
  );

  it("hashes the raw bytes, so a BOM or invalid UTF-8 is not normalised away", async () => {
    const body = Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0xff, 0x7d]);
    const signature = `sha256=${createHmac("sha256", "s").update(body).digest("hex")}`;
    expect(await api.verifySignature({ secret: "s", body, signature })).toBe(true);
    expect(await api.verifySignature({ secret: "s", body: body.toString("utf8"), signature })).toBe(false);
  });

  const [vector] = signatureVectors;
  if (vector === undefined) throw new Error("no vectors");
  const hex = vector.signature.slice("sha256=".length);

  it.each([
    ["empty", ""],
    ["sha1 prefix", `sha1=${hex}`],
    ["uppercase prefix", `SHA256=${hex}`],
    ["63 hex digits", `sha256=${hex.slice(1)}`],
    ["65 hex digits", `sha256=${hex}0`],
    ["non-hex digit", `sha256=${hex.slice(1)}g`],
    ["two values joined", `${vector.signature}, ${vector.signature}`],
    ["leading space", ` ${vector.signature}`],
    ["trailing space", `${vector.signature} `],
    ["no prefix", hex],
    ["undefined", undefined],
    ["null", null],
  ])("returns false, not an exception, for a malformed header: %s", async (_case, signature) => {
    expect(await api.verifySignature({ secret: vector.secret, body: vector.body, signature })).toBe(false);
  });

  it("accepts uppercase hex digits of the right digest", async () => {
    const signature = `sha256=${hex.toUpperCase()}`;
    expect(await api.verifySignature({ secret: vector.secret, body: vector.body, signature })).toBe(true);
  });

  it("accepts any secret of a rotation and tells which one matched", async () => {
    const input = { body: vector.body, signature: vector.signature };
    expect(await api.findMatchingSecret({ ...input, secret: ["old", vector.secret, "other"] })).toBe(1);
    expect(await api.findMatchingSecret({ ...input, secret: ["old", "other"] })).toBe(-1);
    expect(await api.verifySignature({ ...input, secret: ["old", vector.secret] })).toBe(true);
  });

  it.each([
    ["an empty secret", ""],
    ["an empty list", []],
    ["an empty secret in a list", ["a", ""]],
    ["11 secrets", Array.from({ length: 11 }, (_, index) => `s${index}`)],
  ])("refuses %s as misuse", async (_case, secret) => {
    await expect(api.verifySignature({ secret, body: "x", signature: vector.signature })).rejects.toMatchObject({
      code: "ERR_WEBHOOK_CONFIG",
    });
  });

  it("never puts the secret or a digest in an error message", async () => {
    const error = await api
      .verifyWebhook({ secret: "top-secret", body: "{}", headers: { "x-hub-signature-256": vector.signature } })
      .then(
        () => new Error("accepted"),
        (caught: unknown) => caught as Error,
      );
    expect(error).toMatchObject({ code: "ERR_SIGNATURE_MISMATCH" });
    expect(error.message).not.toContain("top-secret");
    expect(error.message).not.toContain(hex);
  });

  it("verifies what it signs, and not after any single bit of body, digest or secret flips", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        async (secret, body, bitSeed) => {
          const signature = await api.signPayload({ secret, body });
          expect(await api.verifySignature({ secret, body, signature })).toBe(true);

          if (body.length > 0) {
            const flipped = Uint8Array.from(body);
            const bit = bitSeed % (body.length * 8);
            flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
            expect(await api.verifySignature({ secret, body: flipped, signature })).toBe(false);
          }

          const digest = Buffer.from(signature.slice(7), "hex");
          const digestBit = bitSeed % 256;
          digest[digestBit >> 3] = (digest[digestBit >> 3] ?? 0) ^ (1 << (digestBit & 7));
          expect(await api.verifySignature({ secret, body, signature: `sha256=${digest.toString("hex")}` })).toBe(
            false,
          );

          const secretBytes = Buffer.from(secret, "utf8");
          const secretBit = bitSeed % (secretBytes.length * 8);
          secretBytes[secretBit >> 3] = (secretBytes[secretBit >> 3] ?? 0) ^ (1 << (secretBit & 7));
          const otherSecret = secretBytes.toString("utf8");
          // Flipping a bit can make invalid UTF-8 that decodes back to the same string; skip only that case.
          if (otherSecret !== secret && otherSecret !== "") {
            expect(await api.verifySignature({ secret: otherSecret, body, signature })).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
    // Bounded by run count; the time limit only has to hold on a loaded 2-core machine.
  }, 60_000);

  it("interoperates with @octokit/webhooks-methods both ways", async () => {
    const body = '{"meta":{"hostname":"h"},"events":[]}';
    const theirs = await octokitSign("shared", body);
    expect(await api.verifySignature({ secret: "shared", body, signature: theirs })).toBe(true);
    const ours = await api.signPayload({ secret: "shared", body });
    expect(await octokitVerify("shared", body, ours)).toBe(true);
    expect(ours).toBe(theirs);
  });
});
