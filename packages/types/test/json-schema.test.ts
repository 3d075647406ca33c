import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gffTwoEventsBody } from "@org/test-fixtures";
import { nearlyValidEvent } from "@org/test-fixtures/awkward-events";
import { jsonSchemaFiles, payloadJsonSchema, safeParsePayload } from "../src/index.js";

const ajv = new Ajv2020({ strict: false });
const validateWithSchema = ajv.compile(payloadJsonSchema);

describe("committed JSON Schema", () => {
  it.each(Object.keys(jsonSchemaFiles))("schema/%s matches what the validators' shapes generate", (name) => {
    const committed: unknown = JSON.parse(readFileSync(new URL(`../schema/${name}`, import.meta.url), "utf8"));
    expect(committed, "run `pnpm --filter @org/webhook-types schema:write`").toEqual(jsonSchemaFiles[name]);
  });
});

/** Events near the valid ones: every field replaced by a random JSON value, or removed. */
const mutatedEvent = nearlyValidEvent();

describe("JSON Schema and validators", () => {
  it("agree on GO Feature Flag's payload", () => {
    const payload: unknown = JSON.parse(gffTwoEventsBody.toString("utf8"));
    expect(validateWithSchema(payload)).toBe(true);
    expect(safeParsePayload(payload).success).toBe(true);
  });

  it("agree on thousands of valid and invalid events", () => {
    fc.assert(
      fc.property(
        fc.array(mutatedEvent, { maxLength: 3 }),
        fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
        (events, meta) => {
          const payload = { meta, events };
          expect(safeParsePayload(payload).success).toBe(validateWithSchema(payload));
        },
      ),
      { numRuns: 3000 },
    );
    // Bounded by run count; the time limit only has to hold on a loaded 2-core machine.
  }, 60_000);
});
