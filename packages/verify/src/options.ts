import { configError } from "./errors.js";
import type { ReplayStore } from "./replay-store.js";
import { resolveSecrets, type SecretKeys } from "./secrets.js";
import type { WebhookSecret } from "./verify-core.js";

/** Which signature headers to accept. */
export type SignatureScheme = "hub" | "standard" | "any";

/** Options shared by `verifyWebhook`, `createWebhookVerifier` and every adapter. */
export interface WebhookVerifierOptions {
  /** The shared secret, or up to 10 during a rotation. A `whsec_` secret is base64-decoded for Standard Webhooks. */
  secret: WebhookSecret;
  /**
   * `"hub"`: `X-Hub-Signature-256` only (GO Feature Flag). `"standard"`: `webhook-id`, `webhook-timestamp`,
   * `webhook-signature` only (replay-proof). `"any"`: the strongest present.
   * @default "any"
   */
  scheme?: SignatureScheme | undefined;
  /** How far `webhook-timestamp` may be from now, either way. @default 300 */
  toleranceSeconds?: number | undefined;
  /** Refuses a `webhook-id` seen before; ids are kept for twice `toleranceSeconds`. */
  replayStore?: ReplayStore | undefined;
  /** The largest body accepted, in bytes. @default 33554432 (32 MiB) */
  maxBodyBytes?: number | undefined;
}

/** Options with defaults filled and secrets derived. */
export interface ResolvedVerifierOptions {
  readonly keys: readonly SecretKeys[];
  readonly scheme: SignatureScheme;
  readonly toleranceSeconds: number;
  readonly replayStore: ReplayStore | undefined;
  readonly maxBodyBytes: number;
}

/** Defaults of {@link WebhookVerifierOptions}. */
export const VERIFIER_DEFAULTS: Readonly<{ scheme: "any"; toleranceSeconds: number; maxBodyBytes: number }> = Object.freeze({
  scheme: "any",
  toleranceSeconds: 300,
  maxBodyBytes: 32 * 1024 * 1024,
});

const KNOWN_KEYS = new Set(["secret", "scheme", "toleranceSeconds", "replayStore", "maxBodyBytes"]);

function positiveInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw configError(field, `must be a positive integer, got ${typeof value === "number" ? String(value) : typeof value}`);
  }
  return value;
}

/**
 * Checks every option once, naming the field at fault.
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG`.
 */
export function resolveVerifierOptions(options: WebhookVerifierOptions, extraKeys: readonly string[] = []): ResolvedVerifierOptions {
  if (typeof options !== "object") throw configError("options", "must be an object");
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key) && !extraKeys.includes(key)) throw configError(key, "is not a known option");
  }
  const scheme: unknown = options.scheme ?? VERIFIER_DEFAULTS.scheme;
  if (scheme !== "hub" && scheme !== "standard" && scheme !== "any") {
    throw configError("scheme", `must be "hub", "standard" or "any", got ${JSON.stringify(scheme).slice(0, 40)}`);
  }
  const replayStore = options.replayStore;
  if (replayStore !== undefined && typeof (replayStore as Partial<ReplayStore>).seen !== "function") {
    throw configError("replayStore", "must have a seen(id, ttlSeconds) method");
  }
  return {
    keys: resolveSecrets(options.secret),
    scheme,
    toleranceSeconds: positiveInteger("toleranceSeconds", options.toleranceSeconds, VERIFIER_DEFAULTS.toleranceSeconds),
    replayStore,
    maxBodyBytes: positiveInteger("maxBodyBytes", options.maxBodyBytes, VERIFIER_DEFAULTS.maxBodyBytes),
  };
}
