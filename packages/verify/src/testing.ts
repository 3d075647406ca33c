import type { SigningSchemeName } from "@org/webhook-types";
import { bodyBytes } from "./encoding.js";
import { configError } from "./errors.js";
import { signPayload, signStandardWebhook } from "./public-functions.js";

/** Which signatures a test request carries: one scheme's, or both (as `@org/webhook-exporter` sends). */
export type TestWebhookScheme = SigningSchemeName | "both";

/** What to sign for a test request. */
export interface TestWebhookInput {
  /** The shared secret (a `whsec_` secret signs Standard Webhooks with its decoded key, as senders do). */
  secret: string;
  /** The body: sent as is when a string or bytes; an object is sent as its `JSON.stringify`. */
  body: string | Uint8Array | object;
  /** Which signatures to add. @default "both" (as `@org/webhook-exporter` sends) */
  scheme?: TestWebhookScheme | undefined;
  /** The `webhook-id`. @default a random UUID */
  id?: string | undefined;
  /** The `webhook-timestamp`, Unix seconds: set it to test the tolerance window. @default now */
  timestamp?: number | undefined;
}

/**
 * A test webhook: the exact body and the headers that sign it. `Body` is `string` for a string or an
 * object payload, and the bytes' own type for bytes, so that `fetch` takes it as it is.
 */
export interface TestWebhook<Body extends string | Uint8Array = string | Uint8Array> {
  /** The body to send, exactly as signed. */
  body: Body;
  /** `content-type` and the signature headers of the scheme(s) asked for. */
  headers: Record<string, string>;
}

function bodyOf(body: TestWebhookInput["body"]): string | Uint8Array {
  return typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
}

/**
 * Signs a body for a receiver's tests, as a sender would: `Content-Type`, `X-Hub-Signature-256`, and
 * `webhook-id`, `webhook-timestamp`, `webhook-signature` (what Stripe's `generateTestHeaderString` and
 * Octokit's `sign` give). Works wherever the package does (Node, edge runtimes).
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` for an empty secret, a bad `whsec_` secret or a bad timestamp.
 */
export function signTestWebhook<Bytes extends Uint8Array>(
  input: TestWebhookInput & { body: Bytes },
): Promise<TestWebhook<Bytes>>;
export function signTestWebhook(input: TestWebhookInput & { body: string | object }): Promise<TestWebhook<string>>;
export function signTestWebhook(input: TestWebhookInput): Promise<TestWebhook>;
export async function signTestWebhook(input: TestWebhookInput): Promise<TestWebhook> {
  const body = bodyOf(input.body);
  const scheme = input.scheme ?? "both";
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw configError("timestamp", "must be Unix seconds");
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (scheme !== "standard") headers["x-hub-signature-256"] = await signPayload({ secret: input.secret, body });
  if (scheme !== "hub") {
    const id = input.id ?? crypto.randomUUID();
    headers["webhook-id"] = id;
    headers["webhook-timestamp"] = String(timestamp);
    headers["webhook-signature"] = await signStandardWebhook({ secret: input.secret, body, id, timestamp });
  }
  return { body, headers };
}

/** A signed `POST` to `url`, ready to pass to a fetch-style handler (`createFetchHandler`, Next.js, Hono) or to `fetch`. */
export async function createTestWebhookRequest(url: string | URL, input: TestWebhookInput): Promise<Request> {
  const { body, headers } = await signTestWebhook(input);
  return new Request(url, { method: "POST", headers, body: bodyBytes(body) as Uint8Array<ArrayBuffer> });
}
