// Packs every published package, installs the tarballs together in a temporary folder with npm (as a
// user would), then require()s every entry point from CommonJS and import()s it from ESM.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publishedPackages } from "./workspace.mjs";

const work = mkdtempSync(join(tmpdir(), "smoke-"));
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

try {
  const packages = publishedPackages();
  for (const { dir } of packages) run("pnpm", ["pack", "--pack-destination", work], dir);
  const tarballs = readdirSync(work)
    .filter((file) => file.endsWith(".tgz"))
    .map((file) => join(work, file));
  writeFileSync(join(work, "package.json"), JSON.stringify({ name: "smoke", private: true }));
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], work);

  const specifiers = packages.flatMap(({ manifest }) =>
    Object.keys(manifest.exports)
      .filter((subpath) => subpath !== "./package.json")
      .map((subpath) => manifest.name + subpath.slice(1)),
  );
  const check = (mod, specifier) =>
    `if (Object.keys(${mod}).length === 0) throw new Error(${JSON.stringify(specifier)} + " exports nothing");`;
  writeFileSync(
    join(work, "smoke.cjs"),
    specifiers.map((s, i) => `const m${i} = require(${JSON.stringify(s)}); ${check(`m${i}`, s)}`).join("\n"),
  );
  writeFileSync(
    join(work, "smoke.mjs"),
    specifiers
      .map((s, i) =>
        s.endsWith(".json")
          ? `const { default: m${i} } = await import(${JSON.stringify(s)}, { with: { type: "json" } }); ${check(`m${i}`, s)}`
          : `const m${i} = await import(${JSON.stringify(s)}); ${check(`m${i}`, s)}`,
      )
      .join("\n"),
  );
  run("node", ["smoke.cjs"], work);
  run("node", ["smoke.mjs"], work);
  console.log(`smoke: ${specifiers.length} entry points load with require() and import: ${specifiers.join(", ")}`);
  // The commands, as npx runs them from an install: shebang, executable bit, imports.
  const commands = packages.flatMap(({ manifest }) => Object.keys(manifest.bin ?? {}));
  for (const command of commands) {
    const help = run(join(work, "node_modules", ".bin", command), ["--help"], work);
    if (!help.startsWith("Usage:")) throw new Error(`${command} --help printed no usage`);
  }
  console.log(`smoke: ${commands.join(", ")} run from the installed packages`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
