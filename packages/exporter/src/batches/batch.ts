import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { WebhookEvent } from "@org/webhook-types";
import { serializeEvent, serializeEvents } from "../wire/serializer.js";

/**
 * A batch, cut and serialized once: its bytes are what every attempt sends, and its id is the
 * `webhook-id` of every attempt, so a receiver can drop a batch it already has.
 */
export interface Batch {
  readonly id: string;
  /** The exact bytes to send; `undefined` while the batch waits on disk only (the spool holds it). */
  body: Buffer | undefined;
  readonly count: number;
  /** Delivery attempts so far. */
  attempts: number;
  /** `X-Hub-Signature-256`, computed on the first attempt (the body never changes). */
  hubSignature?: string;
  /** The spool file holding this batch, once written. */
  spoolFile?: string;
  /**
   * Set on the halves of a batch refused with 400 or 422, shared by all its descendants: how many
   * batches had been delivered when the refusal began. A delivery since shows the refusal is specific
   * to some events; none, and it looks like the endpoint refusing everything (an outage).
   */
  isolation?: { readonly deliveriesBefore: number };
}

/** Events serialized with one JSON.stringify call; the cut falls between slices unless a limit needs it exact. */
const EVENTS_PER_SLICE = 256;
/** Yield to the event loop this often (about 3 ms of work), so 100,000 events never stall it. */
const EVENTS_PER_YIELD = 2_048;
const SUFFIX = "]}";

function envelopePrefix(metaJson: string): string {
  return `{"meta":${metaJson},"events":[`;
}

/** Body bytes of a batch of no events: what every batch adds to its events' JSON. */
export function envelopeBytes(metaJson: string): number {
  return Buffer.byteLength(envelopePrefix(metaJson)) + SUFFIX.length;
}

/** Events' JSON: strings, or bytes already encoded; each one event or several joined by commas. */
type EventParts = readonly (string | Buffer)[];

/** Writes `parts` joined by commas into `target` from `offset`; returns the end, and where part `mark` begins. */
function writeJoined(target: Buffer, offset: number, parts: EventParts, mark = -1): { end: number; markAt: number } {
  let markAt = offset;
  parts.forEach((part, index) => {
    if (index > 0) offset += target.write(",", offset, "latin1");
    if (index === mark) markAt = offset;
    offset += typeof part === "string" ? target.write(part, offset, "utf8") : part.copy(target, offset);
  });
  return { end: offset, markAt };
}

/**
 * A batch's body from its events' JSON (`parts`), `bytes` long in all. Written straight into one buffer
 * of that size, which skips joining an 18 MB string first. `tail` views the events of `parts[tailFrom]`
 * onwards in it, as they are joined there (what a spool frame holds), without a copy.
 */
export function assembleBody(
  metaJson: string,
  parts: EventParts,
  bytes: number,
  tailFrom = 0,
): { body: Buffer; tail: Buffer } {
  const body = Buffer.allocUnsafe(bytes);
  const { end, markAt } = writeJoined(body, body.write(envelopePrefix(metaJson), 0, "utf8"), parts, tailFrom);
  body.write(SUFFIX, end, "latin1");
  return { body, tail: body.subarray(tailFrom >= parts.length ? end : markAt, end) };
}

/**
 * Events' JSON (`parts`, `bytes` in all without the commas between them) joined by commas, encoded
 * once; a single part already encoded is returned as it is.
 */
export function joinParts(parts: EventParts, bytes: number): Buffer {
  if (parts.length === 1 && Buffer.isBuffer(parts[0])) return parts[0];
  const joined = Buffer.allocUnsafe(bytes + Math.max(0, parts.length - 1));
  writeJoined(joined, 0, parts);
  return joined;
}

/** Serialized JSON and its length in bytes. */
export interface Serialized {
  json: string;
  bytes: number;
}

/** A slice of events as JSON joined by commas, or `undefined` when one of them JSON cannot hold (circular). */
export function sliceJson(slice: readonly WebhookEvent[]): Serialized | undefined {
  try {
    const json = serializeEvents(slice);
    return { json, bytes: Buffer.byteLength(json) };
  } catch {
    return undefined;
  }
}

/** One event as JSON, or `undefined` when JSON cannot hold it (circular). */
export function eventJson(event: WebhookEvent): Serialized | undefined {
  try {
    const json = serializeEvent(event);
    return { json, bytes: Buffer.byteLength(json) };
  } catch {
    return undefined;
  }
}

/** What cutting produced: the batches, plus what could not go in one. */
export interface CutResult {
  batches: Batch[];
  /** Events that JSON cannot represent (circular structures): dropped and reported by the caller. */
  unserializable: number;
  /** Ids of batches holding one event larger than `maxBytes` on its own (sent alone, reported). */
  oversized: string[];
  /** With `holdBackTail`: the events of the last, unfilled batch, to be cut again with the next events. */
  tail: WebhookEvent[];
}

