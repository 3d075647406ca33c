import { describe, expect, it } from "vitest";
import type { Batch } from "../src/batches/batch.js";
import { createEventBuffer } from "../src/batches/event-buffer.js";
import { featureEvent } from "./helpers/events.js";

const batch = (id: string, count: number): Batch => ({ id, body: Buffer.from(id), count, attempts: 0 });

describe("createEventBuffer", () => {
  it("keeps batches in order, a failed one staying in front, and counts every event", () => {
    const buffer = createEventBuffer();
    const a = batch("a", 2);
    const b = batch("b", 3);
    buffer.addBatches([a, b]);
    buffer.push(featureEvent(1));
    expect(buffer.pendingCount).toBe(6);
    expect(buffer.firstBatch()?.id).toBe("a");
    expect(buffer.replaceBatch(a, [batch("a-a", 1), batch("a-b", 1)])).toBe(true);
    expect(buffer.batches().map((item) => item.id)).toEqual(["a-a", "a-b", "b"]);
    const spooled = batch("spooled", 4);
    buffer.addBatches([spooled], "front");
    expect(buffer.removeBatch(spooled)).toBe(true);
    expect(buffer.pendingCount).toBe(6);
  });

  it("settles the batch it is given, wherever it stands, and nothing when that batch is gone", () => {
    const buffer = createEventBuffer();
    const [a, b, c] = [batch("a", 1), batch("b", 2), batch("c", 3)];
    buffer.addBatches([a, b, c]);
    expect(buffer.replaceBatch(b, [batch("b-a", 1), batch("b-b", 1)])).toBe(true);
    expect(buffer.removeBatch(c)).toBe(true);
    expect(buffer.removeBatch(c)).toBe(false);
    expect(buffer.replaceBatch(c, [batch("c-a", 3)])).toBe(false);
    expect(buffer.batches().map((item) => item.id)).toEqual(["a", "b-a", "b-b"]);
    expect(buffer.pendingCount).toBe(3);
  });

  it("names the oldest batches in memory to evict, never the busy one nor one on disk only, then drops open events", () => {
    const buffer = createEventBuffer();
    const busy = batch("busy", 5);
    const diskOnly = { ...batch("disk-only", 5), body: undefined };
    buffer.addBatches([busy, diskOnly, batch("old", 5), batch("newer", 5)]);
    for (let index = 0; index < 10; index++) buffer.push(featureEvent(index));
    expect(buffer.oldestInMemory(7, (candidate) => candidate === busy).map((item) => item.id)).toEqual([
      "old",
      "newer",
    ]);
    expect(buffer.oldestInMemory(5, (candidate) => candidate === busy).map((item) => item.id)).toEqual(["old"]);
    expect(buffer.pendingCount).toBe(30);
    expect(buffer.dropOldestOpen(2)).toBe(2);
    expect(buffer.pendingCount).toBe(28);
    expect(buffer.takeOpen().map((event) => event.userKey)).toEqual([
      "user-2",
      "user-3",
      "user-4",
      "user-5",
      "user-6",
      "user-7",
      "user-8",
      "user-9",
    ]);
  });
});
