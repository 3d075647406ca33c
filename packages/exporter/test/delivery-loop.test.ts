import { describe, expect, it } from "vitest";
import { createBatchQueue } from "../src/queue/batch-queue.js";
import { createBatchCutter, type BatchCutter } from "../src/batches/batch-cutter.js";
import { createBatchSender } from "../src/delivery/batch-sender.js";
import { createDeliveryLoop } from "../src/delivery/delivery-loop.js";
import { createEventBuffer } from "../src/batches/event-buffer.js";
import { createLedger } from "../src/batches/ledger.js";
import { createMemoryBound } from "../src/queue/memory-bound.js";
import { createObserver, type DropReason } from "../src/observe/observer.js";
import { resolveOptions } from "../src/config/options.js";
import { serializeMeta } from "../src/wire/serializer.js";
import { featureEvent, userKeys } from "./helpers/events.js";
import { fakeTransport, type SentRequest } from "./helpers/fake-transport.js";
import type { SpoolKeeper } from "../src/spool/spool-keeper.js";

/** The delivery loop wired as the exporter wires it, with a fake clock, a fixed random source and a scripted transport. */
function setUp(
  answer: Parameters<typeof fakeTransport>[0],
  settings: {
    maxEventInMemory?: number;
    now?: () => number;
    maxConcurrentRequests?: number;
    maxBatchBytes?: number;
    /** Stand in for the spool's keeper and cutter where a test needs them to fail or take time. */
    keeper?: SpoolKeeper;
    wrapCutter?: (cutter: BatchCutter) => BatchCutter;
  } = {},
) {
  const options = resolveOptions({
    endpointUrl: "http://127.0.0.1:9/hook",
    secret: "s",
    // One at a time unless a test says otherwise: most here reason about order.
    maxConcurrentRequests: settings.maxConcurrentRequests ?? 1,
    maxEventInMemory: settings.maxEventInMemory ?? 100,
    flushInterval: 60_000,
    retryBaseDelayMs: 1000,
    ...(settings.maxBatchBytes === undefined ? {} : { maxBatchBytes: settings.maxBatchBytes }),
  });
  const drops: [number, DropReason][] = [];
  const observer = createObserver({ onDrop: (count, reason) => drops.push([count, reason]) });
  const transport = fakeTransport(answer);
  const sender = createBatchSender(options, transport, observer, new AbortController().signal);
  const buffer = createEventBuffer();
  const now = settings.now ?? (() => 1_000_000);
  const ledger = createLedger(observer, now);
  let ids = 0;
  const metaJson = serializeMeta(options.metaJsonSource);
  const realCutter = createBatchCutter(
    buffer,
    {
      metaJson,
      maxEvents: options.maxEventInMemory,
      maxBytes: options.maxBatchBytes,
      newId: () => `batch-${String(ids++)}`,
    },
    ledger,
    observer,
  );
  const cutter = settings.wrapCutter?.(realCutter) ?? realCutter;
  const pending = () => buffer.pendingCount + cutter.beingCut;
  const queue = createBatchQueue({ buffer, keeper: undefined, ledger });
  const memory = createMemoryBound({
    buffer,
    cutter,
    queue,
    keeper: undefined,
    ledger,
    observer,
    endpoint: "e",
    maxBufferedEvents: options.maxBufferedEvents,
    pending,
    isInFlight: (batch) => loop.isInFlight(batch),
    failing: () => loop.failing,
  });
  const loop = createDeliveryLoop({
    buffer,
    queue,
    maxConcurrentRequests: options.maxConcurrentRequests,
    cutter,
    sender,
    keeper: settings.keeper,
    ledger,
    memory,
    metaJson,
    pending,
    maxEventInMemory: options.maxEventInMemory,
    backoff: { baseMs: options.retryBaseDelayMs, capMs: options.flushIntervalMs },
    restored: undefined,
    closing: new AbortController().signal,
    now,
    random: () => 0.5,
  });
  const add = (from: number, to: number) => {
    for (let index = from; index < to; index++) {
      buffer.push(featureEvent(index));
      ledger.accepted();
    }
  };
  return { loop, add, transport, ledger, drops, buffer, sender, pending, cutter };
}

const delivered = (requests: SentRequest[], ok: (request: SentRequest, index: number) => boolean) =>
  requests.filter(ok).flatMap((request) => request.events);

