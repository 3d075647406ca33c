import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createFlushScheduler } from "../src/delivery/flush-scheduler.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A flush of 100 ms (fake time) that counts how many ran at once, at most. */
function overlapCountingFlush() {
  let active = 0;
  let most = 0;
  const flush = vi.fn(async () => {
    active += 1;
    most = Math.max(most, active);
    await new Promise((resolve) => setTimeout(resolve, 100));
    active -= 1;
    return active;
  });
  return { flush, maxActive: () => most };
}

describe("createFlushScheduler", () => {
  it("runs the flush when the armed timer fires, with an unref'ed timer", async () => {
    const unref = vi.spyOn(globalThis, "setTimeout");
    const flush = vi.fn(() => Promise.resolve(1));
    const scheduler = createFlushScheduler(flush);
    scheduler.arm(1000);
    expect((unref.mock.results[0]?.value as NodeJS.Timeout).hasRef()).toBe(false);
    await vi.advanceTimersByTimeAsync(999);
    expect(flush).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it("never runs two flushes at once, and queues one run for every caller that arrives meanwhile", async () => {
    const { flush, maxActive } = overlapCountingFlush();
    const scheduler = createFlushScheduler(flush);
    const runs = [scheduler.run(), scheduler.run(), scheduler.run()];
    expect(scheduler.busy).toBe(true);
    await vi.advanceTimersByTimeAsync(250);
    await Promise.all(runs);
    expect(flush).toHaveBeenCalledTimes(2);
    expect(maxActive()).toBe(1);
    expect(runs[1]).toBe(runs[2]);
  });

  it("never runs two flushes at once when the caller of the running flush asks again as soon as it ends", async () => {
    // The race a sender hit end to end: a flush() awaited by its caller, a timer's flush queued behind
    // it, and the caller flushing again the moment its own resolved, before the queued one started.
    const { flush, maxActive } = overlapCountingFlush();
    const scheduler = createFlushScheduler(flush);
    const callers = scheduler.run().then(() => scheduler.run());
    const queued = scheduler.run();
    await vi.advanceTimersByTimeAsync(500);
    await Promise.all([callers, queued]);
    expect(maxActive()).toBe(1);
    expect(flush).toHaveBeenCalledTimes(2);
  });

  it("stops arming after stop()", async () => {
    const flush = vi.fn(() => Promise.resolve(0));
    const scheduler = createFlushScheduler(flush);
    scheduler.arm(10);
    scheduler.stop();
    scheduler.arm(10);
    await vi.advanceTimersByTimeAsync(100);
    expect(flush).not.toHaveBeenCalled();
  });
});
