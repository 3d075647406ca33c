import type { WebhookEvent } from "@org/webhook-types";

/** Counts per route, kept in memory: each runtime (Node.js, Edge) has its own. A real app writes to a database. */
export interface RouteStats {
  batches: number;
  events: number;
  duplicates: number;
  flags: Record<string, Record<string, number>>;
}

interface Store {
  batches: number;
  events: number;
  duplicates: number;
  // A Map, never a plain object keyed by event data: a flag named "__proto__" is just a key.
  flags: Map<string, Map<string, number>>;
}

// On globalThis so that every module instance of one runtime shares the store.
const stores = ((globalThis as { __webhookStores?: Map<string, Store> }).__webhookStores ??= new Map<string, Store>());

function storeFor(route: string): Store {
  let store = stores.get(route);
  if (store === undefined) {
    store = { batches: 0, events: 0, duplicates: 0, flags: new Map() };
    stores.set(route, store);
  }
  return store;
}

/** Records a verified batch (the replay store has already acknowledged re-sent ones as duplicates). */
export function recordBatch(route: string, events: readonly WebhookEvent[]): void {
  const store = storeFor(route);
  store.batches += 1;
  store.events += events.length;
  for (const event of events) {
    const variation = event.kind === "feature" ? event.variation : "tracked";
    let counts = store.flags.get(event.key);
    if (counts === undefined) store.flags.set(event.key, (counts = new Map<string, number>()));
    counts.set(variation, (counts.get(variation) ?? 0) + 1);
  }
}

/** Counts a re-sent batch acknowledged as a duplicate. */
export function countDuplicate(route: string): void {
  storeFor(route).duplicates += 1;
}

export function statsFor(route: string): RouteStats {
  const { batches, events, duplicates, flags } = storeFor(route);
  return {
    batches,
    events,
    duplicates,
    flags: Object.fromEntries([...flags].map(([flag, counts]) => [flag, Object.fromEntries(counts)])),
  };
}

/**
 * The secret. The adapters check their options on the first request, not at import, so `next build`
 * passes where WEBHOOK_SECRET is not set; a request without it is answered 500 and reported.
 */
export function webhookSecret(): string {
  return process.env.WEBHOOK_SECRET ?? "";
}
