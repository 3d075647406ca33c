import type { WebhookVerificationError } from "./errors.js";
import { outcomeOf } from "./problem.js";

/**
 * The part of an OpenTelemetry `Meter` the verifier uses, written out so that the package needs no
 * OpenTelemetry unless you pass one: `metrics.getMeter("@org/webhook-verify")` from `@opentelemetry/api` fits.
 */
export interface VerifierMeterLike {
  /** A monotonic counter. */
  createCounter(name: string, options?: { description?: string; unit?: string }): VerifierCounterLike;
}

/** A counter, as OpenTelemetry's. */
export interface VerifierCounterLike {
  /** Adds `value` for one set of attributes. */
  add(value: number, attributes?: Record<string, string>): void;
}

/** What one verification came to, as the `webhook.verify.outcome` attribute says it. */
export type VerificationOutcome = "verified" | "duplicate" | "in-progress" | "refused" | "unavailable";

/** Counts `webhook.verify.requests` by outcome, scheme (when known) and, for a refusal, `error.type` (the code). */
export function createVerificationCounter(meter: VerifierMeterLike): {
  verified(scheme: string): void;
  failed(error: WebhookVerificationError): void;
} {
  const requests = meter.createCounter("webhook.verify.requests", {
    description: "Webhook requests checked, by outcome and scheme",
    unit: "{request}",
  });
  return {
    verified(scheme) {
      requests.add(1, { "webhook.verify.outcome": "verified", "webhook.scheme": scheme });
    },
    failed(error) {
      const outcome = outcomeOf(error);
      requests.add(1, {
        "webhook.verify.outcome": outcome,
        ...(outcome === "refused" || outcome === "unavailable" ? { "error.type": error.code } : {}),
      });
    },
  };
}
