import { SIGNING_SCHEME_NAMES, type SigningSchemeName } from "@org/webhook-types";
import type { VerifierMeterLike } from "./metrics.js";
import { configError } from "./errors.js";
import type { ReplayStore } from "./replay-store.js";
import { resolveSecrets, type SecretKeys } from "./secrets.js";
import type { WebhookSecret } from "./signature-api.js";
import { warnOnce } from "./warnings.js";

/** Which signature headers to accept. */
export type SignatureScheme = SigningSchemeName | "any";
/** Every `SignatureScheme`, the default first. */
export const SIGNATURE_SCHEMES: readonly [SignatureScheme, ...SignatureScheme[]] = ["any", ...SIGNING_SCHEME_NAMES];
const isSignatureScheme = (value: unknown): value is SignatureScheme =>
  (SIGNATURE_SCHEMES as readonly unknown[]).includes(value);

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
  /**
   * Claims each request's identities (its body's digest, and its signed `webhook-id`) before the handler
   * runs and commits them once it succeeded, so a request is processed once: a duplicate (or a captured
   * request replayed) is acknowledged (2xx) without calling the handler. Ids are kept for twice
   * `toleranceSeconds`, digests for `hubReplayWindowSeconds`. `false` turns replay protection off.
   *
   * The adapters (Express, Fastify, Next.js, fetch, `node:http`) commit and release for you, and by
   * default keep a memory store of their own (`createMemoryReplayStore({ whenFull: "forget-oldest" })`),
   * right for one replica; several replicas share one (`@org/webhook-verify/redis`). `verifyWebhook` and
   * `createWebhookVerifier` use a store only when given one (then call `commit()` or `release()`).
   */
  replayStore?: ReplayStore | false | undefined;
  /**
   * How long a processed body's digest is remembered. A hub-only request (GO Feature Flag) carries no
   * timestamp, so this is the window in which a captured one is refused; past it, it would be accepted
   * again. Costs one store key per request for that long.
   * @default 86400 (24 h)
   */
  hubReplayWindowSeconds?: number | undefined;
  /**
   * How long a claim holds before the handler commits or releases it: a receiver that dies mid-handler
   * blocks the sender's retries (503, `Retry-After`) at most this long. Longer than your slowest handler.
   * @default 60
   */
  claimLeaseSeconds?: number | undefined;
  /** The largest body accepted, in bytes. @default 33554432 (32 MiB) */
  maxBodyBytes?: number | undefined;
  /**
   * An OpenTelemetry `Meter` (`metrics.getMeter("@org/webhook-verify")` from `@opentelemetry/api`): the
   * verifier counts `webhook.verify.requests` there, by outcome and scheme. Off by default.
   */
  meter?: VerifierMeterLike | undefined;
}

/** Options with defaults filled and secrets derived. */
export interface ResolvedVerifierOptions {
  /** Each secret's keys, derived once. */
  readonly keys: readonly SecretKeys[];
  /** The option `scheme`. */
  readonly scheme: SignatureScheme;
  /** The option `toleranceSeconds`. */
  readonly toleranceSeconds: number;
  /** The option `replayStore`; `undefined` when none was given, or `false`. */
  readonly replayStore: ReplayStore | undefined;
  /** The option `maxBodyBytes`. */
  readonly maxBodyBytes: number;
  /** The option `hubReplayWindowSeconds`. */
  readonly hubReplayWindowSeconds: number;
  /** The option `claimLeaseSeconds`. */
  readonly claimLeaseSeconds: number;
  /** The option `meter`. */
  readonly meter: VerifierMeterLike | undefined;
}

