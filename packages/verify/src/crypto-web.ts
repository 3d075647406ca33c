import type { ComputeHmac } from "./hmac.js";

/** Importing a key costs more than a small HMAC: keep each one, but never more than this many. */
const MAX_CACHED_KEYS = 64;
const importedKeys = new Map<string, Promise<CryptoKey>>();

function cacheId(key: Uint8Array): string {
  let id = "";
  for (const byte of key) id += String.fromCharCode(byte);
  return id;
}

function importKey(key: Uint8Array): Promise<CryptoKey> {
  const id = cacheId(key);
  let imported = importedKeys.get(id);
  if (imported === undefined) {
    if (importedKeys.size >= MAX_CACHED_KEYS) importedKeys.clear();
    imported = crypto.subtle.importKey(
      "raw",
      key as Uint8Array<ArrayBuffer>,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    importedKeys.set(id, imported);
  }
  return imported;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Web Crypto has no streaming HMAC, so the parts are joined. The MAC is computed with `subtle.sign`
 * and compared by the caller in constant time, never with `subtle.verify` (CVE-2026-21713).
 */
export const computeHmacWeb: ComputeHmac = async (key, parts) => {
  const signature = await crypto.subtle.sign("HMAC", await importKey(key), concat(parts) as Uint8Array<ArrayBuffer>);
  return new Uint8Array(signature);
};
