import type { SendOutcome } from "../wire/transport.js";

/** What to do with the batch after one attempt. */
export type Verdict =
  /** Delivered: a 2xx (`@org/webhook-verify` answers a duplicate `200 {"duplicate":true}`), or 409 (a receiver that already has this batch id may answer so). */
  | { readonly kind: "delivered" }
  /**
   * Send the batch in two halves; a batch of one event is set aside. `too-large`: a 413. `rejected`: a
   * 400 or 422, the receiver refused what it holds, so halving finds the events at fault and delivers the rest.
   */
  | { readonly kind: "split"; readonly reason: "too-large" | "rejected" }
  /** Keep the batch and try again later. `permanent`: retrying will not help until someone fixes something. */
  | {
      readonly kind: "retry";
      readonly permanent: boolean;
      readonly reason: "network" | "timeout" | "status" | "redirect" | "unauthorized";
      readonly retryAfterMs: number | undefined;
    };

/** Parses `Retry-After`: delay-seconds, or an HTTP date. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^[0-9]+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * Judges one attempt. Unlike GO Feature Flag, a 3xx is a failure (a signed body goes only to the
 * configured host, and a redirect would otherwise lose the batch silently). A 400 or 422 refuses the
 * content, so the batch is split to isolate what was refused; other 4xx answers (401 and 403: the
 * credentials) are kept and retried but flagged `permanent` so that operators see them.
 */
export function judge(outcome: SendOutcome, nowMs: number): Verdict {
  if (outcome.kind === "no-answer")
    return { kind: "retry", permanent: false, reason: outcome.reason, retryAfterMs: undefined };
  const { status } = outcome;
  if ((status >= 200 && status < 300) || status === 409) return { kind: "delivered" };
  if (status === 413) return { kind: "split", reason: "too-large" };
  if (status === 400 || status === 422) return { kind: "split", reason: "rejected" };
  const honoursRetryAfter = status === 429 || status === 503;
  const retryAfterMs = honoursRetryAfter ? parseRetryAfter(outcome.retryAfter, nowMs) : undefined;
  if (status >= 300 && status < 400) return { kind: "retry", permanent: true, reason: "redirect", retryAfterMs };
  if (status === 401 || status === 403) return { kind: "retry", permanent: true, reason: "unauthorized", retryAfterMs };
  const transient = status >= 500 || status === 408 || status === 429 || status < 200;
  return { kind: "retry", permanent: !transient, reason: "status", retryAfterMs };
}

/**
 * The wait before the next attempt: exponential backoff with full jitter (a random delay between 0 and
 * `base * 2^(failures-1)`, capped), raised to `Retry-After` when the server asked, never above the cap.
 */
export function retryDelayMs(
  consecutiveFailures: number,
  options: { baseMs: number; capMs: number; retryAfterMs: number | undefined; random?: () => number },
): number {
  const exponential = Math.min(options.capMs, options.baseMs * 2 ** Math.min(consecutiveFailures - 1, 30));
  const jittered = Math.floor((options.random ?? Math.random)() * exponential);
  return Math.min(options.capMs, Math.max(jittered, options.retryAfterMs ?? 0));
}

/**
 * What to do with a batch refused with 400 or 422, given how many batches were delivered so far and
 * how many refusals came since the last delivery (this one included):
 * - `isolate`: split it (or set its one event aside), to find the events at fault. Taken when the
 *   refusal is shown to be specific (a batch was delivered since its isolation began), or for the
 *   first refusal after a delivery, which starts an isolation.
 * - `probe`: try another batch first, without waiting (the second refusal in a row: is it this batch,
 *   or everything?).
 * - `hold`: the endpoint refuses everything (an outage, not poison): keep the batch, behind the
 *   others, and back off as for a 5xx. Nothing is dropped while nothing is delivered.
 */
export function refusalStep(
  batch: { readonly count: number; readonly isolation?: { readonly deliveriesBefore: number } | undefined },
  deliveries: number,
  refusalsSinceDelivery: number,
): "isolate" | "probe" | "hold" {
  if (batch.isolation !== undefined && deliveries > batch.isolation.deliveriesBefore) return "isolate";
  if (refusalsSinceDelivery === 1 && batch.count > 1) return "isolate";
  return refusalsSinceDelivery <= 2 ? "probe" : "hold";
}
