import { describe, expectTypeOf, it } from "vitest";
import type { FeatureEvent, TrackingEvent, WebhookPayload } from "../src/index.js";
import { parsePayload } from "../src/index.js";

describe("derived types", () => {
  it("make the omitempty fields optional and the others required", () => {
    expectTypeOf<FeatureEvent["kind"]>().toEqualTypeOf<"feature">();
    expectTypeOf<FeatureEvent["creationDate"]>().toEqualTypeOf<number>();
    expectTypeOf<FeatureEvent>().toHaveProperty("contextKind");
    expectTypeOf<Pick<FeatureEvent, "metadata">>().toEqualTypeOf<{ metadata?: Record<string, unknown> }>();
    expectTypeOf<Pick<FeatureEvent, "version">>().toEqualTypeOf<{ version: string }>();
    expectTypeOf<TrackingEvent["evaluationContext"]>().toEqualTypeOf<Record<string, unknown> | null>();
  });

  it("narrow events by kind", () => {
    const payload = parsePayload({});
    expectTypeOf(payload).toEqualTypeOf<WebhookPayload>();
    const event = payload.events[0];
    if (event?.kind === "tracking") expectTypeOf(event).toEqualTypeOf<TrackingEvent>();
  });
});
