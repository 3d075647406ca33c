import { configError } from "./errors.js";
import { fromCheckedBase64, utf8Bytes } from "./encoding.js";

/** Rotation needs two or three; more is a mistake, and each one costs an HMAC per request. */
export const MAX_SECRETS = 10;

const WHSEC_PREFIX = "whsec_";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The keys of one secret: the hub scheme uses its UTF-8 bytes; Standard Webhooks decodes `whsec_`. */
export interface SecretKeys {
  readonly hub: Uint8Array;
  readonly standard: Uint8Array;
}

/**
 * Checks the `secret` option (one string, or a list for rotation) and derives each key once.
 * @throws {WebhookVerificationError} `ERR_WEBHOOK_CONFIG` for an empty secret, a bad `whsec_` value or more than 10.
 */
export function resolveSecrets(secret: unknown, field = "secret"): readonly SecretKeys[] {
  // The one-call API (verifySignature) resolves its secret on every request: keep the last few.
  if (typeof secret === "string") {
    const cached = recentSecrets.get(secret);
    if (cached !== undefined) return cached;
  }
  const resolved = deriveKeys(secret, field);
  if (typeof secret === "string") {
    if (recentSecrets.size >= MAX_RECENT_SECRETS) recentSecrets.clear();
    recentSecrets.set(secret, resolved);
  }
  return resolved;
}

const MAX_RECENT_SECRETS = 16;
const recentSecrets = new Map<string, readonly SecretKeys[]>();

function deriveKeys(secret: unknown, field: string): readonly SecretKeys[] {
  const list: unknown[] = Array.isArray(secret) ? secret : [secret];
  if (list.length === 0) throw configError(field, "must hold at least one secret, got an empty list");
  if (list.length > MAX_SECRETS) throw configError(field, `must hold at most ${MAX_SECRETS} secrets, got ${list.length}`);
  return list.map((item, index) => {
    const name = Array.isArray(secret) ? `${field}[${index}]` : field;
    if (typeof item !== "string" || item === "") throw configError(name, "must be a non-empty string");
    const hub = utf8Bytes(item);
    if (!item.startsWith(WHSEC_PREFIX)) return { hub, standard: hub };
    const encoded = item.slice(WHSEC_PREFIX.length);
    if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) throw configError(name, "starts with whsec_ but the rest is not base64");
    return { hub, standard: fromCheckedBase64(encoded) };
  });
}
