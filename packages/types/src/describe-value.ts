/** How much of the input an issue may quote: messages must never echo more than 100 characters. */
const MAX_QUOTED_CHARS = 40;

function truncate(text: string): string {
  return text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS - 1)}…` : text;
}

/** A short description of a value for an issue: its JSON type and, for scalars, a capped quote. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing (the key is missing)";
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  switch (typeof value) {
    case "string":
      return `the string ${truncate(JSON.stringify(value))}`;
    case "number":
      return Number.isFinite(value) ? `the number ${truncate(String(value))}` : `the non-JSON number ${String(value)}`;
    case "boolean":
      return `the boolean ${String(value)}`;
    case "object":
      return "an object";
    default:
      return `a ${typeof value}, not a JSON value`;
  }
}

/** One JSON Pointer segment (RFC 6901 escaping), capped so that a huge key is not echoed. */
export function pointerSegment(key: string | number): string {
  if (typeof key === "number") return String(key);
  return truncate(key.replaceAll("~", "~0").replaceAll("/", "~1"));
}
