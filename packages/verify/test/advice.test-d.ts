import express from "express";
import { describe, expectTypeOf, it } from "vitest";
import { signTestWebhook } from "../src/testing.js";

describe("the code ERR_BODY_ALREADY_PARSED suggests", () => {
  it("compiles under strict TypeScript, as written in the message", () => {
    const parser = express.json({
      limit: "32mb",
      verify: (req, _res, buf) => {
        (req as { rawBody?: Buffer }).rawBody = buf;
      },
    });
    expectTypeOf(parser).toBeFunction();
  });
});

describe("the README's signTestWebhook snippet", () => {
  it("passes an object payload's body and headers to fetch as they are", async () => {
    const payload = { meta: { hostname: "test" }, events: [] };
    const { body, headers } = await signTestWebhook({ secret: "test-secret", body: payload });
    expectTypeOf(body).toEqualTypeOf<string>();
    const send = () => fetch("http://127.0.0.1:3000/webhook", { method: "POST", headers, body });
    expectTypeOf(send).returns.resolves.toEqualTypeOf<Response>();
  });

  it("gives bytes back with the type they were given", async () => {
    const bytes = new TextEncoder().encode("{}");
    const signed = await signTestWebhook({ secret: "test-secret", body: bytes });
    expectTypeOf(signed.body).toEqualTypeOf<typeof bytes>();
    const send = () => fetch("http://127.0.0.1:3000/webhook", { method: "POST", body: signed.body });
    expectTypeOf(send).returns.resolves.toEqualTypeOf<Response>();
  });
});