/** Accumulates serialized events into batches within the limits. */
function createBatchBuilder(
  metaJson: string,
  limits: { maxEvents: number; maxBytes: number },
  newId: () => string,
  onSealed?: (batch: Batch) => void,
) {
  const emptyBytes = envelopeBytes(metaJson);
  const result: CutResult = { batches: [], unserializable: 0, oversized: [], tail: [] };
  let parts: string[] = [];
  let count = 0;
  let bytes = emptyBytes;
  // The events in the batch being filled, in case it is held back as the tail.
  let members: WebhookEvent[] = [];

  const seal = () => {
    if (count === 0) return;
    const { body } = assembleBody(metaJson, parts, bytes);
    const batch: Batch = { id: newId(), body, count, attempts: 0 };
    if (body.length > limits.maxBytes) result.oversized.push(batch.id);
    result.batches.push(batch);
    onSealed?.(batch);
    parts = [];
    count = 0;
    bytes = emptyBytes;
    members = [];
  };
  const holdBack = () => {
    result.tail = members;
  };
  const fits = (moreEvents: number, moreBytes: number) =>
    count + moreEvents <= limits.maxEvents && bytes + (count === 0 ? 0 : 1) + moreBytes <= limits.maxBytes;
  const append = (json: string, jsonBytes: number, events: readonly WebhookEvent[]) => {
    bytes += (count === 0 ? 0 : 1) + jsonBytes;
    count += events.length;
    parts.push(json);
    members.push(...events);
  };
  /** A batch that cannot take one more event is full: seal it now rather than hold it back. */
  const isFull = () => count >= limits.maxEvents;
  return { result, seal, holdBack, fits, append, isFull, isEmpty: () => count === 0 };
}

/**
 * Cuts events into batches of at most `maxEvents` events and `maxBytes` body bytes, measured on the
 * real serialized bytes (an event larger than `maxBytes` goes alone). Yields to the event loop
 * between slices. With `holdBackTail`, the last batch, unless full, is returned as events instead, so
 * that cutting in chunks does not leave a small batch at the end of every chunk. Once `signal` aborts,
 * it stops at the next yield and returns the events it did not seal as the tail. `onSealed` sees each
 * batch as soon as it is sealed, while the rest is still being cut.
 */
export async function cutBatches(
  events: readonly WebhookEvent[],
  metaJson: string,
  limits: { maxEvents: number; maxBytes: number },
  newId: () => string,
  options: { holdBackTail?: boolean; signal?: AbortSignal; onSealed?: (batch: Batch) => void } = {},
): Promise<CutResult> {
  const builder = createBatchBuilder(metaJson, limits, newId, options.onSealed);
  for (let start = 0; start < events.length; start += EVENTS_PER_SLICE) {
    if (start > 0 && start % EVENTS_PER_YIELD === 0) {
      await yieldToLoop();
      // Stopped (the exporter is closing): what is not sealed yet goes back, uncut, as the tail.
      if (options.signal?.aborted === true) {
        builder.holdBack();
        builder.result.tail = [...builder.result.tail, ...events.slice(start)];
        return builder.result;
      }
    }
    const slice = events.slice(start, start + EVENTS_PER_SLICE);
    const whole = sliceJson(slice);
    if (whole !== undefined && builder.fits(slice.length, whole.bytes)) {
      builder.append(whole.json, whole.bytes, slice);
      continue;
    }
    // The slice straddles a limit (or holds a bad event): place its events one by one.
    for (const event of slice) {
      const serialized = eventJson(event);
      if (serialized === undefined) {
        builder.result.unserializable += 1;
        continue;
      }
      const { json: one, bytes: oneBytes } = serialized;
      if (!builder.isEmpty() && !builder.fits(1, oneBytes)) builder.seal();
      builder.append(one, oneBytes, [event]);
    }
  }
  if (options.holdBackTail === true && !builder.isFull()) builder.holdBack();
  else builder.seal();
  return builder.result;
}

/**
 * The two halves of a batch the endpoint refused as too large (413), with ids derived from its own so
 * that they stay stable too. The events are read back from the body: it is our own canonical output, so
 * serializing them again gives the same bytes.
 */
export function splitBatch(batch: Batch & { body: Buffer }, metaJson: string): [Batch, Batch] {
  const { events } = JSON.parse(batch.body.toString("utf8")) as { events: WebhookEvent[] };
  const middle = Math.floor(events.length / 2);
  const half = (suffix: string, part: WebhookEvent[]): Batch => ({
    id: `${batch.id}-${suffix}`,
    body: Buffer.from(`${envelopePrefix(metaJson)}${part.map(serializeEvent).join(",")}${SUFFIX}`, "utf8"),
    count: part.length,
    attempts: 0,
  });
  return [half("a", events.slice(0, middle)), half("b", events.slice(middle))];
}
