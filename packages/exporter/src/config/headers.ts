import { configError } from "../errors.js";

/** Header values as the user gives them: one value or several (GO Feature Flag's map[string][]string). */
export type HeaderValues = Readonly<Record<string, string | readonly string[]>>;

/** Set by the exporter itself: a user header may not replace them (docs/wire-contract.md §1). */
const PROTECTED_HEADERS: ReadonlySet<string> = new Set([
  "content-type",
  "content-length",
  "transfer-encoding",
  "host",
  "x-hub-signature-256",
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
]);

/**
 * Hop-by-hop and connection-control headers: undici refuses to send a request carrying them (or, for
 * `Connection`, most of their values), and they describe one connection, not the webhook.
 */
const CONNECTION_HEADERS: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "upgrade",
  "expect",
  "te",
  "trailer",
  "proxy-connection",
  "http2-settings",
]);

/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * What undici (and RFC 9110) accept in a value: tab, visible ASCII and Latin-1. CR, LF and NUL would let a
 * value start a new header; a character past U+00FF (`本番`, `€`, U+2028) has no single byte on the wire.
 */
const FORBIDDEN_IN_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Checks the user's headers once: names are tokens, values are what undici can send, no connection
 * header, and none replaces a header the exporter sets. Returns them as name to list, names lower-cased.
 * @throws {WebhookExporterError} `ERR_WEBHOOK_CONFIG` naming the header (never its value).
 */
export function resolveHeaders(headers: unknown): ReadonlyMap<string, readonly string[]> {
  const resolved = new Map<string, string[]>();
  if (headers === undefined) return resolved;
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) {
    throw configError("headers", "must be an object mapping header names to a string or a list of strings");
  }
  for (const [name, raw] of Object.entries(headers as Record<string, unknown>)) {
    const field = `headers[${JSON.stringify(name.slice(0, 40))}]`;
    if (!HEADER_NAME.test(name)) throw configError(field, "is not a valid header name");
    const lowerName = name.toLowerCase();
    const values: unknown[] = Array.isArray(raw) ? raw : [raw];
    // GO Feature Flag configs often repeat the JSON content type; that one value changes nothing, so a
    // config block moves unchanged. Any other value would lie about the body, and is refused.
    if (
      lowerName === "content-type" &&
      values.every((value) => typeof value === "string" && value.trim().toLowerCase() === "application/json")
    )
      continue;
    if (PROTECTED_HEADERS.has(lowerName)) throw configError(field, "is set by the exporter and cannot be overridden");
    if (CONNECTION_HEADERS.has(lowerName))
      throw configError(field, "is a connection header that HTTP clients manage themselves and cannot be set");
    for (const value of values) {
      if (typeof value !== "string") throw configError(field, "must be a string or a list of strings");
      if (FORBIDDEN_IN_VALUE.test(value)) {
        throw configError(
          field,
          "must hold only tab, visible ASCII and Latin-1 characters (no CR, LF, other controls, or characters past U+00FF: encode them)",
        );
      }
    }
    resolved.set(lowerName, [...(resolved.get(lowerName) ?? []), ...(values as string[])]);
  }
  return resolved;
}
