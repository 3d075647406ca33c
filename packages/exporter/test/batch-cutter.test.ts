import { describe, expect, it } from "vitest";
import type { WebhookEvent } from "@org/webhook-types";
import { createBatchCutter } from "../src/batches/batch-cutter.js";
import { createEventBuffer } from "../src/batches/event-buffer.js";
import { createLedger } from "../src/batches/ledger.js";
import { createObserver, type DropReason } from "../src/observe/observer.js";
import { serializeEvent, serializeMeta } from "../src/wire/serializer.js";
import { featureEvent } from "./helpers/events.js";

function setUp(limits: { maxEvents: number; maxBytes: number }) {
  const drops: [number, DropReason][] = [];
  const notes: string[] = [];
  const observer = createObserver({
    onDrop: (count, reason) => drops.push([count, reason]),
    logger: {
      debug: () => undefined,
      info: () => undefined,
      error: () => undefined,
      warn: (_details, message) => notes.push(message ?? ""),
    },
  });
  const buffer = createEventBuffer();
  const ledger = createLedger(observer, () => 0);
  let ids = 0;
  const metaJson = serializeMeta({ hostname: "h" });
  const cutter = createBatchCutter(buffer, { metaJson, ...limits, newId: () => `b${String(ids++)}` }, ledger, observer);
  const add = (events: WebhookEvent[]) => {
    for (const event of events) buffer.push(event);
  };
  const bodies = () =>
    buffer
      .batches()
      .map((batch) =>
        (JSON.parse(batch.body?.toString() ?? "{}") as { events: { userKey: string }[] }).events.map(
          (event) => event.userKey,
        ),
      );
  return { cutter, buffer, add, drops, notes, bodies, metaJson };
}

const events = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, index) => featureEvent(from + index));

describe("createBatchCutter", () => {
  it("queues each batch as soon as it is sealed, so that a flush sends it while the rest is cut", async () => {
    const { cutter, add, buffer } = setUp({ maxEvents: 1_000, maxBytes: 1 << 20 });
    add(events(0, 10_000));
    expect(cutter.landing()).toBeUndefined();
    const cutting = cutter.cut();
    // The cut yields to the event loop between slices: its first batch lands before it ends.
    const landing = cutter.landing();
    expect(landing).toBeDefined();
    await landing;
    const queuedWhileCutting = buffer.batches().length;
    expect(queuedWhileCutting).toBeGreaterThan(0);
    expect(queuedWhileCutting).toBeLessThan(10);
    // Pending events are counted once: the queued ones no longer count as being cut.
    expect(buffer.pendingCount + cutter.beingCut).toBe(10_000);
    await cutting;
    expect(buffer.batches().length).toBe(10);
    expect(cutter.beingCut).toBe(0);
    expect(cutter.landing()).toBeUndefined();
  });

  it("cuts by count, in order", async () => {
    const { cutter, add, bodies } = setUp({ maxEvents: 4, maxBytes: 1 << 20 });
    add(events(0, 10));
    await cutter.cut();
    expect(bodies().map((keys) => keys.length)).toEqual([4, 4, 2]);
    expect(bodies().flat()).toEqual(events(0, 10).map((event) => event.userKey));
  });

  it("cuts by the real body bytes, never past maxBatchBytes", async () => {
    const oneEvent = Buffer.byteLength(serializeEvent(featureEvent(0)));
    const maxBytes = 200 + 3 * (oneEvent + 1);
    const { cutter, add, buffer } = setUp({ maxEvents: 1000, maxBytes });
    add(events(0, 20));
    await cutter.cut();
    expect(buffer.batches().every((batch) => (batch.body?.length ?? 0) <= maxBytes)).toBe(true);
    expect(buffer.batches().reduce((sum, batch) => sum + batch.count, 0)).toBe(20);
    expect(buffer.batchCount).toBeGreaterThan(5);
  });

  it("holds an unfilled tail back as open events, and seals a full one", async () => {
    const { cutter, add, buffer } = setUp({ maxEvents: 4, maxBytes: 1 << 20 });
    add(events(0, 10));
    expect(await cutter.cut(Infinity, true)).toBe(2);
    expect(buffer.batchCount).toBe(2);
    expect(buffer.openCount).toBe(2);
    add(events(10, 12));
    expect(await cutter.cut(Infinity, true)).toBe(0);
    expect(buffer.batchCount).toBe(3);
  });

  it("drops an event JSON cannot represent, reported as unserializable, and keeps the rest of its slice", async () => {
    const { cutter, add, drops, bodies } = setUp({ maxEvents: 100, maxBytes: 1 << 20 });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    add([...events(0, 3), { ...featureEvent(3), value: circular }, ...events(4, 6)]);
    await cutter.cut();
    expect(drops).toEqual([[1, "unserializable"]]);
    expect(bodies().flat()).toEqual(["user-0", "user-1", "user-2", "user-4", "user-5"]);
  });

  it("sends an event larger than maxBatchBytes alone, and says so", async () => {
    const { cutter, add, bodies, notes } = setUp({ maxEvents: 100, maxBytes: 600 });
    add([featureEvent(0), { ...featureEvent(1), userKey: "x".repeat(1000) }, featureEvent(2)]);
    await cutter.cut();
    expect(bodies().map((keys) => keys.length)).toEqual([1, 1, 1]);
    expect(notes).toEqual([expect.stringContaining("larger than maxBatchBytes") as string]);
  });

  it("runs cuts one after another, so batches keep the events' order, and counts the events being cut as pending", async () => {
    const { cutter, add, buffer, bodies } = setUp({ maxEvents: 100, maxBytes: 1 << 20 });
    add(events(0, 5000));
    const first = cutter.cut(3000);
    expect(cutter.beingCut + buffer.pendingCount).toBe(5000);
    const second = cutter.cut();
    await Promise.all([first, second]);
    expect(cutter.beingCut).toBe(0);
    expect(bodies().flat()).toEqual(events(0, 5000).map((event) => event.userKey));
  });
});

describe("createBatchCutter when its flush is stopped", () => {
  it("stops within a slice once the signal aborts, and puts what it did not seal back as open events", async () => {
    const { cutter, add, buffer } = setUp({ maxEvents: 100, maxBytes: 1 << 20 });
    add(events(0, 20_000));
    const stop = new AbortController();
    const cutting = cutter.cut(Infinity, false, stop.signal);
    stop.abort();
    await cutting;
    await cutter.idle();
    expect(buffer.openCount).toBeGreaterThan(0);
    expect(buffer.pendingCount).toBe(20_000);
    const order = [
      ...buffer
        .batches()
        .flatMap((batch) =>
          (JSON.parse(batch.body?.toString() ?? "{}") as { events: { userKey: string }[] }).events.map(
            (event) => event.userKey,
          ),
        ),
      ...buffer.takeOpen().map((event) => event.userKey),
    ];
    expect(order).toEqual(events(0, 20_000).map((event) => event.userKey));
  });
});
