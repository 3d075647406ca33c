// Writes the JSON Schema files from the compiled validators' shapes: into dist/schema (published)
// and, with --commit, into schema/ (the copy other languages read from the repository).
import { mkdirSync, writeFileSync } from "node:fs";
import { jsonSchemaFiles } from "../dist/json-schema.js";

const targets = [new URL("../dist/schema/", import.meta.url)];
if (process.argv.includes("--commit")) targets.push(new URL("../schema/", import.meta.url));
for (const dir of targets) {
  mkdirSync(dir, { recursive: true });
  for (const [name, schema] of Object.entries(jsonSchemaFiles)) {
    writeFileSync(new URL(name, dir), `${JSON.stringify(schema, null, 2)}\n`);
  }
}