/** Defaults of {@link WebhookVerifierOptions}. */
export const VERIFIER_DEFAULTS: Readonly<{
  /** `scheme`: either header is accepted. */
  scheme: "any";
  /** `toleranceSeconds`: 300. */
  toleranceSeconds: number;
  /** `maxBodyBytes`: 32 MiB. */
  maxBodyBytes: number;
  /** `hubReplayWindowSeconds`: 24 hours. */
  hubReplayWindowSeconds: number;
  /** `claimLeaseSeconds`: 60. */
  claimLeaseSeconds: number;
}> = Object.freeze({
  scheme: "any",
  toleranceSeconds: 300,
  maxBodyBytes: 32 * 1024 * 1024,
  hubReplayWindowSeconds: 24 * 60 * 60,
  claimLeaseSeconds: 60,
});

const KNOWN_KEYS = new Set([
  "secret",
  "scheme",
  "toleranceSeconds",
  "replayStore",
  "maxBodyBytes",
  "hubReplayWindowSeconds",
  "claimLeaseSeconds",
  "meter",
]);

function positiveInteger(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw configError(
      field,
      `must be a positive integer, got ${typeof value === "number" ? String(value) : typeof value}`,
    );
  }
  return value;
}

/** A tolerance of more than a day was almost surely meant in milliseconds. */
function warnIfMilliseconds(toleranceSeconds: number): void {
  if (toleranceSeconds <= 86_400) return;
  const message = `toleranceSeconds is in seconds: ${toleranceSeconds} s is about ${(toleranceSeconds / 86_400).toFixed(1)} days (${toleranceSeconds} ms would be toleranceSeconds: ${Math.round(toleranceSeconds / 1000)})`;
  warnOnce(message, "WEBHOOK_VERIFY_UNITS");
}

/**
 * Checks every option once, naming the field at fault.
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG`.
 */
export function resolveVerifierOptions(
  options: WebhookVerifierOptions,
  extraKeys: readonly string[] = [],
): ResolvedVerifierOptions {
  if (typeof options !== "object") throw configError("options", "must be an object");
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key) && !extraKeys.includes(key)) throw configError(key, "is not a known option");
  }
  const scheme: unknown = options.scheme ?? VERIFIER_DEFAULTS.scheme;
  if (!isSignatureScheme(scheme)) {
    const allowed = SIGNATURE_SCHEMES.map((name) => JSON.stringify(name)).join(", ");
    throw configError("scheme", `must be one of ${allowed}, got ${JSON.stringify(scheme).slice(0, 40)}`);
  }
  const given = options.replayStore;
  const store = given as unknown as Partial<ReplayStore> | null | undefined | false;
  if (
    store !== undefined &&
    store !== false &&
    (typeof store !== "object" ||
      store === null ||
      typeof store.claim !== "function" ||
      typeof store.commit !== "function" ||
      typeof store.release !== "function")
  ) {
    throw configError("replayStore", "must have claim, commit and release methods (see ReplayStore), or be false");
  }
  const replayStore = given === false ? undefined : given;
  const meter = options.meter;
  if (meter !== undefined && typeof (meter as Partial<VerifierMeterLike> | null)?.createCounter !== "function")
    throw configError("meter", "must be an OpenTelemetry Meter (metrics.getMeter(...) from @opentelemetry/api)");
  const toleranceSeconds = positiveInteger(
    "toleranceSeconds",
    options.toleranceSeconds,
    VERIFIER_DEFAULTS.toleranceSeconds,
  );
  warnIfMilliseconds(toleranceSeconds);
  return {
    meter,
    keys: resolveSecrets(options.secret),
    scheme,
    toleranceSeconds,
    replayStore,
    maxBodyBytes: positiveInteger("maxBodyBytes", options.maxBodyBytes, VERIFIER_DEFAULTS.maxBodyBytes),
    hubReplayWindowSeconds: positiveInteger(
      "hubReplayWindowSeconds",
      options.hubReplayWindowSeconds,
      VERIFIER_DEFAULTS.hubReplayWindowSeconds,
    ),
    claimLeaseSeconds: positiveInteger(
      "claimLeaseSeconds",
      options.claimLeaseSeconds,
      VERIFIER_DEFAULTS.claimLeaseSeconds,
    ),
  };
}
