import type { SecretKeys } from "../secrets.js";
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
 * One signature scheme, whole: its headers, which key of a secret it uses, how it reads a request, what
 * it signs, and how it writes a signature. A new scheme is one module and one row in `SCHEMES`.
 */
export interface SignatureScheme {
  readonly name: "hub" | "standard";
  /** The header whose presence picks this scheme under `scheme: "any"`. */
  readonly signatureHeader: string;
  /** Its key of a secret (`whsec_` secrets differ between the schemes). */
  keyOf: (keys: SecretKeys) => Uint8Array;
  /**
   * Reads and checks the scheme's headers (grammar; timestamp within `toleranceSeconds` of `nowSeconds`).
   * @throws {WebhookVerificationError} `ERR_MALFORMED_SIGNATURE` or `ERR_TIMESTAMP_OUT_OF_RANGE`.
   */
  read: (headers: HeaderSource, nowSeconds: number, toleranceSeconds: number) => SchemeReading;
  /** The bytes the MAC covers, in order. */
  signedParts: (
    body: Uint8Array,
    signed: { id?: string | undefined; timestampText?: string | undefined },
  ) => Uint8Array[];
  /** A MAC as this scheme's header value. */
  format: (mac: Uint8Array) => string;
  /** Says which header failed to match, for `ERR_SIGNATURE_MISMATCH`. */
  readonly mismatch: string;
}
