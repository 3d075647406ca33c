import { afterEach, describe, expect, it, vi } from "vitest";
import { createFeatureEvent, createTrackingEvent, WebhookValidationError } from "../src/index.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("createFeatureEvent", () => {
  it("fills the contract's defaults, keys in wire order", () => {
    vi.useFakeTimers({ now: new Date("2026-01-01T00:00:01.900Z") });
    const event = createFeatureEvent({ userKey: "u", key: "flag" });
    expect(Object.keys(event)).toEqual([
      "kind",
      "contextKind",
      "userKey",
      "creationDate",
      "key",
      "variation",
      "value",
      "default",
      "version",
      "source",
    ]);
    expect(event).toEqual({
      kind: "feature",
      contextKind: "user",
      userKey: "u",
      creationDate: 1_767_225_601,
      key: "flag",
      variation: "SdkDefault",
      value: null,
      default: false,
      version: "",
      source: "SERVER",
    });
  });

  it("marks an anonymous context and keeps metadata last", () => {
    const event = createFeatureEvent({
      userKey: "u",
      key: "f",
      anonymous: true,
      variation: "on",
      value: { a: 1 },
      metadata: { env: "prod" },
      creationDate: 5,
    });
    expect(event.contextKind).toBe("anonymousUser");
    expect(Object.keys(event).at(-1)).toBe("metadata");
  });

  it("omits empty metadata and an empty contextKind", () => {
    const event = createFeatureEvent({ userKey: "u", key: "f", contextKind: "", metadata: {} });
    expect("metadata" in event).toBe(false);
    expect("contextKind" in event).toBe(false);
  });

  it("refuses a creationDate in milliseconds", () => {
    expect(() => createFeatureEvent({ userKey: "u", key: "f", creationDate: Date.now() })).toThrow(
      WebhookValidationError,
    );
  });
});

describe("createTrackingEvent", () => {
  it("fills null context and details, and reads anonymous from the context", () => {
    const plain = createTrackingEvent({ userKey: "u", key: "buy", creationDate: 10 });
    expect(plain).toEqual({
      kind: "tracking",
      contextKind: "user",
      userKey: "u",
      creationDate: 10,
      key: "buy",
      evaluationContext: null,
      trackingEventDetails: null,
    });
    const anonymous = createTrackingEvent({ userKey: "u", key: "buy", evaluationContext: { anonymous: true } });
    expect(anonymous.contextKind).toBe("anonymousUser");
  });
});
