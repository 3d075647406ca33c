import fc from "fast-check";
import { createWebhookExporter } from "@org/webhook-exporter";
import { parsePayload, type WebhookEvent } from "@org/webhook-types";
import { verifyWebhook } from "@org/webhook-verify";
import { createNodeWebhookHandler } from "@org/webhook-verify/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awkwardFeatureEvent, awkwardTrackingEvent } from "@org/test-fixtures/awkward-events";
import { gffTwoEventsBody, signatureVectors } from "@org/test-fixtures";
import { listen, startReceiver, type RunningServer } from "@org/test-fixtures/receiver";
import { buildGoInterop, runGo, runGoAsync } from "./go.js";

const secret = "interop-secret";
let go: string;

interface Case {
  kind: "feature" | "tracking";
  meta: Record<string, string>;
  events: WebhookEvent[];
}

/** What our exporter sends for a case: the body and signature captured by a real local endpoint. */
async function sendWithOurExporter(cases: readonly Case[]): Promise<{ body: Buffer; signature: string }[]> {
  const receiver = await startReceiver();
  try {
    for (const { kind, meta, events } of cases) {
      const exporter = createWebhookExporter({
        endpointUrl: receiver.url,
        secret,
        meta,
        eventType: kind,
        validateEvents: false,
        maxBatchBytes: 1 << 30,
      });
      for (const event of events) exporter.add(event);
      await exporter.close();
    }
    return receiver.requests.map(({ body, headers }) => ({ body, signature: String(headers["x-hub-signature-256"]) }));
  } finally {
    await receiver.close();
  }
}

/** The spec vector, plus thousands of generated events with awkward values, in cases of 100. */
function allCases(): Case[] {
  const vector = JSON.parse(gffTwoEventsBody.toString("utf8")) as {
    meta: Record<string, string>;
    events: WebhookEvent[];
  };
  const feature = fc.sample(awkwardFeatureEvent, { numRuns: 2000, seed: 42 });
  const tracking = fc.sample(awkwardTrackingEvent, { numRuns: 1000, seed: 7 });
  const cases: Case[] = [{ kind: "feature", meta: vector.meta, events: vector.events }];
  const meta = { hostname: "interop-<host>&", env: "ci", "\u2028": "x" };
  for (let start = 0; start < feature.length; start += 100)
    cases.push({ kind: "feature", meta, events: feature.slice(start, start + 100) });
  for (let start = 0; start < tracking.length; start += 100)
    cases.push({ kind: "tracking", meta, events: tracking.slice(start, start + 100) });
  return cases;
}

beforeAll(() => {
  go = buildGoInterop();
});

describe("same bytes as Go's encoding/json with GO Feature Flag's wire types", () => {
  const cases = allCases();
  let ours: { body: Buffer; signature: string }[];
  let theirs: { body: string; signature: string; error?: string }[];

  beforeAll(async () => {
    ours = await sendWithOurExporter(cases);
    theirs = runGo(
      go,
      ["marshal", secret],
      cases.map((c) => JSON.stringify(c)),
    );
  });

  it("reproduces the contract's vector in Go and in our exporter", () => {
    const vector = signatureVectors.find((candidate) => candidate.body.equals(gffTwoEventsBody));
    if (vector === undefined) throw new Error("the two-event vector is missing");
    const [goVector] = runGo<{ body: string; signature: string }>(
      go,
      ["marshal", vector.secret],
      [JSON.stringify(cases[0])],
    );
    expect(Buffer.from(goVector?.body ?? "", "base64")).toEqual(gffTwoEventsBody);
    expect(goVector?.signature).toBe(vector.signature);
    expect(ours[0]?.body).toEqual(gffTwoEventsBody);
    expect(ours[0]?.signature).toBe(theirs[0]?.signature);
  });

  it("writes every generated case byte for byte as Go does, with Go's signature", () => {
    expect(ours).toHaveLength(cases.length);
    const mismatches = cases.flatMap((_, index) => {
      const mine = ours[index];
      const go = theirs[index];
      if (go?.error) return [`case ${String(index)}: Go failed: ${go.error}`];
      // Go's bytes as they are: no mapping (contract §3 follows Go 1.22+, as GO Feature Flag v1.55 does).
      const goBody = Buffer.from(go?.body ?? "", "base64");
      if (!mine?.body.equals(goBody)) {
        const body = mine?.body ?? Buffer.alloc(0);
        let at = 0;
        while (at < body.length && body[at] === goBody[at]) at++;
        return [
          `case ${String(index)}: bodies differ at byte ${String(at)}\n ours …${body.subarray(Math.max(0, at - 60), at + 60).toString()}\n   go …${goBody.subarray(Math.max(0, at - 60), at + 60).toString()}`,
        ];
      }
      return mine.signature === go?.signature ? [] : [`case ${String(index)}: signature differs`];
    });
    expect(mismatches).toEqual([]);
    expect(cases.reduce((sum, c) => sum + c.events.length, 0)).toBe(3002);
  });

  it("is read back by Go into the wire types and re-encoded to the same bytes", () => {
    const results = runGo<{ body: string; error?: string }>(
      go,
      ["roundtrip"],
      ours.map(({ body }) => body.toString("base64")),
    );
    expect(results).toHaveLength(ours.length);
    const differing = results.flatMap((result, index) =>
      result.error !== undefined || !Buffer.from(result.body, "base64").equals(ours[index]?.body ?? Buffer.alloc(0))
        ? [index]
        : [],
    );
    expect(differing).toEqual([]);
  });
});

describe("a Go sender built as GO Feature Flag's webhook exporter, to a receiver on @org/webhook-verify", () => {
  const received: WebhookEvent[] = [];
  let server: RunningServer;
  let url: string;

  beforeAll(async () => {
    const handle = createNodeWebhookHandler({ secret, scheme: "hub" }, (webhook, _req, res) => {
      received.push(...webhook.payload.events);
      res.writeHead(200).end();
    });
    server = await listen((req, res) => void handle(req, res));
    url = `${server.url}/webhook`;
  });
  afterAll(() => server.close());

  it("has every event arrive, verified and valid, field by field as Go sent it", async () => {
    const cases = allCases().slice(0, 6);
    const signed = runGo<{ body: string; signature: string }>(
      go,
      ["marshal", secret],
      cases.map((c) => JSON.stringify(c)),
    );
    const bodies = signed.map(({ body }) => Buffer.from(body, "base64"));
    for (const [index, body] of bodies.entries()) {
      expect(await runGoAsync(go, ["send", url, secret], body)).toBe("200");
      // Go's own signature, checked by our verifier directly too.
      const check = await verifyWebhook({
        secret,
        body,
        headers: { "x-hub-signature-256": signed[index]?.signature },
        scheme: "hub",
      });
      expect(check.payload.events).toHaveLength(cases[index]?.events.length ?? -1);
    }
    const sent = bodies.flatMap((body) => parsePayload(JSON.parse(body.toString("utf8"))).events);
    expect(received).toEqual(sent);
    expect(received.length).toBe(cases.reduce((sum, c) => sum + c.events.length, 0));
  });

  it("is refused when Go signs with another secret", async () => {
    expect(await runGoAsync(go, ["send", url, "another-secret"], gffTwoEventsBody)).toBe("401");
  });
});
