import type { SecretKeys } from "./secret-keys.js";

// The signing half of each scheme, in one place for both sides: the exporter signs with these rules
// and the verifier checks with them, so the two cannot drift apart.

/** What a scheme signs besides the body. */
export interface SignedFields {
  /** The `webhook-id` header value (Standard Webhooks). */
  readonly id?: string | undefined;
  /** The `webhook-timestamp` header value, as sent: Unix seconds in decimal (Standard Webhooks). */
  readonly timestampText?: string | undefined;
}

/** Every signing scheme's name: `"hub"` (`X-Hub-Signature-256`) and `"standard"` (Standard Webhooks). */
export const SIGNING_SCHEME_NAMES = ["hub", "standard"] as const;
/** A signing scheme's name. */
export type SigningSchemeName = (typeof SIGNING_SCHEME_NAMES)[number];

/** How one scheme signs: its header, its key of a secret, the bytes the MAC covers, the value it writes. */
export interface SigningScheme {
  /** `"hub"` (`X-Hub-Signature-256`) or `"standard"` (Standard Webhooks). */
  readonly name: SigningSchemeName;
  /** The header that carries the signature. */
  readonly signatureHeader: "x-hub-signature-256" | "webhook-signature";
  /** Its key of a secret (a `whsec_` secret gives the schemes different keys). */
  readonly keyOf: (keys: SecretKeys) => Uint8Array;
  /** The bytes the HMAC-SHA256 covers, in order. */
  readonly signedParts: (body: Uint8Array, signed: SignedFields) => Uint8Array[];
  /** A MAC as the header's value. */
  readonly format: (mac: Uint8Array) => string;
}

const utf8 = new TextEncoder();
const HEX_DIGITS = "0123456789abcdef";

/** Lowercase hex, as `X-Hub-Signature-256` requires. Works without `Buffer` (edge runtimes). */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += HEX_DIGITS.charAt(byte >> 4) + HEX_DIGITS.charAt(byte & 15);
  return out;
}

/** Standard base64 with padding, as `webhook-signature` requires. Works without `Buffer`. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * `X-Hub-Signature-256` (GO Feature Flag, docs/wire-contract.md §1): HMAC-SHA256 of the body alone, under the
 * secret's UTF-8 bytes, as `sha256=<lowercase hex>`. It signs no id and no time.
 */
export const hubSigning: SigningScheme = {
  name: "hub",
  signatureHeader: "x-hub-signature-256",
  keyOf: (keys) => keys.hub,
  signedParts: (body) => [body],
  format: (mac) => `sha256=${toHex(mac)}`,
};

/**
 * Standard Webhooks: HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` under the secret (a
 * `whsec_` secret base64-decoded), as `v1,<base64>`.
 */
export const standardSigning: SigningScheme = {
  name: "standard",
  signatureHeader: "webhook-signature",
  keyOf: (keys) => keys.standard,
  signedParts: (body, signed) => [utf8.encode(`${signed.id ?? ""}.${signed.timestampText ?? ""}.`), body],
  format: (mac) => `v1,${toBase64(mac)}`,
};
