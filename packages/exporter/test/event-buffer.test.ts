import { describe, expect, it } from "vitest";
import type { Batch } from "../src/batch.js";
import { createEventBuffer } from "../src/event-buffer.js";
import { featureEvent } from "./helpers/events.js";

const batch = (id: string, count: number): Batch => ({ id, body: Buffer.from(id), count, attempts: 0 });

describe("createEventBuffer", () => {
  it("keeps batches in order, a failed one staying in front, and counts every event", () => {
    const buffer = createEventBuffer();
    buffer.addBatches([batch("a", 2), batch("b", 3)]);
    buffer.push(featureEvent(1));
    expect(buffer.pendingCount).toBe(6);
    expect(buffer.firstBatch()?.id).toBe("a");
    buffer.replaceFirstBatch([batch("a-a", 1), batch("a-b", 1)]);
    expect(buffer.firstBatch()?.id).toBe("a-a");
    buffer.addBatches([batch("spooled", 4)], "front");
    expect(buffer.shiftBatch()?.id).toBe("spooled");
    expect(buffer.pendingCount).toBe(6);
  });

  it("evicts whole batches from the front first, never the busy one, then open events", () => {
    const buffer = createEventBuffer();
    const busy = batch("busy", 5);
    buffer.addBatches([busy, batch("old", 5)]);
    for (let index = 0; index < 10; index++) buffer.push(featureEvent(index));
    const evicted = buffer.evictOldest(7, busy);
    expect(evicted.batches.map((item) => item.id)).toEqual(["old"]);
    expect(evicted.openEvents).toBe(2);
    expect(buffer.pendingCount).toBe(13);
    expect(buffer.takeOpen().map((event) => event.userKey)).toEqual(["user-2", "user-3", "user-4", "user-5", "user-6", "user-7", "user-8", "user-9"]);
  });
});
