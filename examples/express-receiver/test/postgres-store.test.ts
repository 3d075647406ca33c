import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookEvent, WebhookPayload } from "@org/webhook-types";
import { hasPostgres, startPostgres, type PostgresServer } from "@org/test-fixtures/postgres-server";
import { missingOutsideCi } from "@org/test-fixtures/system-tools";
import { createPostgresStore, type EventStore } from "../src/postgres-store.js";
import { openPglite, openPostgres, type SqlClient } from "../src/sql-client.js";

function feature(userKey: string, overrides: Partial<WebhookEvent> = {}): WebhookEvent {
  return {
    kind: "feature",
    contextKind: "user",
    userKey,
    creationDate: 1_700_000_000,
    key: "new-checkout",
    variation: "on",
    value: true,
    default: false,
    version: "3",
    source: "SERVER",
    ...overrides,
  } as WebhookEvent;
}

function payload(events: WebhookEvent[]): WebhookPayload {
  return { meta: { hostname: "test" }, events };
}

interface Backend {
  name: string;
  skip: boolean;
  open: () => Promise<SqlClient>;
}

let server: PostgresServer | undefined;
const skipServer = missingOutsideCi("postgresql", hasPostgres);
const backends: Backend[] = [
  { name: "PGlite", skip: false, open: () => openPglite(undefined) },
  {
    name: "a Postgres server",
    skip: skipServer,
    open: async () => {
      server ??= await startPostgres();
      const client = openPostgres(server.url);
      // Each test starts from empty tables (the schema is applied again by createPostgresStore).
      await client.exec(
        "DROP TABLE IF EXISTS feature_events, tracking_events, webhook_duplicates, webhook_batches, flag_minutes CASCADE",
      );
      return client;
    },
  },
];

afterAll(async () => {
  await server?.stop();
});

