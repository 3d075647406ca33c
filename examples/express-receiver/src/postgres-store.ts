import { readFile } from "node:fs/promises";
import type { WebhookPayload } from "@org/webhook-types";
import { pgJson, toColumns } from "./event-rows.js";
import type { SqlClient } from "./sql-client.js";

/** What the receiver has stored, as `GET /stats` shows it: read from the database, so every replica agrees. */
export interface ReceiverStats {
  batches: number;
  events: number;
  /** Re-sent batches acknowledged as duplicates (by the database's unique keys or the replay store). */
  duplicates: number;
  /** Events stored over the last 10 seconds, per second. */
  eventsPerSecond: number;
  /** Events per flag (or tracking event name), then per variation (`tracked` for tracking events). */
  flags: Record<string, Record<string, number>>;
}

/** One verified batch, with the identities it arrived under. */
export interface IncomingBatch {
  /** The signed `webhook-id`, or `undefined` for a hub-only request. */
  webhookId: string | undefined;
  /** The body's HMAC, hex. */
  digest: string;
  payload: WebhookPayload;
  /**
   * Where this copy came from, when it can arrive twice as the same copy (a Kafka message's
   * `topic/partition/offset`, read again after a crash): a conflict with a batch stored, or a duplicate
   * recorded, from the same source is that copy delivered again (`"redelivered"`, recorded as nothing),
   * not a duplicate the sender made.
   */
  source?: string | undefined;
}

export interface StoreOptions {
  /**
   * Also count feature events per minute (of `creationDate`), flag and variation in `flag_minutes`,
   * in the same statement: the counts move with the batches, exactly once.
   */
  rollup?: boolean | undefined;
}

export interface EventStore {
  /**
   * Stores the batch and its events in one statement (atomic), or nothing when a batch with either
   * identity is already stored (`"duplicate"`, recorded as such). Rejects when the database does:
   * nothing is half-stored, and the sender's retry will try again.
   */
  storeBatch(batch: IncomingBatch): Promise<"stored" | "duplicate" | "redelivered">;
  /** Records a re-sent batch a replay store acknowledged before the handler ran (its identities unknown here). */
  countReplayed(): Promise<void>;
  stats(): Promise<ReceiverStats>;
  close(): Promise<void>;
  readonly kind: SqlClient["kind"];
}

const SCHEMA_FILE = new URL("../schema.sql", import.meta.url);

// One statement stores the whole batch: its row, then its events, which select the new row's id, so
// that a batch already stored (no row returned: ON CONFLICT DO NOTHING covers both unique keys) inserts
// no event. A statement is atomic on its own, and one round trip costs what a bare insert costs. A
// concurrent insert of the same batch on another replica waits for that statement: if it commits,
// this one conflicts (a duplicate); if it rolls back, this one stores the batch.
const INSERT_BATCH = `
  WITH batch AS (
    INSERT INTO webhook_batches (webhook_id, body_digest, meta, event_count, source)
    VALUES ($1, $2, $3::jsonb, $4, $25)
    ON CONFLICT DO NOTHING
    RETURNING id
  ), features AS (
    INSERT INTO feature_events (batch_id, position, context_kind, user_key, creation_secs, creation_date,
      flag_key, variation, value, is_default, version, source, metadata)
    SELECT batch.id, e.* FROM batch, unnest($5::int[], $6::text[], $7::text[], $8::bigint[],
      $9::timestamptz[], $10::text[], $11::text[], $12::jsonb[], $13::boolean[], $14::text[], $15::text[],
      $16::jsonb[]) AS e
  ), tracking AS (
    INSERT INTO tracking_events (batch_id, position, context_kind, user_key, creation_secs, creation_date,
      event_key, evaluation_context, tracking_event_details)
    SELECT batch.id, e.* FROM batch, unnest($17::int[], $18::text[], $19::text[], $20::bigint[],
      $21::timestamptz[], $22::text[], $23::jsonb[], $24::jsonb[]) AS e
  )`;

