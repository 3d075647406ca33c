import express from "express";
import { describe, expectTypeOf, it } from "vitest";

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
