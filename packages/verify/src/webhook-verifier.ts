import { safeParsePayload, toHex, type SigningSchemeName, type WebhookPayload } from "@org/webhook-types";
import { bodyBytes } from "./encoding.js";
import { createVerificationCounter } from "./metrics.js";
import { WebhookVerificationError } from "./errors.js";
import { readHeader, type HeaderSource } from "./headers.js";
import type { ComputeHmac } from "./hmac.js";
import { resolveVerifierOptions, type ResolvedVerifierOptions, type WebhookVerifierOptions } from "./options.js";
import { ReplayStoreFullError, type ReplayClaim, type ReplayCommit } from "./replay-store.js";
import { SCHEMES } from "./schemes/index.js";
import type { SignatureScheme } from "./schemes/scheme.js";
import { matchDigest, type WebhookBody } from "./signature-api.js";

/** What a verified request carries. */
export interface VerifiedWebhook {
  /** The body, parsed and validated by `@org/webhook-types`. */
  payload: WebhookPayload;
  /**
   * The signed `webhook-id` (one per batch, the same on every retry) of a Standard Webhooks request;
   * `undefined` for a hub-only request, whose `webhook-id`, if any, nobody signed.
   */
  id: string | undefined;
  /** The body's HMAC-SHA256 under the matched secret, lowercase hex: the request's identity with or without an id. */
  digest: string;
  /** `webhook-timestamp` in Unix seconds, when the Standard Webhooks scheme was checked. */
  timestamp: number | undefined;
  /** The scheme that was checked. */
  scheme: SigningSchemeName;
  /** Which secret matched (its index in `secret`), for rotation metrics. */
  secretIndex: number;
  /**
   * With a replay store: marks the request processed, so that a re-delivery is a duplicate. Call it once
   * the events are stored (the adapters do, when the handler succeeded). A no-op without a store.
   */
  commit(): Promise<void>;
  /** With a replay store: drops the claim, so that the sender's retry is processed (the adapters do, when the handler failed). */
  release(): Promise<void>;
}

/** One request to check: its raw body and its headers. */
export interface WebhookRequestInput {
  /** The raw body, exactly as received. */
  body: WebhookBody;
  /** The request's headers: a plain object (node:http) or a Fetch `Headers`. */
  headers: HeaderSource;
}

/** Input of `verifyWebhook`: the options and the request in one object. */
export type VerifyWebhookInput = WebhookVerifierOptions & WebhookRequestInput;

/** A verifier whose options were checked once; adapters hold one. */
export interface WebhookVerifier {
  /**
   * Checks the signature (and, with Standard Webhooks headers, the timestamp), parses and validates the
   * payload, then claims the request in the replay store, if any. Commit or release the result.
   * @throws {WebhookVerificationError} with the `code` of the first check that failed: `ERR_REPLAYED`
   * for a duplicate, `ERR_REPLAY_IN_PROGRESS` while another delivery of it is being processed.
   */
  verify(request: WebhookRequestInput): Promise<VerifiedWebhook>;
  /** The checked options. */
  readonly options: ResolvedVerifierOptions;
}

const decoder = new TextDecoder();

function fail(code: WebhookVerificationError["code"], message: string, cause?: unknown): never {
  throw new WebhookVerificationError(code, message, cause === undefined ? undefined : { cause });
}

interface SignatureCheck {
  scheme: SigningSchemeName;
  id: string | undefined;
  timestamp: number | undefined;
  secretIndex: number;
  /** The body's HMAC under the matched secret's hub key: the request's identity, whichever scheme checked it. */
  digest: Uint8Array;
}

/** The scheme that checks this request: the one `scheme` names, or under "any" the first whose header is present. */
function pickScheme(options: ResolvedVerifierOptions, headers: HeaderSource): SignatureScheme {
  if (options.scheme !== "any") {
    const scheme = SCHEMES[options.scheme];
    if (readHeader(headers, scheme.signatureHeader) === undefined)
      fail("ERR_MISSING_SIGNATURE", `no ${scheme.signatureHeader} header`);
    return scheme;
  }
  const present = Object.values(SCHEMES).find((scheme) => readHeader(headers, scheme.signatureHeader) !== undefined);
  if (present === undefined) fail("ERR_MISSING_SIGNATURE", "no X-Hub-Signature-256 or webhook-signature header");
  return present;
}

