import { deriveSecretKeys, type SecretKeys } from "@org/webhook-types";
import { configError } from "./errors.js";

/** Rotation needs two or three; more is a mistake, and each one costs an HMAC per request. */
export const MAX_SECRETS = 10;

export type { SecretKeys };

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
  if (list.length > MAX_SECRETS)
    throw configError(field, `must hold at most ${MAX_SECRETS} secrets, got ${list.length}`);
  return list.map((item, index) => {
    const name = Array.isArray(secret) ? `${field}[${index}]` : field;
    if (typeof item !== "string") throw configError(name, "must be a non-empty string");
    // The one rule both packages follow: the exporter signs with the keys this derives.
    const keys = deriveSecretKeys(item);
    if ("error" in keys) throw configError(name, keys.error);
    return keys;
  });
}
