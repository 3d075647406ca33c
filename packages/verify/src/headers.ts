/** Request headers as the frameworks give them: a Fetch `Headers`, or Node's `IncomingHttpHeaders`. */
export type HeaderSource = FetchHeadersLike | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Headers with a `get`, as the Fetch API's `Headers`. */
export interface FetchHeadersLike {
  /** The header's value, or `null` when absent. */
  get(name: string): string | null;
}

function isFetchHeaders(headers: HeaderSource): headers is { get(name: string): string | null } {
  return typeof (headers as { get?: unknown }).get === "function";
}

/**
 * One header's value, or `undefined`. Several values are joined with ", " as HTTP does, so that two
 * signature headers fail the strict grammar instead of one of them being picked.
 */
export function readHeader(headers: HeaderSource, lowerCaseName: string): string | undefined {
  if (isFetchHeaders(headers)) return headers.get(lowerCaseName) ?? undefined;
  let value = headers[lowerCaseName];
  if (value === undefined) {
    const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === lowerCaseName);
    value = key === undefined ? undefined : headers[key];
  }
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(", ");
}
