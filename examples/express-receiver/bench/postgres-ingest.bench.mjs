// receiver.postgres-ingest: events per second stored by the receiver's store (one transaction per
// batch: the batch row under its two unique keys, then every event with one INSERT ... unnest), against
// a bare `pg` insert of the same rows into a table of the same shape (one statement, no batch row, no
// transaction), in the same run, interleaved. Batches of 1,000 events into a throwaway local Postgres
// server; the same case on PGlite (in process) is reported for information.
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { hasPostgres, startPostgres } from "@org/test-fixtures/postgres-server";
import { medianMs, paired, record, ROUNDS, sampleFeatureEvent, scaled } from "../../../scripts/bench-kit.mjs";
import { createPostgresStore } from "../dist/postgres-store.js";
import { openPglite, openPostgres } from "../dist/sql-client.js";

const BATCH = scaled(1000, 10);
const events = Array.from({ length: BATCH }, (_, index) => sampleFeatureEvent(index));
const payload = { meta: { hostname: "bench" }, events };

const BARE_TABLE = `CREATE TABLE IF NOT EXISTS bare_feature_events (LIKE feature_events INCLUDING ALL)`;
const BARE_INSERT = `
  INSERT INTO bare_feature_events (batch_id, position, context_kind, user_key, creation_secs, creation_date,
    flag_key, variation, value, is_default, version, source, metadata)
  SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::bigint[], $6::timestamptz[],
    $7::text[], $8::text[], $9::jsonb[], $10::boolean[], $11::text[], $12::text[], $13::jsonb[])`;

/** The rows as anyone would write them with `pg`: no NUL or surrogate handling, no batch row. */
function bareParams(batchId) {
  return [
    batchId,
    events.map((_, index) => index),
    events.map((event) => event.contextKind ?? null),
    events.map((event) => event.userKey),
    events.map((event) => event.creationDate),
    events.map((event) => new Date(event.creationDate * 1000).toISOString()),
    events.map((event) => event.key),
    events.map((event) => event.variation),
    events.map((event) => JSON.stringify(event.value)),
    events.map((event) => event.default),
    events.map((event) => event.version),
    events.map((event) => event.source),
    events.map((event) => (event.metadata === undefined ? null : JSON.stringify(event.metadata))),
  ];
}

async function measure(label, store, bareQuery) {
  let batch = 0;
  const timings = await medianMs(
    {
      store: () => store.storeBatch({ webhookId: `b-${++batch}`, digest: `d-${batch}`, payload }),
      bare: () => bareQuery(BARE_INSERT, bareParams(++batch)),
    },
    { iterations: 30, warmupIterations: 5, rounds: ROUNDS },
  );
  const rate = (ms) => BATCH / (ms / 1000);
  return { label, store: timings.store.rounds.map(rate), bare: timings.bare.rounds.map(rate) };
}

if (!hasPostgres) {
  console.log("skip receiver.postgres-ingest: Postgres is not installed (apt-get install postgresql)");
} else {
  const server = await startPostgres();
  try {
    const store = await createPostgresStore(openPostgres(server.url, 1));
    const bare = new pg.Client({ connectionString: server.url });
    await bare.connect();
    await bare.query(BARE_TABLE);
    const { store: storeRates, bare: bareRates } = await measure("server", store, (sql, params) =>
      bare.query(sql, params),
    );
    const server_ = paired(storeRates, bareRates);
    record({
      name: "receiver.postgres-ingest",
      unit: "events/s",
      ...server_,
      goal: { min: 0.8 },
      details: { batchEvents: BATCH, target: "a local Postgres server" },
    });
    record({
      name: "receiver.postgres-ingest-floor",
      unit: "events/s",
      median: server_.median,
      baseline: 50_000,
      goal: { min: 1 },
      details: { note: "events/s per replica against the 50,000 floor" },
    });
    await bare.end();
    await store.close();
  } finally {
    await server.stop();
  }
}

// PGlite, in this process: the same store, and the same bare insert on a second PGlite.
const embedded = await createPostgresStore(await openPglite(undefined));
const bareLite = await PGlite.create();
await bareLite.exec((await import("node:fs")).readFileSync(new URL("../schema.sql", import.meta.url), "utf8"));
await bareLite.exec(BARE_TABLE);
const lite = await measure("pglite", embedded, (sql, params) => bareLite.query(sql, params));
record({
  name: "receiver.pglite-ingest",
  unit: "events/s",
  ...paired(lite.store, lite.bare),
  details: { batchEvents: BATCH, target: "PGlite in process (in memory)" },
});
await embedded.close();
await bareLite.close();
