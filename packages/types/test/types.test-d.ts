import { describe, expectTypeOf, it } from "vitest";
import type {
  FeatureEvent,
  InferShape,
  TrackingEvent,
  WebhookPayload,
  featureEventShape,
  trackingEventShape,
} from "../src/index.js";
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

describe("the documented event interfaces", () => {
  it("are the shapes' own types, so the validator, the JSON Schema and the types cannot disagree", () => {
    expectTypeOf<FeatureEvent>().toExtend<InferShape<typeof featureEventShape>>();
    expectTypeOf<InferShape<typeof featureEventShape>>().toExtend<FeatureEvent>();
    expectTypeOf<TrackingEvent>().toExtend<InferShape<typeof trackingEventShape>>();
    expectTypeOf<InferShape<typeof trackingEventShape>>().toExtend<TrackingEvent>();
    expectTypeOf<keyof FeatureEvent>().toEqualTypeOf<keyof InferShape<typeof featureEventShape>>();
    expectTypeOf<keyof TrackingEvent>().toEqualTypeOf<keyof InferShape<typeof trackingEventShape>>();
  });

  it("offer the documented context kinds and accept any other string, as Go does", () => {
    expectTypeOf<"anonymousUser">().toExtend<NonNullable<FeatureEvent["contextKind"]>>();
    expectTypeOf<"organization">().toExtend<NonNullable<TrackingEvent["contextKind"]>>();
  });
});