describe.each(backends)("the Postgres store on $name", ({ skip, open }) => {
  let client: SqlClient;
  let store: EventStore;
  beforeAll(async () => {
    if (skip) return;
    client = await open();
    store = await createPostgresStore(client);
  }, 30_000);
  afterAll(async () => {
    if (!skip) await store.close();
  });
  const count = async (table: string) =>
    Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n);

  it.skipIf(skip)(
    "stores a batch once: the same webhook-id, or the same body without its id, is a duplicate",
    async () => {
      const batch = payload([feature("a"), feature("b")]);
      expect(await store.storeBatch({ webhookId: "id-1", digest: "d-1", payload: batch })).toBe("stored");
      expect(await store.storeBatch({ webhookId: "id-1", digest: "d-other", payload: batch })).toBe("duplicate");
      expect(await store.storeBatch({ webhookId: undefined, digest: "d-1", payload: batch })).toBe("duplicate");
      expect(await count("feature_events")).toBe(2);
      expect(await store.stats()).toMatchObject({ batches: 1, events: 2, duplicates: 2 });
    },
  );

  it.skipIf(skip)("stores nothing of a batch the database refuses part way, and all of it on the retry", async () => {
    const batch = payload([
      feature("c"),
      {
        kind: "tracking",
        userKey: "c",
        creationDate: 1,
        key: "explode",
        evaluationContext: null,
        trackingEventDetails: null,
      },
    ]);
    const before = { batches: await count("webhook_batches"), features: await count("feature_events") };
    // The batch row and the feature events go in before the tracking events, which the database refuses.
    await client.exec("ALTER TABLE tracking_events ADD CONSTRAINT refuse_explode CHECK (event_key <> 'explode')");
    await expect(store.storeBatch({ webhookId: "id-2", digest: "d-2", payload: batch })).rejects.toThrow(
      "refuse_explode",
    );
    await client.exec("ALTER TABLE tracking_events DROP CONSTRAINT refuse_explode");
    expect(await count("webhook_batches")).toBe(before.batches);
    expect(await count("feature_events")).toBe(before.features);
    expect(await store.storeBatch({ webhookId: "id-2", digest: "d-2", payload: batch })).toBe("stored");
    expect(await count("tracking_events")).toBe(1);
  });

  it.skipIf(skip)(
    "stores what Postgres cannot hold as such (NUL, lone surrogates, a date past year 9999) instead of failing forever",
    async () => {
      const awkward = feature("nul\u0000user", {
        key: "flag\u0000",
        value: { "k\u0000": "\ud800 lone", nested: ["\\u0000 is text", "\udfff"] },
        metadata: { "\u0000": null },
        creationDate: 9_999_999_999_999,
      });
      expect(await store.storeBatch({ webhookId: "id-3", digest: "d-3", payload: payload([awkward]) })).toBe("stored");
      const [row] = await client.query<{ user_key: string; value: unknown; creation_date: unknown; secs: string }>(
        "SELECT user_key, value, creation_date, creation_secs::text AS secs FROM feature_events WHERE user_key LIKE 'nul%'",
      );
      expect(row).toEqual({
        user_key: "nul\uFFFDuser",
        value: { "k\uFFFD": "\uFFFD lone", nested: ["\\u0000 is text", "\uFFFD"] },
        creation_date: null,
        secs: "9999999999999",
      });
    },
  );

  it.skipIf(skip)("keeps hostile keys as data: a flag named __proto__ is a row like any other", async () => {
    await store.storeBatch({
      webhookId: "id-4",
      digest: "d-4",
      payload: payload([feature("p", { key: "__proto__", variation: "constructor" })]),
    });
    const stats = await store.stats();
    expect(Object.getOwnPropertyNames(stats.flags)).toContain("__proto__");
    expect(stats.flags.__proto__).toEqual({ constructor: 1 });
  });
  it.skipIf(skip)(
    "with the rollup, counts each stored feature event once per minute, flag and variation, in the same statement",
    async () => {
      const rolling = await createPostgresStore(client, { rollup: true });
      const minutes = () =>
        client.query<{ minute: string; flag_key: string; variation: string; events: string }>(
          "SELECT minute::text, flag_key, variation, events::text FROM flag_minutes WHERE flag_key LIKE 'roll-%' ORDER BY 1, 2, 3",
        );
      const batch = payload([
        feature("r1", { key: "roll-a", creationDate: 1_700_000_000 }),
        feature("r2", { key: "roll-a", creationDate: 1_700_000_030 }),
        feature("r3", { key: "roll-a", variation: "off", creationDate: 1_700_000_000 }),
        feature("r4", { key: "roll-b", creationDate: 1_700_000_090 }),
        feature("r5", { key: "roll-b", creationDate: 9_999_999_999_999 }),
      ]);
      expect(await rolling.storeBatch({ webhookId: "roll-1", digest: "roll-d1", payload: batch })).toBe("stored");
      // The same batch again stores nothing, so it counts nothing.
      expect(await rolling.storeBatch({ webhookId: "roll-1", digest: "roll-d2", payload: batch })).toBe("duplicate");
      expect(
        await rolling.storeBatch({
          webhookId: "roll-2",
          digest: "roll-d3",
          payload: payload([feature("r6", { key: "roll-a", creationDate: 1_700_000_010 })]),
        }),
      ).toBe("stored");
      const rows = (await minutes()).map((row) => `${row.flag_key}/${row.variation}/${row.events}`);
      expect(rows).toEqual(["roll-a/off/1", "roll-a/on/3", "roll-b/on/1", "roll-b/on/1"]);
      const [first] = await minutes();
      expect(new Date(first?.minute ?? "").toISOString()).toBe("2023-11-14T22:13:00.000Z");
    },
  );

  it.skipIf(skip)(
    "tells a copy read again from its source (redelivered) from a copy the sender sent twice",
    async () => {
      const batch = payload([feature("s1")]);
      const duplicatesBefore = (await store.stats()).duplicates;
      expect(await store.storeBatch({ webhookId: "src-1", digest: "src-d", payload: batch, source: "t/0/7" })).toBe(
        "stored",
      );
      expect(await store.storeBatch({ webhookId: "src-1", digest: "src-d", payload: batch, source: "t/0/7" })).toBe(
        "redelivered",
      );
      expect(await store.storeBatch({ webhookId: "src-1", digest: "src-d", payload: batch, source: "t/3/9" })).toBe(
        "duplicate",
      );
      // The sender's copy, read again from its own source (a sink that died before committing it).
      expect(await store.storeBatch({ webhookId: "src-1", digest: "src-d", payload: batch, source: "t/3/9" })).toBe(
        "redelivered",
      );
      expect((await store.stats()).duplicates).toBe(duplicatesBefore + 1);
    },
  );
});

describe.skipIf(skipServer)("two replicas on one Postgres server", () => {
  it("store a batch sent to both at once exactly once: one stores it, the other answers duplicate", async () => {
    server ??= await startPostgres();
    const first = await createPostgresStore(openPostgres(server.url));
    const second = await createPostgresStore(openPostgres(server.url));
    try {
      const events = Array.from({ length: 2000 }, (_, index) => feature(`race-${String(index)}`));
      for (let round = 0; round < 10; round++) {
        const batch = {
          webhookId: `race-${String(round)}`,
          digest: `race-digest-${String(round)}`,
          payload: payload(events),
        };
        const outcomes = await Promise.all([first.storeBatch(batch), second.storeBatch(batch)]);
        expect(outcomes.sort()).toEqual(["duplicate", "stored"]);
      }
      const stats = await first.stats();
      expect(stats.flags["new-checkout"]?.on).toBeGreaterThanOrEqual(20_000);
    } finally {
      await first.close();
      await second.close();
    }
  }, 60_000);
});
