import { describe, expectTypeOf, it } from "vitest";
import type * as NodeEntry from "../src/index.js";
import type * as WebEntry from "../src/web.js";

describe("the Node and Web entries", () => {
  it("have the same signatures", () => {
    expectTypeOf<typeof NodeEntry.verifySignature>().toEqualTypeOf<typeof WebEntry.verifySignature>();
    expectTypeOf<typeof NodeEntry.signPayload>().toEqualTypeOf<typeof WebEntry.signPayload>();
    expectTypeOf<typeof NodeEntry.verifyWebhook>().toEqualTypeOf<typeof WebEntry.verifyWebhook>();
    expectTypeOf<typeof NodeEntry.createWebhookVerifier>().toEqualTypeOf<typeof WebEntry.createWebhookVerifier>();
    expectTypeOf<keyof typeof NodeEntry>().toEqualTypeOf<keyof typeof WebEntry>();
  });

  it("resolve verifySignature to a boolean promise", () => {
    expectTypeOf<ReturnType<typeof NodeEntry.verifySignature>>().toEqualTypeOf<Promise<boolean>>();
  });
});
