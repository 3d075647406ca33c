import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gffTwoEventsBody } from "@org/test-fixtures";
import { nearlyValidEvent } from "@org/test-fixtures/awkward-events";
import {
  deriveSecretKeys,
  isValidEvent,
  isValidFeatureEvent,
  isValidTrackingEvent,
  MAX_REPORTED_ISSUES,
  parseEvent,
  parsePayload,
  safeParseEvent,
  safeParsePayload,
  WebhookValidationError,
} from "../src/index.js";

const featureEvent = {
  kind: "feature",
  contextKind: "user",
  userKey: "u1",
  creationDate: 1_700_000_000,
  key: "flag",
  variation: "on",
  value: true,
  default: false,
  version: "1",
  source: "SERVER",
};
const trackingEvent = {
  kind: "tracking",
  userKey: "u1",
  creationDate: 1_700_000_000,
  key: "checkout",
  evaluationContext: { targetingKey: "u1" },
  trackingEventDetails: null,
};

function issuesOf(input: unknown) {
  const result = safeParsePayload(input);
  if (result.success) throw new Error("expected the payload to be refused");
  return result.error.issues;
}

function payloadWith(event: Record<string, unknown>) {
  return { meta: { hostname: "h" }, events: [event] };
}

describe("parsePayload", () => {
  it("accepts GO Feature Flag's own two-event payload", () => {
    const payload = parsePayload(JSON.parse(gffTwoEventsBody.toString("utf8")));
    expect(payload.meta.hostname).toBe("hostname");
    expect(payload.events.map((event) => event.userKey)).toEqual(["ABCD", "EFGH"]);
  });

  it("accepts both kinds of event and returns the input itself", () => {
    const input = { meta: {}, events: [featureEvent, trackingEvent] };
    expect(parsePayload(input)).toBe(input);
  });

  it("keeps unknown keys on the payload and on events", () => {
    const input = { meta: {}, extra: 1, events: [{ ...featureEvent, futureField: "x" }] };
    const payload = parsePayload(input) as unknown as { extra: number; events: { futureField: string }[] };
    expect(payload.extra).toBe(1);
    expect(payload.events[0]?.futureField).toBe("x");
  });

  it("accepts an absent contextKind and metadata, and a null value", () => {
    const { contextKind: _omitted, ...rest } = featureEvent;
    expect(safeParsePayload(payloadWith({ ...rest, value: null })).success).toBe(true);
  });

  it.each([
    ["userKey", 1, "/events/0/userKey", "a string"],
    ["contextKind", 5, "/events/0/contextKind", "a string"],
    ["key", null, "/events/0/key", "a string"],
    ["variation", false, "/events/0/variation", "a string"],
    ["default", "false", "/events/0/default", "a boolean"],
    ["version", 1, "/events/0/version", "a string"],
    ["source", [], "/events/0/source", "a string"],
    ["metadata", [], "/events/0/metadata", "an object"],
    ["metadata", null, "/events/0/metadata", "an object"],
    ["creationDate", "1700000000", "/events/0/creationDate", "a non-negative integer of Unix seconds"],
    ["creationDate", 1.5, "/events/0/creationDate", "a non-negative integer of Unix seconds"],
    ["creationDate", -1, "/events/0/creationDate", "a non-negative integer of Unix seconds"],
    ["kind", "other", "/events/0/kind", '"feature" or "tracking"'],
  ])("refuses a feature event whose %s is %j", (key, value, path, expected) => {
    const [issue] = issuesOf(payloadWith({ ...featureEvent, [key]: value }));
    expect(issue).toMatchObject({ path, expected });
  });

  it.each([
    ["evaluationContext", "ctx", "an object or null"],
    ["evaluationContext", [], "an object or null"],
    ["trackingEventDetails", 3, "an object or null"],
  ])("refuses a tracking event whose %s is %j", (key, value, expected) => {
    const [issue] = issuesOf(payloadWith({ ...trackingEvent, [key]: value }));
    expect(issue).toMatchObject({ path: `/events/0/${key}`, expected });
  });

  it.each(["kind", "userKey", "creationDate", "key", "variation", "value", "default", "version", "source"])(
    "refuses a feature event without its required key %s",
    (key) => {
      const event: Record<string, unknown> = { ...featureEvent };
      delete event[key];
      const issues = issuesOf(payloadWith(event));
      expect(issues[0]?.path).toBe(`/events/0/${key}`);
    },
  );

  it.each(["userKey", "creationDate", "key", "evaluationContext", "trackingEventDetails"])(
    "refuses a tracking event without its required key %s",
    (key) => {
      const event: Record<string, unknown> = { ...trackingEvent };
      delete event[key];
      expect(issuesOf(payloadWith(event))[0]?.path).toBe(`/events/0/${key}`);
    },
  );

  it("says that a creationDate in milliseconds looks like milliseconds", () => {
    const [issue] = issuesOf(payloadWith({ ...featureEvent, creationDate: 1_700_000_000_000 }));
    expect(issue?.path).toBe("/events/0/creationDate");
    expect(issue?.received).toMatch(/milliseconds/);
  });

  it("refuses a payload that is not an object, or lacks meta or events", () => {
    expect(issuesOf([])[0]).toMatchObject({ path: "" });
    expect(issuesOf({ events: [] })[0]).toMatchObject({ path: "/meta" });
    expect(issuesOf({ meta: {}, events: {} })[0]).toMatchObject({ path: "/events" });
  });

  it("refuses a meta value that is not a string, escaping the key in the pointer", () => {
    expect(issuesOf({ meta: { "a/b~c": 1 }, events: [] })[0]?.path).toBe("/meta/a~1b~0c");
  });

  it("reports every issue with its own pointer", () => {
    const issues = issuesOf({ meta: {}, events: [featureEvent, { ...featureEvent, key: 1, default: "no" }, 7] });
    expect(issues.map((issue) => issue.path)).toEqual(["/events/1/key", "/events/1/default", "/events/2"]);
  });

  it("stops at 100 issues on a huge bad payload", () => {
    const events = Array.from({ length: 100_000 }, () => ({ ...featureEvent, creationDate: "x" }));
    const error = (() => {
      try {
        parsePayload({ meta: {}, events });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(WebhookValidationError);
    expect((error as WebhookValidationError).code).toBe("ERR_WEBHOOK_VALIDATION");
    expect((error as WebhookValidationError).issues).toHaveLength(MAX_REPORTED_ISSUES);
    expect((error as WebhookValidationError).message).toContain("and 99 more");
  });

  it("never echoes more than 100 characters of the input in its message", () => {
    const long = "x".repeat(10_000);
    for (const input of [
      payloadWith({ ...featureEvent, creationDate: long }),
      { meta: { [long]: 1 }, events: [] },
      payloadWith({ ...featureEvent, kind: long }),
    ]) {
      const result = safeParsePayload(input);
      expect(result.success).toBe(false);
      if (!result.success) {
        expect(result.error.message).not.toContain("x".repeat(101));
        expect(result.error.message.length).toBeLessThan(300);
      }
    }
  });
});

describe("parseEvent", () => {
  it("returns a valid event of either kind", () => {
    expect(parseEvent(featureEvent).kind).toBe("feature");
    expect(parseEvent(trackingEvent).kind).toBe("tracking");
  });

  it("throws a WebhookValidationError whose issues start at the event", () => {
    expect(() => parseEvent({ ...featureEvent, userKey: 3 })).toThrow(/\/userKey: expected a string, got the number 3/);
    const result = safeParseEvent("nope");
    expect(result.success).toBe(false);
  });
});

describe("isValidEvent", () => {
  // Values a JSON parser never makes, and numbers on either side of the seconds bound.
  const oddValues = fc.constantFrom<unknown>(
    () => 1,
    Symbol("s"),
    1n,
    1e11,
    99_999_999_999,
    1_767_225_600_000,
    -1,
    0.5,
    [],
    null,
  );
  const mutatedEvent = nearlyValidEvent(oddValues);

  it("agrees with the shape-driven validator on thousands of valid and invalid events", () => {
    fc.assert(
      fc.property(mutatedEvent, (event) => {
        expect(isValidEvent(event)).toBe(safeParsePayload({ meta: {}, events: [event] }).success);
      }),
      { numRuns: 3000 },
    );
    // Bounded by run count; the time limit only has to hold on a loaded 2-core machine.
  }, 60_000);

  it("refuses what is not an event object", () => {
    for (const input of [null, [], "event", { ...featureEvent, kind: "other" }])
      expect(isValidEvent(input)).toBe(false);
  });

  it("refuses an array that carries an event's keys (JSON would write it as [])", () => {
    const disguised = Object.assign([], featureEvent);
    expect(isValidEvent(disguised)).toBe(false);
    expect(isValidFeatureEvent(disguised)).toBe(false);
  });

  it("has one validator per kind that accepts exactly the valid events of its kind", () => {
    fc.assert(
      fc.property(mutatedEvent, (event) => {
        const valid = isValidEvent(event);
        const kind = (event as { kind?: unknown }).kind;
        expect(isValidFeatureEvent(event)).toBe(valid && kind === "feature");
        expect(isValidTrackingEvent(event)).toBe(valid && kind === "tracking");
      }),
      { numRuns: 2000 },
    );
  }, 60_000);
});

describe("parsePayload with hostile keys", () => {
  it("checks a meta key named __proto__ as any other key, and leaves Object.prototype alone", () => {
    const event = {
      kind: "feature",
      userKey: "u",
      creationDate: 1,
      key: "__proto__",
      variation: "constructor",
      value: null,
      default: false,
      version: "",
      source: "SERVER",
    };
    const good: unknown = JSON.parse(
      `{"meta":{"__proto__":"x","constructor":"y"},"events":[${JSON.stringify(event)}]}`,
    );
    expect(safeParsePayload(good).success).toBe(true);
    const bad: unknown = JSON.parse('{"meta":{"__proto__":{"polluted":1}},"events":[]}');
    expect(safeParsePayload(bad)).toMatchObject({ success: false, error: { issues: [{ path: "/meta/__proto__" }] } });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe("deriveSecretKeys", () => {
  it("gives the hub scheme the secret's bytes, and Standard Webhooks a whsec_ secret's decoded rest", () => {
    const plain = deriveSecretKeys("s3cret");
    expect(plain).toEqual({ hub: new TextEncoder().encode("s3cret"), standard: new TextEncoder().encode("s3cret") });
    const whsec = deriveSecretKeys(`whsec_${Buffer.from("key").toString("base64")}`);
    expect("error" in whsec ? undefined : Buffer.from(whsec.standard).toString()).toBe("key");
  });

  it.each(["", "whsec_", "whsec_***", "whsec_abc"])("refuses %j, without naming it", (secret) => {
    const result = deriveSecretKeys(secret);
    expect(result).toMatchObject({ error: expect.any(String) as string });
    if (secret.length > "whsec_".length && "error" in result) expect(result.error).not.toContain(secret);
  });
});
