import { safeParsePayload, type WebhookPayload } from "@org/webhook-types";
import { bodyBytes, utf8Bytes } from "./encoding.js";
import { WebhookVerificationError } from "./errors.js";
import { readHeader, type HeaderSource } from "./headers.js";
import type { ComputeHmac } from "./hmac.js";
import { resolveVerifierOptions, type ResolvedVerifierOptions, type WebhookVerifierOptions } from "./options.js";
import { parseHubSignature, parseStandardSignatures } from "./signature-header.js";
import { matchDigest, type WebhookBody } from "./verify-core.js";

/** What a verified request carries. */
export interface VerifiedWebhook {
  /** The body, parsed and validated by `@org/webhook-types`. */
  payload: WebhookPayload;
  /** `webhook-id` (one per batch, the same on every retry), when sent. */
  id: string | undefined;
  /** `webhook-timestamp` in Unix seconds, when the Standard Webhooks scheme was checked. */
  timestamp: number | undefined;
  /** The scheme that was checked. */
  scheme: "hub" | "standard";
  /** Which secret matched (its index in `secret`), for rotation metrics. */
  secretIndex: number;
}

/** One request to check: its raw body and its headers. */
export interface WebhookRequestInput {
  body: WebhookBody;
  headers: HeaderSource;
}

/** Input of `verifyWebhook`: the options and the request in one object. */
export type VerifyWebhookInput = WebhookVerifierOptions & WebhookRequestInput;

/** A verifier whose options were checked once; adapters hold one. */
export interface WebhookVerifier {
  /**
   * Checks the signature (and, with Standard Webhooks headers, the timestamp and the replay store), then
   * parses and validates the payload.
   * @throws {WebhookVerificationError} with the `code` of the first check that failed.
   */
  verify(request: WebhookRequestInput): Promise<VerifiedWebhook>;
  /** The checked options. */
  readonly options: ResolvedVerifierOptions;
}

const HUB_HEADER = "x-hub-signature-256";
const TIMESTAMP = /^[0-9]{1,15}$/;
const MAX_ID_LENGTH = 256;
const decoder = new TextDecoder();

function fail(code: WebhookVerificationError["code"], message: string, cause?: unknown): never {
  throw new WebhookVerificationError(code, message, cause === undefined ? undefined : { cause });
}

interface SignatureCheck {
  scheme: "hub" | "standard";
  id: string | undefined;
  timestamp: number | undefined;
  secretIndex: number;
}

/** The headers a check needs, read once per request. */
interface SignatureHeaders {
  hub: string | undefined;
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** The keys of every secret, per scheme, derived once per verifier. */
interface SchemeKeys {
  hub: readonly Uint8Array[];
  standard: readonly Uint8Array[];
}

async function checkHub(computeHmac: ComputeHmac, keys: SchemeKeys, headers: SignatureHeaders, body: Uint8Array): Promise<SignatureCheck> {
  const digest = parseHubSignature(headers.hub);
  if (digest === undefined) fail("ERR_MALFORMED_SIGNATURE", "X-Hub-Signature-256 must be sha256= followed by 64 hex digits");
  const secretIndex = await matchDigest(computeHmac, keys.hub, [body], [digest]);
  if (secretIndex < 0) fail("ERR_SIGNATURE_MISMATCH", "X-Hub-Signature-256 does not match the body");
  return { scheme: "hub", id: headers.id, timestamp: undefined, secretIndex };
}

async function checkStandard(
  computeHmac: ComputeHmac, keys: SchemeKeys, toleranceSeconds: number, headers: SignatureHeaders, body: Uint8Array,
): Promise<SignatureCheck> {
  const { id, timestamp: timestampText } = headers;
  const digests = parseStandardSignatures(headers.signature);
  if (id === undefined || id === "" || id.length > MAX_ID_LENGTH || id.includes(".")) {
    fail("ERR_MALFORMED_SIGNATURE", "webhook-id must be 1 to 256 characters without a dot");
  }
  if (timestampText === undefined || !TIMESTAMP.test(timestampText)) {
    fail("ERR_MALFORMED_SIGNATURE", "webhook-timestamp must be an integer of Unix seconds");
  }
  if (digests === undefined) fail("ERR_MALFORMED_SIGNATURE", "webhook-signature must list v1,<base64> signatures");
  const timestamp = Number(timestampText);
  const skew = Math.abs(Date.now() / 1000 - timestamp);
  if (skew > toleranceSeconds) {
    fail("ERR_TIMESTAMP_OUT_OF_RANGE", `webhook-timestamp is more than ${toleranceSeconds} s away from now`);
  }
  const secretIndex = await matchDigest(computeHmac, keys.standard, [utf8Bytes(`${id}.${timestampText}.`), body], digests);
  if (secretIndex < 0) fail("ERR_SIGNATURE_MISMATCH", "webhook-signature does not match the body");
  return { scheme: "standard", id, timestamp, secretIndex };
}

function checkSignature(
  computeHmac: ComputeHmac, options: ResolvedVerifierOptions, keys: SchemeKeys, source: HeaderSource, body: Uint8Array,
): Promise<SignatureCheck> {
  const headers: SignatureHeaders = {
    hub: readHeader(source, HUB_HEADER),
    id: readHeader(source, "webhook-id"),
    timestamp: readHeader(source, "webhook-timestamp"),
    signature: readHeader(source, "webhook-signature"),
  };
  const useStandard = options.scheme === "standard" || (options.scheme === "any" && headers.signature !== undefined);
  if ((useStandard ? headers.signature : headers.hub) === undefined) {
    const wanted = { hub: "X-Hub-Signature-256", standard: "webhook-signature", any: "X-Hub-Signature-256 or webhook-signature" };
    fail("ERR_MISSING_SIGNATURE", `no ${wanted[options.scheme]} header`);
  }
  return useStandard
    ? checkStandard(computeHmac, keys, options.toleranceSeconds, headers, body)
    : checkHub(computeHmac, keys, headers, body);
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

async function checkReplay(options: ResolvedVerifierOptions, id: string | undefined): Promise<void> {
  if (options.replayStore === undefined || id === undefined) return;
  let replayed: boolean;
  try {
    replayed = await options.replayStore.seen(id, options.toleranceSeconds * 2);
  } catch (error) {
    fail("ERR_REPLAY_STORE_UNAVAILABLE", "the replay store could not be reached", error);
  }
  if (replayed) fail("ERR_REPLAYED", "this webhook-id was already received");
}

/** Builds `createWebhookVerifier` over one HMAC implementation (Node or Web Crypto). */
export function createVerifierFactory(computeHmac: ComputeHmac): (options: WebhookVerifierOptions) => WebhookVerifier {
  return (input) => {
    const options = resolveVerifierOptions(input);
    const keys: SchemeKeys = { hub: options.keys.map((key) => key.hub), standard: options.keys.map((key) => key.standard) };
    return {
      options,
      async verify({ body, headers }) {
        const bytes = bodyBytes(body);
        if (bytes.length > options.maxBodyBytes) fail("ERR_BODY_TOO_LARGE", `the body is larger than ${options.maxBodyBytes} bytes`);
        const signature = await checkSignature(computeHmac, options, keys, headers, bytes);
        const payload = parseBody(bytes);
        await checkReplay(options, signature.id);
        return { payload, ...signature };
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
