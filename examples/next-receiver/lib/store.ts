import type { WebhookEvent } from "@org/webhook-types";

/** Counts per route, kept in memory: each runtime (Node.js, Edge) has its own. A real app writes to a database. */
export interface RouteStats {
  batches: number;
  events: number;
  duplicates: number;
  flags: Record<string, Record<string, number>>;
}

interface Store {
  seen: Set<string>;
  stats: RouteStats;
}

// On globalThis so that every module instance of one runtime shares the store.
const stores = ((globalThis as { __webhookStores?: Map<string, Store> }).__webhookStores ??= new Map<string, Store>());

function storeFor(route: string): Store {
  let store = stores.get(route);
  if (store === undefined) {
    store = { seen: new Set(), stats: { batches: 0, events: 0, duplicates: 0, flags: {} } };
    stores.set(route, store);
  }
  return store;
}

/** Records a batch once per webhook-id; false for a re-sent one. */
export function recordBatch(route: string, id: string | undefined, events: readonly WebhookEvent[]): boolean {
  const store = storeFor(route);
  if (id !== undefined) {
    if (store.seen.has(id)) {
      store.stats.duplicates += 1;
      return false;
    }
    store.seen.add(id);
  }
  store.stats.batches += 1;
  store.stats.events += events.length;
  for (const event of events) {
    const variation = event.kind === "feature" ? event.variation : "tracked";
    const counts = (store.stats.flags[event.key] ??= {});
    counts[variation] = (counts[variation] ?? 0) + 1;
  }
  return true;
}

export function statsFor(route: string): RouteStats {
  return storeFor(route).stats;
}

/** The secret, read when a route is first used (never at build time). */
export function webhookSecret(): string {
  const secret = process.env.WEBHOOK_SECRET;
  if (secret === undefined || secret === "") throw new Error("WEBHOOK_SECRET is required");
  return secret;
}
