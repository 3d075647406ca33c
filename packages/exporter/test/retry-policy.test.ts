import { describe, expect, it } from "vitest";
import { judge, parseRetryAfter, refusalStep, retryDelayMs } from "../src/delivery/retry-policy.js";

const answer = (status: number, retryAfter?: string) => ({ kind: "answer" as const, status, retryAfter });

describe("judge", () => {
  it.each([200, 202, 204, 299, 409])("counts %i as delivered", (status) => {
    expect(judge(answer(status), 0).kind).toBe("delivered");
  });

  it("splits on 413, and on 400 and 422 to isolate the events the receiver refused", () => {
    expect(judge(answer(413), 0)).toEqual({ kind: "split", reason: "too-large" });
    expect(judge(answer(400), 0)).toEqual({ kind: "split", reason: "rejected" });
    expect(judge(answer(422), 0)).toEqual({ kind: "split", reason: "rejected" });
  });

  it.each([500, 502, 503, 408, 429])("retries %i as transient", (status) => {
    expect(judge(answer(status), 0)).toMatchObject({ kind: "retry", permanent: false, reason: "status" });
  });

  it.each([404, 405, 410])("retries %i but flags it permanent", (status) => {
    expect(judge(answer(status), 0)).toMatchObject({ kind: "retry", permanent: true, reason: "status" });
  });

  it.each([401, 403])(
    "reports %i as the receiver refusing the signature or credentials, kept and retried",
    (status) => {
      expect(judge(answer(status), 0)).toMatchObject({ kind: "retry", permanent: true, reason: "unauthorized" });
    },
  );

  it.each([301, 302, 307, 308])("treats the redirect %i as a permanent failure, never a success", (status) => {
    expect(judge(answer(status), 0)).toMatchObject({ kind: "retry", permanent: true, reason: "redirect" });
  });

  it("reads Retry-After on 429 and 503 only", () => {
    expect(judge(answer(429, "7"), 0)).toMatchObject({ retryAfterMs: 7000 });
    expect(judge(answer(503, "2"), 0)).toMatchObject({ retryAfterMs: 2000 });
    expect(judge(answer(500, "2"), 0)).toMatchObject({ retryAfterMs: undefined });
  });

  it("retries a network error and a timeout", () => {
    expect(judge({ kind: "no-answer", reason: "timeout", error: new Error("t") }, 0)).toMatchObject({
      kind: "retry",
      reason: "timeout",
      permanent: false,
    });
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates, and ignores garbage", () => {
    const now = Date.parse("2026-11-24T10:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Tue, 24 Nov 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Tue, 24 Nov 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe("retryDelayMs", () => {
  const options = { baseMs: 1000, capMs: 60_000, retryAfterMs: undefined };

  it("draws full jitter below base * 2^(failures-1)", () => {
    expect(retryDelayMs(1, { ...options, random: () => 0.999 })).toBe(999);
    expect(retryDelayMs(3, { ...options, random: () => 0.5 })).toBe(2000);
    expect(retryDelayMs(3, { ...options, random: () => 0 })).toBe(0);
  });

  it("never exceeds the cap, even after many failures or a long Retry-After", () => {
    expect(retryDelayMs(40, { ...options, random: () => 0.999 })).toBeLessThanOrEqual(60_000);
    expect(retryDelayMs(1, { ...options, retryAfterMs: 3_600_000, random: () => 0 })).toBe(60_000);
  });

  it("waits at least what Retry-After asks, within the cap", () => {
    expect(retryDelayMs(1, { ...options, retryAfterMs: 5000, random: () => 0 })).toBe(5000);
  });
});

describe("refusalStep", () => {
  const batch = (count: number, deliveriesBefore?: number) =>
    deliveriesBefore === undefined ? { count } : { count, isolation: { deliveriesBefore } };

  it("starts isolating at the first refusal after a delivery, and goes on while deliveries show it is specific", () => {
    expect(refusalStep(batch(1000), 3, 1)).toBe("isolate");
    expect(refusalStep(batch(500, 3), 4, 1)).toBe("isolate");
    expect(refusalStep(batch(1, 3), 4, 5)).toBe("isolate");
  });

  it("tries another batch at the second refusal in a row, and holds from the third: nothing delivered means an outage", () => {
    expect(refusalStep(batch(500, 3), 3, 2)).toBe("probe");
    expect(refusalStep(batch(500, 3), 3, 3)).toBe("hold");
    expect(refusalStep(batch(1000), 3, 7)).toBe("hold");
  });

  it("never sets a lone event aside on the strength of its own refusal", () => {
    expect(refusalStep(batch(1), 0, 1)).toBe("probe");
    expect(refusalStep(batch(1, 0), 0, 3)).toBe("hold");
  });
});
