import { standardSigning } from "@org/webhook-types";
import { fromCheckedBase64 } from "../encoding.js";
import { WebhookVerificationError } from "../errors.js";
import { readHeader } from "../headers.js";
import type { SignatureScheme } from "./scheme.js";

/** One Standard Webhooks signature: `v1,` and the base64 of 32 bytes (43 characters and one `=`). */
const STANDARD_SIGNATURE = /^v1,([A-Za-z0-9+/]{43}=)$/;
/** The most signatures one `webhook-signature` header may list (rotation needs two or three). */
const MAX_STANDARD_SIGNATURES = 10;
const TIMESTAMP = /^[0-9]{1,15}$/;
const MAX_ID_LENGTH = 256;

function malformed(message: string): never {
  throw new WebhookVerificationError("ERR_MALFORMED_SIGNATURE", message);
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
    const match = STANDARD_SIGNATURE.exec(entry);
    if (match?.[1] !== undefined) digests.push(fromCheckedBase64(match[1]));
  }
  return digests.length === 0 ? undefined : digests;
}

/**
 * Standard Webhooks: signed as `standardSigning` says. The id and the time are signed: a request is
 * refused outside `toleranceSeconds`, and its id is an identity a replay store can trust.
 */
export const standardScheme: SignatureScheme = {
  ...standardSigning,
  mismatch: "webhook-signature does not match the body",
  read: (headers, nowSeconds, toleranceSeconds) => {
    const id = readHeader(headers, "webhook-id");
    const text = readHeader(headers, "webhook-timestamp");
    if (id === undefined || id === "" || id.length > MAX_ID_LENGTH || id.includes(".")) {
      malformed("webhook-id must be 1 to 256 characters without a dot");
    }
    if (text === undefined || !TIMESTAMP.test(text)) malformed("webhook-timestamp must be an integer of Unix seconds");
    const candidates = parseStandardSignatures(readHeader(headers, "webhook-signature"));
    if (candidates === undefined) malformed("webhook-signature must list v1,<base64> signatures");
    const seconds = Number(text);
    if (Math.abs(nowSeconds - seconds) > toleranceSeconds) {
      throw new WebhookVerificationError(
        "ERR_TIMESTAMP_OUT_OF_RANGE",
        `webhook-timestamp is more than ${toleranceSeconds} s away from now`,
      );
    }
    return { candidates, id, timestamp: { seconds, text } };
  },
};
