// Proves that `changeset version` moves the three published packages together (one fixed group) and
// leaves the private examples alone, on a throwaway copy of the workspace.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { publishedPackages, root } from "./workspace.mjs";

const copy = mkdtempSync(join(tmpdir(), "release-"));
const versionOf = (dir) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;
const skip = new Set(["node_modules", ".git", ".turbo", "dist", ".next"]);

try {
  cpSync(root, copy, { recursive: true, filter: (source) => !skip.has(source.split("/").at(-1)) });
  const packages = publishedPackages().map(({ dir, manifest }) => ({
    name: manifest.name,
    dir: join(copy, relative(root, dir)),
    before: manifest.version,
  }));
  writeFileSync(
    join(copy, ".changeset", "sample-release.md"),
    `---\n"@org/webhook-types": minor\n---\n\nA sample change.\n`,
  );
  execFileSync(join(root, "node_modules", ".bin", "changeset"), ["version"], {
    cwd: copy,
    stdio: ["ignore", "pipe", "inherit"],
  });

  const after = packages.map((pkg) => ({ ...pkg, after: versionOf(pkg.dir) }));
  const failures = [];
  const [major, minor] = after[0].before.split(".").map(Number);
  const expected = `${major}.${minor + 1}.0`;
  for (const pkg of after) {
    if (pkg.after !== expected) failures.push(`${pkg.name}: ${pkg.before} -> ${pkg.after}, expected ${expected}`);
    if (!existsSync(join(pkg.dir, "CHANGELOG.md"))) failures.push(`${pkg.name}: no CHANGELOG.md written`);
  }
  if (failures.length > 0)
    throw new Error(`changeset version did not move the fixed group together:\n${failures.join("\n")}`);
  console.log(`release: changeset version moved ${after.map((pkg) => pkg.name).join(", ")} together to ${expected}`);
} finally {
  rmSync(copy, { recursive: true, force: true });
}
