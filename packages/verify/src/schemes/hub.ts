import { hubSigning } from "@org/webhook-types";
import { fromCheckedHex } from "../encoding.js";
import { WebhookVerificationError } from "../errors.js";
import { readHeader } from "../headers.js";
import type { SignatureScheme } from "./scheme.js";

/** Exactly `sha256=` and 64 hex digits: no spaces, no second value, no other algorithm. */
const HUB_SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * The digest in an `X-Hub-Signature-256` value, or `undefined` when the value does not follow the
 * grammar (two headers joined with a comma, spaces, `sha1=`, 63 or 65 digits...).
 */
export function parseHubSignature(value: string | undefined): Uint8Array | undefined {
  if (value === undefined) return undefined;
  const match = HUB_SIGNATURE.exec(value);
  return match?.[1] === undefined ? undefined : fromCheckedHex(match[1]);
}

/** `X-Hub-Signature-256` (GO Feature Flag): signed as `hubSigning` says; read from the one header. */
export const hubScheme: SignatureScheme = {
  ...hubSigning,
  mismatch: "X-Hub-Signature-256 does not match the body",
  read: (headers) => {
    const digest = parseHubSignature(readHeader(headers, "x-hub-signature-256"));
    if (digest === undefined) {
      throw new WebhookVerificationError(
        "ERR_MALFORMED_SIGNATURE",
        "X-Hub-Signature-256 must be sha256= followed by 64 hex digits",
      );
    }
    // The hub header signs the body only: a webhook-id beside it, if any, is anyone's.
    return { candidates: [digest], id: undefined, timestamp: undefined };
  },
};
