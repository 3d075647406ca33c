import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { WebhookEvent } from "@org/webhook-types";
import {
  awkwardFeatureEvent as featureEvent,
  awkwardTrackingEvent as trackingEvent,
} from "@org/test-fixtures/awkward-events";
import { gffTwoEventsBody } from "@org/test-fixtures";
import { compareUtf8, serializeEvent, serializeEvents, serializeMeta, writeValue } from "../src/wire/serializer.js";

/**
 * An independent model of Go's encoding/json, written the way Go does it (character by character,
 * keys sorted by their UTF-8 bytes): the oracle the serializer is checked against.
 */
function goString(text: string): string {
  let out = '"';
  for (const char of text.isWellFormed() ? text : text.toWellFormed()) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"') out += '\\"';
    else if (char === "\\") out += "\\\\";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    // Go 1.22 and later (GO Feature Flag v1.55 is built with Go 1.26): contract §3.
    else if (char === "\b") out += "\\b";
    else if (char === "\f") out += "\\f";
    else if (code < 0x20 || char === "<" || char === ">" || char === "&" || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else out += char;
  }
  return `${out}"`;
}

function goValue(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return goString(value);
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(goValue).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    Buffer.compare(Buffer.from(a), Buffer.from(b)),
  );
  return `{${entries.map(([key, item]) => `${goString(key)}:${goValue(item)}`).join(",")}}`;
}

function goEvent(event: WebhookEvent): string {
  const fields: [string, unknown][] =
    event.kind === "feature"
      ? [
          ["kind", event.kind],
          ["contextKind", event.contextKind],
          ["userKey", event.userKey],
          ["creationDate", event.creationDate],
          ["key", event.key],
          ["variation", event.variation],
          ["value", event.value],
          ["default", event.default],
          ["version", event.version],
          ["source", event.source],
          ["metadata", event.metadata],
        ]
      : [
          ["kind", event.kind],
          ["contextKind", event.contextKind],
          ["userKey", event.userKey],
          ["creationDate", event.creationDate],
          ["key", event.key],
          ["evaluationContext", event.evaluationContext],
          ["trackingEventDetails", event.trackingEventDetails],
        ];
  const present = fields.filter(
    ([key, value]) =>
      !(
        (key === "contextKind" || key === "metadata") &&
        (value === undefined ||
          value === "" ||
          (typeof value === "object" && value !== null && Object.keys(value).length === 0))
      ),
  );
  return `{${present.map(([key, value]) => `"${key}":${goValue(value)}`).join(",")}}`;
}

describe("serializeEvent", () => {
  it("writes GO Feature Flag's own payload byte for byte", () => {
    const payload = JSON.parse(gffTwoEventsBody.toString("utf8")) as {
      meta: Record<string, string>;
      events: WebhookEvent[];
    };
    const body = `{"meta":${serializeMeta(payload.meta)},"events":[${serializeEvents(payload.events)}]}`;
    expect(Buffer.from(body)).toEqual(gffTwoEventsBody);
  });

  it("escapes as Go 1.22+ does: <>&, U+2028/U+2029, \\b and \\f as two characters, lone surrogates", () => {
    expect(writeValue("<a&b>")).toBe('"\\u003ca\\u0026b\\u003e"');
    expect(writeValue("\u2028\u2029")).toBe('"\\u2028\\u2029"');
    expect(writeValue("\b\f\n")).toBe('"\\b\\f\\n"');
    expect(writeValue("\u0000\u001f")).toBe('"\\u0000\\u001f"');
    expect(writeValue("\\b")).toBe('"\\\\b"');
    expect(writeValue("x\ud800")).toBe('"x\ufffd"');
  });

  it("sorts keys by UTF-8 bytes at every depth, integer-like keys included", () => {
    expect(writeValue({ b: 1, a: { z: 1, "10": 2, "2": 3 } })).toBe('{"a":{"10":2,"2":3,"z":1},"b":1}');
    expect(writeValue({ "\u{10000}": 1, "\uffff": 2 })).toBe('{"\uffff":2,"\u{10000}":1}');
    expect(compareUtf8("\u{10000}", "\uffff")).toBeGreaterThan(0);
  });

  it("omits an empty contextKind and empty metadata, drops unknown keys, writes absent fields as Go's zero values", () => {
    const event = {
      kind: "feature",
      contextKind: "",
      userKey: "u",
      creationDate: 1,
      key: "k",
      variation: "v",
      default: false,
      source: "SERVER",
      metadata: {},
      extra: 1,
    };
    expect(serializeEvent(event as unknown as WebhookEvent)).toBe(
      '{"kind":"feature","userKey":"u","creationDate":1,"key":"k","variation":"v","value":null,"default":false,"version":"","source":"SERVER"}',
    );
  });

  it("matches the Go model for thousands of awkward events, on the fast and the slow path", () => {
    fc.assert(
      fc.property(fc.oneof(featureEvent, trackingEvent), (event) => {
        const expected = goEvent(event);
        expect(serializeEvent(event)).toBe(expected);
        expect(serializeEvents([event, event])).toBe(`${expected},${expected}`);
      }),
      { numRuns: 3000 },
    );
    // Bounded by run count; the time limit only has to hold on a loaded 2-core machine.
  }, 60_000);

  it("throws a RangeError for a circular value", () => {
    const value: Record<string, unknown> = {};
    value.self = value;
    const event = {
      kind: "feature",
      userKey: "u",
      creationDate: 1,
      key: "k",
      variation: "v",
      value,
      default: false,
      version: "",
      source: "S",
    };
    expect(() => serializeEvent(event as WebhookEvent)).toThrow(RangeError);
  });
});
