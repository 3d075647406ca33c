import { describe, expectTypeOf, it } from "vitest";
import type * as Entry from "../src/index.js";

describe("the entry's types", () => {
  it("resolve verifySignature to a boolean promise, whichever crypto the runtime has", () => {
    expectTypeOf<ReturnType<typeof Entry.verifySignature>>().toEqualTypeOf<Promise<boolean>>();
    expectTypeOf<ReturnType<typeof Entry.signPayload>>().toEqualTypeOf<Promise<string>>();
  });
});
