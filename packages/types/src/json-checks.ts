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

/**
 * The deepest nesting of arrays and objects Go's `encoding/json` reads (its scanner's
 * `maxNestingDepth`): a body nested deeper fails to decode, whatever the receiver does.
 */
export const MAX_JSON_DEPTH = 10_000;

/**
 * How deep a value in an event field may nest: an event sits at level 3 of its payload (the payload
 * object, its `events` array, the event object), so a field's value starts at level 4.
 */
export const MAX_EVENT_FIELD_DEPTH: number = MAX_JSON_DEPTH - 3;

/** Levels walked by plain recursion; deeper subtrees are walked with a stack of their own. */
const RECURSION_LEVELS = 64;

/**
 * Whether `value`, written as JSON, nests arrays and objects more than `limit` levels deep (`value`
 * itself is level 1). A circular structure counts as too deep. Allocates nothing for shallow values.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  return deeper(value, 1, limit);
}

function deeper(value: unknown, depth: number, limit: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (depth > limit) return true;
  if (depth >= RECURSION_LEVELS) return deeperWithStack(value, depth, limit);
  // Only containers are worth a call: a primitive member costs one typeof.
  if (Array.isArray(value)) {
    for (const item of value as unknown[])
      if (typeof item === "object" && item !== null && deeper(item, depth + 1, limit)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    if (typeof item === "object" && item !== null && Object.hasOwn(record, key) && deeper(item, depth + 1, limit))
      return true;
  }
  return false;
}

function deeperWithStack(root: object, rootDepth: number, limit: number): boolean {
  const values: object[] = [root];
  const depths: number[] = [rootDepth];
  for (
    let value = values.pop(), depth = depths.pop() ?? 0;
    value !== undefined;
    value = values.pop(), depth = depths.pop() ?? 0
  ) {
    if (depth > limit) return true;
    const children: unknown[] = Array.isArray(value) ? value : Object.values(value);
    for (const child of children) {
      if (typeof child !== "object" || child === null) continue;
      values.push(child);
      depths.push(depth + 1);
    }
  }
  return false;
}
