import type { SigningScheme } from "@org/webhook-types";
import type { HeaderSource } from "../headers.js";

/** What a scheme read from a request's headers: the digests to match, and what else it signs. */
export interface SchemeReading {
  /** The digests the request carries (any one matching is enough: a sender may list several). */
  readonly candidates: readonly Uint8Array[];
  /** The signed `webhook-id`, for a scheme that signs one. */
  readonly id: string | undefined;
  /** The signed timestamp (Unix seconds) and its text as sent, for a scheme that signs one. */
  readonly timestamp: { readonly seconds: number; readonly text: string } | undefined;
}

/**
 * One signature scheme, whole: how it signs (`SigningScheme`, shared with the exporter in
 * `@org/webhook-types`) and how it reads a request. Its `signatureHeader` is the one whose presence
 * picks it under `scheme: "any"`. A new scheme is one signing rule, one module here and one row in `SCHEMES`.
 */
export interface SignatureScheme extends SigningScheme {
  /**
   * Reads and checks the scheme's headers (grammar; timestamp within `toleranceSeconds` of `nowSeconds`).
   * @throws {WebhookVerificationError} `ERR_MALFORMED_SIGNATURE` or `ERR_TIMESTAMP_OUT_OF_RANGE`.
   */
  read: (headers: HeaderSource, nowSeconds: number, toleranceSeconds: number) => SchemeReading;
  /** Says which header failed to match, for `ERR_SIGNATURE_MISMATCH`. */
  readonly mismatch: string;
}
