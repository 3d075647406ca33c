import { fromCheckedBase64, fromCheckedHex } from "./encoding.js";

/** Exactly `sha256=` and 64 hex digits: no spaces, no second value, no other algorithm. */
const HUB_SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/** One Standard Webhooks signature: `v1,` and the base64 of 32 bytes (43 characters and one `=`). */
const STANDARD_SIGNATURE = /^v1,([A-Za-z0-9+/]{43}=)$/;

/** The most signatures one `webhook-signature` header may list (rotation needs two or three). */
const MAX_STANDARD_SIGNATURES = 10;

/**
 * The digest in an `X-Hub-Signature-256` value, or `undefined` when the value does not follow the
 * grammar (two headers joined with a comma, spaces, `sha1=`, 63 or 65 digits...).
 */
export function parseHubSignature(value: string | undefined): Uint8Array | undefined {
  if (value === undefined) return undefined;
  const match = HUB_SIGNATURE.exec(value);
  return match?.[1] === undefined ? undefined : fromCheckedHex(match[1]);
}

/**
 * The `v1` digests in a `webhook-signature` value (space-separated). Entries of other versions, and
 * malformed entries, are skipped, as the Standard Webhooks reference library does; `undefined` when
 * no well-formed `v1` entry is left.
 */
export function parseStandardSignatures(value: string | undefined): Uint8Array[] | undefined {
  if (value === undefined) return undefined;
  const entries = value.split(" ").filter((entry) => entry !== "");
  if (entries.length === 0 || entries.length > MAX_STANDARD_SIGNATURES) return undefined;
  const digests: Uint8Array[] = [];
  for (const entry of entries) {
    if (!entry.startsWith("v1,")) continue;
    const match = STANDARD_SIGNATURE.exec(entry);
    if (match?.[1] !== undefined) digests.push(fromCheckedBase64(match[1]));
  }
  return digests.length === 0 ? undefined : digests;
}
