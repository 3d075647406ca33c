import { readFileSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";

/** The little the store needs of a database: one query, a transaction, and a way out. */
export interface SqlClient {
  /** `$1`-style parameters, the same SQL on PGlite and on a server. */
  query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs the statements of a script (no parameters), e.g. the schema file. */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
  /** "pglite" or "postgres", for the start-up line and /stats. */
  readonly kind: "pglite" | "postgres";
}

/**
 * The build's empty database with the schema applied (`scripts/pglite-snapshot.mjs`), the same path
 * from `src/` and `dist/`. Absent when only `tsc` ran: the database is then created from scratch.
 */
const SNAPSHOT = new URL("../dist/pglite-snapshot.tar.gz", import.meta.url);

function readSnapshot(): Blob | undefined {
  try {
    return new Blob([readFileSync(SNAPSHOT)]);
  } catch {
    return undefined;
  }
}

/**
 * Postgres in WebAssembly, in this process: data in `dataDir`, or in memory when it is undefined.
 * One connection, so statements are serialised, which is all one replica needs. In memory, it starts
 * from the build's snapshot when there is one: about 1 s instead of initdb's 3.5 s or more.
 */
export async function openPglite(dataDir: string | undefined): Promise<SqlClient> {
  const snapshot = dataDir === undefined ? readSnapshot() : undefined;
  const db = await PGlite.create(dataDir, snapshot === undefined ? {} : { loadDataDir: snapshot });
  return {
    kind: "pglite",
    query: async (sql, params) => (await db.query(sql, params as unknown[])).rows as never,
    exec: async (script) => {
      await db.exec(script);
    },
    close: () => db.close(),
  };
}

/** A Postgres server through a `pg` pool (`DATABASE_URL`, e.g. `postgres://user:pass@host:5432/db`). */
export function openPostgres(connectionString: string, maxConnections = 10): SqlClient {
  const pool = new pg.Pool({ connectionString, max: maxConnections });
  // An idle client that loses its server emits 'error' on the pool; unhandled, it would end the process.
  pool.on("error", () => undefined);
  return {
    kind: "postgres",
    query: async (sql, params) => (await pool.query(sql, params as unknown[])).rows as never,
    async exec(script) {
      const client = await pool.connect();
      try {
        // Replicas starting together would race on CREATE ... IF NOT EXISTS (a unique violation in the
        // catalog): one applies the schema at a time.
        await client.query("SELECT pg_advisory_lock(7290173)");
        await client.query(script);
      } finally {
        await client.query("SELECT pg_advisory_unlock(7290173)").catch(() => undefined);
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
