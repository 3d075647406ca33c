// Facts about the workspace that the root scripts share.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const root = new URL("..", import.meta.url).pathname;

/** The published packages: directory and package.json, in dependency order. */
export function publishedPackages() {
  const order = ["types", "verify", "exporter"];
  return readdirSync(join(root, "packages"))
    .sort((a, b) => order.indexOf(a) - order.indexOf(b))
    .map((name) => {
      const dir = join(root, "packages", name);
      return { dir, manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) };
    })
    .filter(({ manifest }) => manifest.private !== true);
}
