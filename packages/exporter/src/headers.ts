import { configError } from "./errors.js";

/** Header values as the user gives them: one value or several (GO Feature Flag's map[string][]string). */
export type HeaderValues = Readonly<Record<string, string | readonly string[]>>;

/** Set by the exporter itself: a user header may not replace them (contract §1). */
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

/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** CR, LF and NUL would let a value start a new header (response splitting); other controls are refused too. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point.
const FORBIDDEN_IN_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * Checks the user's headers once: names are tokens, values carry no CR/LF or other control characters,
 * and none replaces a header the exporter sets. Returns them as name to list, names lower-cased.
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
    if (lowerName === "content-type" && values.every((value) => typeof value === "string" && value.trim().toLowerCase() === "application/json")) continue;
    if (PROTECTED_HEADERS.has(lowerName)) throw configError(field, "is set by the exporter and cannot be overridden");
    for (const value of values) {
      if (typeof value !== "string") throw configError(field, "must be a string or a list of strings");
      if (FORBIDDEN_IN_VALUE.test(value)) throw configError(field, "must not contain CR, LF or other control characters");
    }
    resolved.set(lowerName, [...(resolved.get(lowerName) ?? []), ...(values as string[])]);
  }
  return resolved;
}
