/** The HMAC keys one shared secret gives each signature scheme. */
export interface SecretKeys {
  /** `X-Hub-Signature-256` (GO Feature Flag): the secret's UTF-8 bytes, whatever it looks like. */
  readonly hub: Uint8Array;
  /** Standard Webhooks: a `whsec_` secret's base64-decoded rest, as that spec asks; otherwise the UTF-8 bytes. */
  readonly standard: Uint8Array;
}

/** Why a secret gives no keys. */
export interface SecretKeysError {
  /** What is wrong with the secret, never the secret itself. */
  readonly error: string;
}

const WHSEC_PREFIX = "whsec_";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const utf8 = new TextEncoder();

/**
 * The keys of one secret, by the one rule the exporter (signing) and the verifier (checking) share, or
 * why the secret gives none: both sides must refuse the same secrets, or a sender would sign with a key
 * its receiver never derives. Never includes the secret in the reason.
 */
export function deriveSecretKeys(secret: string): SecretKeys | SecretKeysError {
  if (secret === "") return { error: "must be a non-empty string" };
  const hub = utf8.encode(secret);
  if (!secret.startsWith(WHSEC_PREFIX)) return { hub, standard: hub };
  const encoded = secret.slice(WHSEC_PREFIX.length);
  if (encoded.length === 0 || encoded.length % 4 !== 0 || !BASE64.test(encoded))
    return { error: "starts with whsec_ but the rest is not base64" };
  const binary = atob(encoded);
  const standard = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) standard[index] = binary.charCodeAt(index);
  return { hub, standard };
}
