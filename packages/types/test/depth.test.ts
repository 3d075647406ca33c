import { describe, expect, it } from "vitest";
import { isValidEvent, MAX_JSON_DEPTH, nestsDeeperThan, safeParseEvent, safeParsePayload } from "../src/index.js";

/** Arrays nested `levels` deep: `[[[...]]]`, the outermost counting as level 1. */
function nested(levels: number): unknown {
  let value: unknown = [];
  for (let level = 1; level < levels; level++) value = [value];
  return value;
}

const feature = (value: unknown) => ({
  kind: "feature",
  contextKind: "user",
  userKey: "u",
  creationDate: 1,
  key: "flag",
  variation: "on",
  value,
  default: false,
  version: "",
  source: "SERVER",
});

describe("nesting deeper than Go's encoding/json reads", () => {
  it("counts levels as Go's scanner does, without overflowing the stack on 100,000", () => {
    expect(nestsDeeperThan(nested(10), 10)).toBe(false);
    expect(nestsDeeperThan(nested(11), 10)).toBe(true);
    expect(nestsDeeperThan({ a: { b: [1, { c: 2 }] } }, 4)).toBe(false);
    expect(nestsDeeperThan({ a: { b: [1, { c: {} }] } }, 4)).toBe(true);
    expect(nestsDeeperThan(nested(100_000), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan("text", 0)).toBe(false);
  });

  it("treats a circular structure as too deep, and ends", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(nestsDeeperThan(circular, MAX_JSON_DEPTH)).toBe(true);
  });

  it("refuses an event whose value would put its payload past 10,000 levels, and accepts one just within", () => {
    // The payload object, its events array and the event take three levels.
    const within = feature(nested(MAX_JSON_DEPTH - 3));
    const past = feature(nested(MAX_JSON_DEPTH - 2));
    expect(isValidEvent(within)).toBe(true);
    expect(safeParseEvent(within).success).toBe(true);
    expect(isValidEvent(past)).toBe(false);
    const result = safeParseEvent(past);
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(result.error.issues[0]?.path).toBe("/value");
      expect(result.error.issues[0]?.message).toMatch(/nested at most 10000 levels/);
    }
  });

  it("refuses it inside a payload, and in a tracking event's objects too", () => {
    const payload = { meta: {}, events: [feature(true), feature(nested(100_000))] };
    const result = safeParsePayload(payload);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues.map((issue) => issue.path)).toEqual(["/events/1/value"]);
    const tracking = {
      kind: "tracking",
      contextKind: "user",
      userKey: "u",
      creationDate: 1,
      key: "checkout",
      evaluationContext: {},
      trackingEventDetails: { deep: nested(MAX_JSON_DEPTH) },
    };
    expect(isValidEvent(tracking)).toBe(false);
    expect(safeParseEvent(tracking).success).toBe(false);
  });
});