describe("createDeliveryLoop", () => {
  it("sends the waiting events oldest first in batches of maxEventInMemory, and counts them delivered", async () => {
    const { loop, add, transport, ledger } = setUp(() => 200, { maxEventInMemory: 40 });
    add(0, 100);
    expect(await loop.deliver()).toEqual({ sent: 100, failed: 0, pending: 0 });
    expect(transport.requests.map((request) => request.events.length)).toEqual([40, 40, 20]);
    expect(transport.requests.flatMap((request) => request.events)).toEqual(userKeys(0, 100));
    expect(ledger).toMatchObject({ sent: 100, batchesSent: 3, dropped: 0 });
  });

  it("sends a flush's first batch as soon as it is sealed, while the rest of the flush is still being cut", async () => {
    let beingCutAtFirstSend: number | undefined;
    const { loop, add, cutter } = setUp(
      () => {
        beingCutAtFirstSend ??= cutter.beingCut;
        return 200;
      },
      { maxEventInMemory: 10_000, maxBatchBytes: 64 * 1024, maxConcurrentRequests: 8 },
    );
    add(0, 10_000);
    expect(await loop.deliver()).toEqual({ sent: 10_000, failed: 0, pending: 0 });
    // Waiting for the whole cut first kept the receiver idle while the exporter serialized every batch.
    expect(beingCutAtFirstSend).toBeGreaterThan(5_000);
  });

  it("fails the flush, and only the flush, when its first cut fails while a spooled body is read", async () => {
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    const { loop, add, buffer } = setUp(() => 200, {
      maxEventInMemory: 10,
      // The batch waiting from before is read from disk: it takes a few turns of the event loop.
      keeper: {
        ensureBody: async () => {
          for (let turn = 0; turn < 5; turn++) await nextTurn();
          return true;
        },
        forget: () => Promise.resolve(),
      } as unknown as SpoolKeeper,
      wrapCutter: (cutter) => {
        let cuts = 0;
        return Object.assign(Object.create(cutter) as BatchCutter, {
          cut: async (...args: Parameters<BatchCutter["cut"]>) => {
            cuts += 1;
            if (cuts === 1) return cutter.cut(...args);
            await nextTurn();
            throw new Error("the disk is gone");
          },
        });
      },
    });
    add(0, 10);
    expect(await loop.deliver()).toMatchObject({ sent: 10 });
    add(10, 20);
    // The batch left waiting (a failed cut of the next flush must not take it down with an unhandled rejection).
    buffer.addBatches([{ id: "waiting", body: Buffer.from('{"meta":{},"events":[]}'), count: 0, attempts: 0 }]);
    await expect(loop.deliver()).rejects.toThrow("the disk is gone");
  });

  it("stops at the first failure, keeps the batch in front, and sends it first next time under the same webhook-id", async () => {
    let healthy = false;
    const { loop, add, transport } = setUp(() => (healthy ? 200 : 503), { maxEventInMemory: 40 });
    add(0, 100);
    expect(await loop.deliver()).toEqual({ sent: 0, failed: 40, pending: 100 });
    healthy = true;
    expect(await loop.deliver()).toEqual({ sent: 100, failed: 0, pending: 0 });
    expect(transport.requests.map((request) => request.headers["webhook-id"])).toEqual([
      "batch-0",
      "batch-0",
      "batch-1",
      "batch-2",
    ]);
    expect(delivered(transport.requests, (_request, index) => index > 0)).toEqual(userKeys(0, 100));
  });

  it("backs off with full jitter, doubling per failure up to the cap, and resets on success", async () => {
    let time = 1_000_000;
    let status = 503;
    const { loop, add } = setUp(() => status, { now: () => time });
    add(0, 1);
    const delays: number[] = [];
    for (let failure = 0; failure < 8; failure++) {
      await loop.deliver();
      delays.push(loop.retryNotBefore - time);
      time += 1;
    }
    // random() is 0.5: half of 1000 * 2^(n-1), capped at flushInterval (60000).
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    status = 200;
    await loop.deliver();
    expect(loop.failing).toBe(false);
  });

  it("waits what Retry-After asks on 429, within the cap", async () => {
    const { loop, add } = setUp(() => ({ status: 429, retryAfter: "7" }));
    add(0, 1);
    await loop.deliver();
    expect(loop.retryNotBefore - 1_000_000).toBe(7000);
  });

  it("splits a batch refused with 413 into halves with derived ids, and drops one event refused alone as too-large", async () => {
    const { loop, add, transport, drops, ledger } = setUp(
      (request) => (request.events.length > 2 || request.events.includes("user-3") ? 413 : 200),
      { maxEventInMemory: 8 },
    );
    add(0, 8);
    expect(await loop.deliver()).toMatchObject({ failed: 0, pending: 0 });
    expect(transport.requests[1]?.headers["webhook-id"]).toBe("batch-0-a");
    expect(drops).toEqual([[1, "too-large"]]);
    expect(ledger.sent).toBe(7);
  });

  it("isolates the one event a receiver refuses with 400 in about 2 log2(n) requests and delivers the rest", async () => {
    const { loop, add, transport, drops, ledger } = setUp(
      (request) => (request.events.includes("user-37") ? 400 : 200),
      { maxEventInMemory: 64 },
    );
    add(0, 64);
    expect(await loop.deliver()).toEqual({ sent: 63, failed: 0, pending: 0 });
    expect(drops).toEqual([[1, "rejected"]]);
    expect(transport.requests.length).toBeLessThanOrEqual(1 + 2 * 6);
    expect(new Set(delivered(transport.requests, (request) => !request.events.includes("user-37")))).toEqual(
      new Set(userKeys(0, 64).filter((key) => key !== "user-37")),
    );
    expect(ledger.sent + ledger.dropped).toBe(64);
  });

  it("cuts the next batch while one is on the wire", async () => {
    const cutWhileSending: number[] = [];
    const parts = setUp(
      async () => {
        await new Promise(setImmediate); // the request's turn on the wire
        cutWhileSending.push(parts.buffer.batchCount);
        return 200;
      },
      { maxEventInMemory: 10 },
    );
    parts.add(0, 30);
    await parts.loop.deliver();
    // The batch on the wire and the next one, already cut; nothing left to cut during the last.
    expect(cutWhileSending).toEqual([2, 2, 1]);
    expect(parts.pending()).toBe(0);
  });

  it("leaves events added during a flush for the next one, so a flush under load ends", async () => {
    const parts = setUp(
      () => {
        parts.add(1000, 1010);
        return 200;
      },
      { maxEventInMemory: 10 },
    );
    parts.add(0, 10);
    expect(await parts.loop.deliver()).toEqual({ sent: 10, failed: 0, pending: 10 });
  });
});
