/**
 * HMAC-SHA256 of the concatenation of `parts` under `key`. Node and Web Crypto each provide one; the
 * verification logic is written once over this function.
 */
export type ComputeHmac = (key: Uint8Array, parts: readonly Uint8Array[]) => Uint8Array | Promise<Uint8Array>;

/** Applies `then` to a value that may or may not be a promise: Node's HMAC is synchronous, and a small
 * body's check should not pay for microtask hops it does not need. */
export function whenReady<T, R>(value: T | Promise<T>, then: (ready: T) => R): R | Promise<R> {
  return value instanceof Promise ? value.then(then) : then(value);
}
