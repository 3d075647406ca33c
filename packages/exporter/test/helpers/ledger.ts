import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { expect } from "vitest";
import type { DropDetails, DropReason, WebhookExporter } from "../../src/index.js";
import type { ReceivedRequest, Receiver } from "@org/test-fixtures/receiver";

/** A request the test answered, with the status it got (a request not answered through `answer` counts as 200). */
type Answered = ReceivedRequest & { answered?: number };

/** Answers with `status` and remembers it on the request, for the ledger. */
export function answer(status: number, headers: Record<string, string> = {}) {
  return (request: ReceivedRequest, res: ServerResponse): void => {
    (request as Answered).answered = status;
    res.writeHead(status, headers).end();
  };
}

export function userKeysOf(body: Buffer): string[] {
  return (JSON.parse(body.toString("utf8")) as { events: { userKey: string }[] }).events.map((event) => event.userKey);
}

/** Events received once each, re-sent batches (same webhook-id) counted once; only 2xx answers count. */
export function deliveredOnce(receiver: Receiver): string[] {
  const seen = new Set<string>();
  const keys: string[] = [];
  for (const request of receiver.requests as Answered[]) {
    const id = String(request.headers["webhook-id"]);
    const status = request.answered ?? 200;
    if (status < 200 || status >= 300 || seen.has(id)) continue;
    seen.add(id);
    keys.push(...userKeysOf(request.body));
  }
  return keys;
}

export interface RecordedDrop {
  count: number;
  reason: DropReason;
  details: DropDetails;
}

/** An `onDrop` that records every call. */
export function recordDrops(): {
  drops: RecordedDrop[];
  onDrop: (count: number, reason: DropReason, details: DropDetails) => void;
} {
  const drops: RecordedDrop[] = [];
  return { drops, onDrop: (count, reason, details) => drops.push({ count, reason, details }) };
}

/**
 * The per-event ledger: every event added is delivered once, or dropped with a reason, or pending, and
 * no event is both. A dropped batch is known by its id: its events are read from an earlier attempt the
 * receiver saw, or from its dead-letter file; drops without a batch (open events) are counted.
 */
export function expectLedger(input: {
  added: readonly string[];
  receiver: Receiver;
  drops: readonly RecordedDrop[];
  exporter: WebhookExporter;
}): void {
  const delivered = deliveredOnce(input.receiver);
  expect(new Set(delivered).size, "an event was delivered twice").toBe(delivered.length);
  const bodiesById = new Map<string, Buffer>();
  for (const request of input.receiver.requests) bodiesById.set(String(request.headers["webhook-id"]), request.body);
  const droppedKeys: string[] = [];
  let droppedUnknown = 0;
  for (const drop of input.drops) {
    const body =
      drop.details.deadLetterFile === undefined
        ? drop.details.batchId === undefined
          ? undefined
          : bodiesById.get(drop.details.batchId)
        : readFileSync(drop.details.deadLetterFile).subarray(readFileSync(drop.details.deadLetterFile).indexOf(10) + 1);
    if (body === undefined) droppedUnknown += drop.count;
    else {
      const keys = userKeysOf(body);
      expect(keys.length, `drop of batch ${drop.details.batchId ?? "?"}`).toBe(drop.count);
      droppedKeys.push(...keys);
    }
  }
  const deliveredSet = new Set(delivered);
  expect(
    droppedKeys.filter((key) => deliveredSet.has(key)),
    "events both delivered and reported dropped",
  ).toEqual([]);
  const added = new Set(input.added);
  expect(
    [...delivered, ...droppedKeys].filter((key) => !added.has(key)),
    "events never added",
  ).toEqual([]);
  const stats = input.exporter.stats();
  expect(stats.dropped).toBe(droppedKeys.length + droppedUnknown);
  expect(
    delivered.length + droppedKeys.length + droppedUnknown + stats.pending,
    "added = delivered + dropped + pending",
  ).toBe(input.added.length);
  expect(stats.added).toBe(input.added.length);
}
