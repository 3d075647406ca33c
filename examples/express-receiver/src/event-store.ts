import type { WebhookEvent } from "@org/webhook-types";

/** What the receiver has kept, as `GET /stats` shows it. */
export interface ReceiverStats {
  batches: number;
  events: number;
  /** Re-sent batches that the replay store recognised and acknowledged without storing them twice. */
  duplicates: number;
  /** Events per flag (or tracking event name), then per variation. */
  flags: Record<string, Record<string, number>>;
}

/** Keeps counts in memory; a real receiver would write to its database here. */
export interface EventStore {
  /** Records a verified batch (the replay store has already set re-sent ones aside). */
  addBatch(events: readonly WebhookEvent[]): void;
  /** Counts a re-sent batch that was acknowledged as a duplicate. */
  countDuplicate(): void;
  stats(): ReceiverStats;
}

/**
 * Counts live in Maps, never in plain objects keyed by event data: a flag named `__proto__` or
 * `constructor` is a key like any other, not a way into the object's prototype.
 */
export function createEventStore(): EventStore {
  const flags = new Map<string, Map<string, number>>();
  let batches = 0;
  let events = 0;
  let duplicates = 0;
  return {
    addBatch(batch) {
      batches += 1;
      events += batch.length;
      for (const event of batch) {
        const variation = event.kind === "feature" ? event.variation : "tracked";
        let counts = flags.get(event.key);
        if (counts === undefined) flags.set(event.key, (counts = new Map<string, number>()));
        counts.set(variation, (counts.get(variation) ?? 0) + 1);
      }
    },
    countDuplicate() {
      duplicates += 1;
    },
    stats: () => ({
      batches,
      events,
      duplicates,
      // Object.fromEntries defines own properties: "__proto__" stays a plain key in the JSON.
      flags: Object.fromEntries([...flags].map(([flag, counts]) => [flag, Object.fromEntries(counts)])),
    }),
  };
}