async function checkSignature(
  computeHmac: ComputeHmac,
  options: ResolvedVerifierOptions,
  headers: HeaderSource,
  body: Uint8Array,
): Promise<SignatureCheck> {
  const scheme = pickScheme(options, headers);
  const reading = scheme.read(headers, Date.now() / 1000, options.toleranceSeconds);
  const parts = scheme.signedParts(body, { id: reading.id, timestampText: reading.timestamp?.text });
  const secretIndex = await matchDigest(computeHmac, options.keys.map(scheme.keyOf), parts, reading.candidates);
  const key = options.keys[secretIndex];
  if (key === undefined) fail("ERR_SIGNATURE_MISMATCH", scheme.mismatch);
  // The hub scheme's matched digest is the identity as it is; another scheme's costs one more HMAC.
  const digest = scheme === SCHEMES.hub ? reading.candidates[0] : undefined;
  return {
    scheme: scheme.name,
    id: reading.id,
    timestamp: reading.timestamp?.seconds,
    secretIndex,
    digest: digest ?? (await computeHmac(SCHEMES.hub.keyOf(key), [body])),
  };
}

function parseBody(body: Uint8Array): WebhookPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(body));
  } catch (error) {
    fail("ERR_INVALID_PAYLOAD", "the body is not JSON", error);
  }
  const result = safeParsePayload(parsed);
  if (!result.success) fail("ERR_INVALID_PAYLOAD", result.error.message, result.error);
  return result.data;
}

/** The store keys of a request: its digest always, its signed id when it has one. */
function identitiesOf(options: ResolvedVerifierOptions, digest: string, id: string | undefined): ReplayCommit[] {
  const keys = [{ key: `sha256:${digest}`, ttlSeconds: options.hubReplayWindowSeconds }];
  if (id !== undefined) keys.push({ key: `id:${id}`, ttlSeconds: options.toleranceSeconds * 2 });
  return keys;
}

/** Claims the request's identities; returns how to commit or release them. */
async function claimOnce(
  options: ResolvedVerifierOptions,
  identities: readonly ReplayCommit[],
): Promise<Pick<VerifiedWebhook, "commit" | "release">> {
  const store = options.replayStore;
  if (store === undefined) return { commit: () => Promise.resolve(), release: () => Promise.resolve() };
  const keys = identities.map((identity) => identity.key);
  let claim: ReplayClaim;
  try {
    claim = await store.claim(keys, options.claimLeaseSeconds);
  } catch (error) {
    const full = error instanceof ReplayStoreFullError;
    fail(
      "ERR_REPLAY_STORE_UNAVAILABLE",
      full ? "the replay store is full of live keys" : "the replay store could not be reached",
      error,
    );
  }
  if (claim.state === "committed") fail("ERR_REPLAYED", "this request was already processed");
  if (claim.state === "in-progress") {
    throw new WebhookVerificationError(
      "ERR_REPLAY_IN_PROGRESS",
      "another delivery of this request is being processed",
      {
        retryAfterSeconds: claim.retryAfterSeconds,
      },
    );
  }
  let settled = false;
  const once = (work: () => Promise<void>) => () => {
    if (settled) return Promise.resolve();
    settled = true;
    return work().catch(() => undefined);
  };
  return { commit: once(() => store.commit(identities)), release: once(() => store.release(keys, claim.token)) };
}

/** Builds `createWebhookVerifier` over one HMAC implementation (Node or Web Crypto). */
export function createVerifierFactory(computeHmac: ComputeHmac): (options: WebhookVerifierOptions) => WebhookVerifier {
  return (input) => {
    const options = resolveVerifierOptions(input);
    const counter = options.meter === undefined ? undefined : createVerificationCounter(options.meter);
    async function verify({ body, headers }: WebhookRequestInput): Promise<VerifiedWebhook> {
      const bytes = bodyBytes(body);
      if (bytes.length > options.maxBodyBytes)
        fail("ERR_BODY_TOO_LARGE", `the body is larger than ${options.maxBodyBytes} bytes`);
      const { digest: digestBytes, ...signature } = await checkSignature(computeHmac, options, headers, bytes);
      const payload = parseBody(bytes);
      const digest = toHex(digestBytes);
      const settle = await claimOnce(options, identitiesOf(options, digest, signature.id));
      return { payload, digest, ...signature, ...settle };
    }
    if (counter === undefined) return { options, verify };
    return {
      options,
      async verify(request) {
        try {
          const webhook = await verify(request);
          counter.verified(webhook.scheme);
          return webhook;
        } catch (error) {
          if (error instanceof WebhookVerificationError) counter.failed(error);
          throw error;
        }
      },
    };
  };
}

/** Builds `verifyWebhook`: one call that checks options and request together. */
export function createVerifyWebhook(
  createVerifier: (options: WebhookVerifierOptions) => WebhookVerifier,
): (input: VerifyWebhookInput) => Promise<VerifiedWebhook> {
  return ({ body, headers, ...options }) => createVerifier(options).verify({ body, headers });
}
