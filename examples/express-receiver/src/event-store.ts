import type { WebhookEvent } from "@org/webhook-types";

/** What the receiver has kept, as `GET /stats` shows it. */
export interface ReceiverStats {
  batches: number;
  events: number;
  /** Re-sent batches that were recognised by their webhook-id and not counted twice. */
  duplicates: number;
  /** Events per flag (or tracking event name), then per variation. */
  flags: Record<string, Record<string, number>>;
}

/** Keeps counts in memory; a real receiver would write to its database here. */
export interface EventStore {
  /** Records a batch once: false when this webhook-id was already recorded. */
  addBatch(id: string | undefined, events: readonly WebhookEvent[]): boolean;
  stats(): ReceiverStats;
}

export function createEventStore(): EventStore {
  const seen = new Set<string>();
  const flags: Record<string, Record<string, number>> = {};
  let batches = 0;
  let events = 0;
  let duplicates = 0;
  return {
    addBatch(id, batch) {
      if (id !== undefined) {
        if (seen.has(id)) {
          duplicates += 1;
          return false;
        }
        seen.add(id);
      }
      batches += 1;
      events += batch.length;
      for (const event of batch) {
        const variation = event.kind === "feature" ? event.variation : "tracked";
        const counts = (flags[event.key] ??= {});
        counts[variation] = (counts[variation] ?? 0) + 1;
      }
      return true;
    },
    stats: () => ({ batches, events, duplicates, flags: structuredClone(flags) }),
  };
}
