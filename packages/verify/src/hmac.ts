/**
 * HMAC-SHA256 of the concatenation of `parts` under `key`. Node and Web Crypto each provide one; the
 * verification logic is written once over this function.
 */
export type ComputeHmac = (key: Uint8Array, parts: readonly Uint8Array[]) => Promise<Uint8Array>;
