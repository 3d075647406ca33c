import { bodyBytes, equalBytes } from "./encoding.js";
import { configError } from "./errors.js";
import { whenReady, type ComputeHmac } from "./hmac.js";
import { resolveSecrets, type SecretKeys } from "./secrets.js";
import { hubScheme, parseHubSignature } from "./schemes/hub.js";
import type { SignatureScheme } from "./schemes/scheme.js";
import { standardScheme } from "./schemes/standard.js";

/** A webhook body exactly as received. */
export type WebhookBody = string | Uint8Array | ArrayBuffer;

/** One secret, or several during a rotation (any one matching is enough; at most 10). */
export type WebhookSecret = string | readonly string[];

/** Input of `verifySignature` and `findMatchingSecret`. */
export interface VerifySignatureInput {
  /** The shared secret(s). @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` when empty or more than 10. */
  secret: WebhookSecret;
  /** The raw body bytes (a string is taken as UTF-8). */
  body: WebhookBody;
  /** The `X-Hub-Signature-256` header value. */
  signature: string | null | undefined;
}

/** Input of `signPayload`. */
export interface SignPayloadInput {
  /** The shared secret. */
  secret: string;
  /** The exact body bytes to be sent. */
  body: WebhookBody;
}

/**
 * Index of the first key whose MAC over `parts` equals one of `candidates`, or -1. Every key is tried
 * and every comparison made, so the time does not tell which key, or whether any, matched.
 */
export function matchDigest(
  computeHmac: ComputeHmac,
  keys: readonly Uint8Array[],
  parts: readonly Uint8Array[],
  candidates: readonly Uint8Array[],
): number | Promise<number> {
  const macs = keys.map((key) => computeHmac(key, parts));
  if (macs.some((mac) => mac instanceof Promise))
    return Promise.all(macs.map(async (mac) => mac)).then((ready) => firstMatch(ready, candidates));
  return firstMatch(macs as Uint8Array[], candidates);
}

function firstMatch(macs: readonly Uint8Array[], candidates: readonly Uint8Array[]): number {
  let matched = -1;
  macs.forEach((mac, index) => {
    let equal = false;
    for (const candidate of candidates) equal = equalBytes(mac, candidate) || equal;
    if (equal && matched === -1) matched = index;
  });
  return matched;
}

/** The signature functions, built over one HMAC implementation (Node or Web Crypto). */
export interface SignatureApi {
  /**
   * True when `signature` is `sha256=<64 hex>` and equals the HMAC-SHA256 of `body` under the secret
   * (or one of them). A malformed header is `false`, never an exception.
   * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` for an empty secret or more than 10.
   */
  verifySignature: (input: VerifySignatureInput) => Promise<boolean>;
  /** Like `verifySignature`, but tells which secret matched (its index), or -1: for rotation metrics. */
  findMatchingSecret: (input: VerifySignatureInput) => Promise<number>;
  /**
   * `sha256=<lowercase hex HMAC-SHA256 of body>`, the `X-Hub-Signature-256` value.
   * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` for an empty secret.
   */
  signPayload: (input: SignPayloadInput) => Promise<string>;
  /**
   * The Standard Webhooks `webhook-signature` value, `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`.
   * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` for an empty secret or a bad `whsec_` value.
   */
  signStandardWebhook: (input: SignStandardWebhookInput) => Promise<string>;
}

/** Input of `signStandardWebhook`. */
export interface SignStandardWebhookInput extends SignPayloadInput {
  /** The `webhook-id` header value. */
  id: string;
  /** The `webhook-timestamp` header value, Unix seconds. */
  timestamp: number;
}

function signingKey(secret: unknown): SecretKeys {
  if (typeof secret !== "string") throw configError("secret", "must be one string when signing");
  const [key] = resolveSecrets(secret);
  if (key === undefined) throw configError("secret", "must be a non-empty string");
  return key;
}

/** Runs `work` and always answers a promise: a synchronous throw becomes a rejection. */
function asPromise<T>(work: () => T | Promise<T>): Promise<T> {
  return new Promise((resolve) => {
    resolve(work());
  });
}

export function createSignatureApi(computeHmac: ComputeHmac): SignatureApi {
  /** Signs as `scheme` does: its key of the secret, over its signed parts, in its format. */
  function sign(
    scheme: SignatureScheme,
    secret: unknown,
    body: Uint8Array,
    signed: { id?: string; timestampText?: string },
  ): string | Promise<string> {
    return whenReady(computeHmac(scheme.keyOf(signingKey(secret)), scheme.signedParts(body, signed)), scheme.format);
  }

  function matchingSecret(input: VerifySignatureInput): number | Promise<number> {
    const keys = resolveSecrets(input.secret).map((key) => key.hub);
    const digest = parseHubSignature(input.signature ?? undefined);
    if (digest === undefined) return -1;
    return matchDigest(computeHmac, keys, [bodyBytes(input.body)], [digest]);
  }
  return {
    findMatchingSecret: (input) => asPromise(() => matchingSecret(input)),
    verifySignature: (input) => asPromise(() => whenReady(matchingSecret(input), (index) => index >= 0)),
    signPayload: (input) => asPromise(() => sign(hubScheme, input.secret, bodyBytes(input.body), {})),
    signStandardWebhook: (input) =>
      asPromise(() =>
        sign(standardScheme, input.secret, bodyBytes(input.body), {
          id: input.id,
          timestampText: String(input.timestamp),
        }),
      ),
  };
}
