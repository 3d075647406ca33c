import { WebhookVerificationError } from "./errors.js";

/** Byte helpers that work the same in Node and in edge runtimes (no `Buffer`). */

const utf8 = new TextEncoder();

/**
 * The bytes of a body as given: strings as UTF-8, binary as is (never decoded and re-encoded).
 * @throws {WebhookVerificationError} `ERR_BODY_NOT_RAW` for anything else (a parsed object, `undefined`, `null`).
 */
export function bodyBytes(body: string | Uint8Array | ArrayBuffer): Uint8Array {
  if (typeof body === "string") return utf8.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  const received: unknown = body;
  const got = received === null ? "null" : Array.isArray(received) ? "an array" : typeof received;
  throw new WebhookVerificationError(
    "ERR_BODY_NOT_RAW",
    `body must be the raw bytes (a Buffer, Uint8Array, ArrayBuffer or string), got ${got}: the signature covers the exact bytes, so read them before any JSON parser (express.raw({ type: "application/json", limit: "32mb" }), or express.json({ verify }) keeping req.rawBody)`,
  );
}

/** Decodes hex that the caller has already checked against a strict grammar. */
export function fromCheckedHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let index = 0; index < out.length; index++) {
    out[index] = (hexValue(hex.charCodeAt(index * 2)) << 4) | hexValue(hex.charCodeAt(index * 2 + 1));
  }
  return out;
}

/** The value of one hex digit's char code (0-9, a-f, A-F). */
function hexValue(code: number): number {
  return code <= 57 ? code - 48 : (code | 32) - 87;
}

/** Decodes base64 that the caller has already checked against a strict grammar. */
export function fromCheckedBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) out[index] = binary.charCodeAt(index);
  return out;
}

/**
 * Compares two byte strings in time that depends only on their length (which is public: a SHA-256
 * digest is always 32 bytes). Written here rather than borrowed so that Node and Web paths share it;
 * Node's `subtle.verify` was not constant-time before the March 2026 releases (CVE-2026-21713).
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= (a[index] ?? 0) ^ (b[index] ?? 0);
  return difference === 0;
}