// The per-minute counts of the same statement's feature events. Rows are locked in key order, so that
// sinks storing batches with the same minutes at once wait for each other instead of deadlocking.
const ROLLUP = `, rollup AS (
    INSERT INTO flag_minutes (minute, flag_key, variation, events)
    SELECT coalesce(date_trunc('minute', e.d), 'infinity'), e.f, e.v, count(*)
    FROM batch, unnest($9::timestamptz[], $10::text[], $11::text[]) AS e(d, f, v)
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (minute, flag_key, variation) DO UPDATE SET events = flag_minutes.events + EXCLUDED.events
  )`;

const STORED_FROM = `SELECT 1 FROM webhook_batches WHERE source = $1`;

// A copy read again from its source (its duplicate row already there) records nothing twice.
const INSERT_DUPLICATE = `INSERT INTO webhook_duplicates (detected_by, webhook_id, body_digest, source)
  VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1 AS recorded`;

const STATS_TOTALS = `
  SELECT (SELECT count(*) FROM webhook_batches)::float8 AS batches,
         (SELECT coalesce(sum(event_count), 0) FROM webhook_batches)::float8 AS events,
         (SELECT count(*) FROM webhook_duplicates)::float8 AS duplicates,
         (SELECT coalesce(sum(event_count), 0) FROM webhook_batches
           WHERE received_at > now() - interval '10 seconds')::float8 / 10 AS events_per_second`;

const STATS_FLAGS = `
  SELECT flag_key AS flag, variation, count(*)::float8 AS count FROM feature_events GROUP BY 1, 2
  UNION ALL
  SELECT event_key, 'tracked', count(*)::float8 FROM tracking_events GROUP BY 1`;

/** Applies the schema (idempotent) and returns the store over `client`. */
export async function createPostgresStore(client: SqlClient, options: StoreOptions = {}): Promise<EventStore> {
  await client.exec(await readFile(SCHEMA_FILE, "utf8"));
  const insertBatch = `${INSERT_BATCH}${options.rollup === true ? ROLLUP : ""}\n  SELECT id FROM batch`;
  return {
    kind: client.kind,
    async storeBatch({ webhookId, digest, payload, source }) {
      const { feature, tracking } = toColumns(payload.events);
      const [batch] = await client.query<{ id: string }>(insertBatch, [
        webhookId ?? null,
        digest,
        pgJson(payload.meta),
        payload.events.length,
        feature.position,
        feature.contextKind,
        feature.userKey,
        feature.creationSecs,
        feature.creationDate,
        feature.flagKey,
        feature.variation,
        feature.value,
        feature.isDefault,
        feature.version,
        feature.source,
        feature.metadata,
        tracking.position,
        tracking.contextKind,
        tracking.userKey,
        tracking.creationSecs,
        tracking.creationDate,
        tracking.eventKey,
        tracking.evaluationContext,
        tracking.trackingEventDetails,
        source ?? null,
      ]);
      if (batch !== undefined) return "stored";
      if (source !== undefined && (await client.query(STORED_FROM, [source])).length > 0) return "redelivered";
      const recorded = await client.query(INSERT_DUPLICATE, ["database", webhookId ?? null, digest, source ?? null]);
      return recorded.length > 0 ? "duplicate" : "redelivered";
    },
    async countReplayed() {
      await client.query(INSERT_DUPLICATE, ["replay-store", null, null, null]);
    },
    async stats() {
      const [totals] = await client.query<{
        batches: number;
        events: number;
        duplicates: number;
        events_per_second: number;
      }>(STATS_TOTALS);
      const flags = new Map<string, Map<string, number>>();
      for (const row of await client.query<{ flag: string; variation: string; count: number }>(STATS_FLAGS)) {
        let counts = flags.get(row.flag);
        if (counts === undefined) flags.set(row.flag, (counts = new Map<string, number>()));
        counts.set(row.variation, row.count);
      }
      return {
        batches: totals?.batches ?? 0,
        events: totals?.events ?? 0,
        duplicates: totals?.duplicates ?? 0,
        eventsPerSecond: totals?.events_per_second ?? 0,
        // Object.fromEntries defines own properties: a flag named "__proto__" stays a plain key in the JSON.
        flags: Object.fromEntries([...flags].map(([flag, counts]) => [flag, Object.fromEntries(counts)])),
      };
    },
    close: () => client.close(),
  };
}
