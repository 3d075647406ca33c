import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FlushResult } from "../src/exporter-api.js";
import { createFlushDriver } from "../src/delivery/flush-driver.js";
import { createObserver } from "../src/observe/observer.js";

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A delivery loop that answers from a script, and a driver over it with a 60 s interval. */
function setUp(results: (() => Promise<FlushResult>)[], retryNotBefore = 0) {
  const deliver = vi.fn(() => (results.shift() ?? (() => Promise.resolve({ sent: 0, failed: 0, pending: 0 })))());
  const loop = { deliver, retryNotBefore, isInFlight: () => false, failing: false, finalize: () => undefined };
  const errors: unknown[] = [];
  let open = 0;
  let batches = 0;
  const driver = createFlushDriver({
    loop,
    observer: createObserver({ onError: (error) => errors.push(error) }),
    pending: () => 7,
    openCount: () => open,
    batchCount: () => batches,
    closed: () => false,
    maxEventInMemory: 100,
    flushIntervalMs: 60_000,
  });
  return {
    driver,
    deliver,
    loop,
    errors,
    setOpen: (count: number) => (open = count),
    setBatches: (count: number) => (batches = count),
  };
}

describe("createFlushDriver", () => {
  it("runs again at once after a successful flush that leaves batches waiting (sealed while it ran)", async () => {
    const { driver, deliver, setBatches } = setUp([
      () => {
        setBatches(1);
        return Promise.resolve({ sent: 5, failed: 0, pending: 1 });
      },
      () => {
        setBatches(0);
        return Promise.resolve({ sent: 1, failed: 0, pending: 0 });
      },
    ]);
    await driver.run();
    await vi.advanceTimersByTimeAsync(0);
    expect(deliver).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(deliver).toHaveBeenCalledTimes(2);
    driver.scheduler.stop();
  });

  it("arms the next flush after flushIntervalMs after a success, and at the backoff's end after a failure", async () => {
    const { driver, deliver, loop } = setUp([
      () => Promise.resolve({ sent: 5, failed: 0, pending: 0 }),
      () => Promise.resolve({ sent: 0, failed: 5, pending: 5 }),
    ]);
    await driver.run();
    await vi.advanceTimersByTimeAsync(59_999);
    expect(deliver).toHaveBeenCalledTimes(1);
    loop.retryNotBefore = Date.now() + 1 + 2_500; // the backoff the failing flush will leave
    await vi.advanceTimersByTimeAsync(1);
    expect(deliver).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(2_499);
    expect(deliver).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(deliver).toHaveBeenCalledTimes(3);
    driver.scheduler.stop();
  });

  it("reports a flush that threw, keeps its events, and tries again after flushIntervalMs, not in a tight loop", async () => {
    const { driver, deliver, errors } = setUp([() => Promise.reject(new Error("boom"))]);
    expect(await driver.run()).toEqual({ sent: 0, failed: 7, pending: 7 });
    expect(errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(deliver).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(deliver).toHaveBeenCalledTimes(2);
    driver.scheduler.stop();
  });

  it("starts a threshold flush off the caller's path, but never during a backoff", async () => {
    const { driver, deliver, loop } = setUp([], Date.now() + 5_000);
    driver.startInBackground();
    await vi.advanceTimersByTimeAsync(0);
    expect(deliver).not.toHaveBeenCalled();
    loop.retryNotBefore = 0;
    driver.startInBackground();
    expect(deliver).not.toHaveBeenCalled(); // not within add()
    await vi.advanceTimersByTimeAsync(0);
    expect(deliver).toHaveBeenCalledTimes(1);
    driver.scheduler.stop();
  });
});
