import type { Response } from "express";

/**
 * Answers with an RFC 9457 problem, as `@org/webhook-verify` answers its refusals: a 503 says "retry"
 * (GO Feature Flag's exporter and ours re-send the batch), with a `Retry-After`. Says what failed, never
 * why in detail (broker or database addresses stay in the logs).
 */
export function answerProblem(res: Response, status: number, title: string, retryAfterSeconds?: number): void {
  if (res.headersSent) return;
  if (retryAfterSeconds !== undefined) res.setHeader("retry-after", String(retryAfterSeconds));
  res
    .status(status)
    .type("application/problem+json")
    .send(JSON.stringify({ type: "about:blank", title, status }));
}
