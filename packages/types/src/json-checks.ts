/**
 * Seconds since 1970 stay below 1e11 until the year 5138, while milliseconds passed 1e11 in 1973:
 * a larger `creationDate` was almost surely written in milliseconds by mistake.
 */
export const MAX_UNIX_SECONDS = 99_999_999_999;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** JSON.stringify silently leaves out a function, a symbol or undefined, and throws on a BigInt. */
export function isJsonRepresentable(value: unknown): boolean {
  const type = typeof value;
  return type !== "function" && type !== "symbol" && type !== "bigint" && type !== "undefined";
}

export function isUnixSeconds(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_UNIX_SECONDS;
}
