// Part of the build: an empty PGlite database with the schema applied, dumped to
// dist/pglite-snapshot.tar.gz. Creating a database in memory runs initdb (about 3.5 s here, more on a
// busy machine); loading this snapshot takes about 1 s, so the receiver starts in about 2 s.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";

const db = await PGlite.create();
await db.exec(readFileSync(new URL("../schema.sql", import.meta.url), "utf8"));
const dump = await db.dumpDataDir("gzip");
await db.close();
mkdirSync(new URL("../dist/", import.meta.url), { recursive: true });
writeFileSync(new URL("../dist/pglite-snapshot.tar.gz", import.meta.url), Buffer.from(await dump.arrayBuffer()));
