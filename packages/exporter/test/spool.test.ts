import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSpool, type Spool } from "../src/spool/spool.js";

let dir: string;
let spool: Spool | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "spool-unit-"));
});
afterEach(() => {
  spool?.release();
  spool = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const quiet = { onTakeover: () => undefined, onError: () => undefined };
const batch = (id: string, size = 100) => ({ id, body: Buffer.alloc(size, 97), count: 1 });

describe("openSpool", () => {
  it("writes a batch whole and reads back its exact bytes, in write order after a restart", async () => {
    spool = openSpool(dir, 1 << 20, quiet);
    const first = await spool.write(batch("a"));
    await spool.write(batch("b"));
    expect(await spool.read(first.file)).toEqual(batch("a").body);
    spool.release();
    spool = openSpool(dir, 1 << 20, quiet);
    const { batches, torn, skipped } = await spool.load();
    expect(batches.map((loaded) => loaded.id)).toEqual(["a", "b"]);
    expect({ torn, skipped }).toEqual({ torn: [], skipped: [] });
  });

  it("sets aside a file whose body does not match its header, and reads nothing from it", async () => {
    spool = openSpool(dir, 1 << 20, quiet);
    const { file } = await spool.write(batch("a"));
    writeFileSync(
      join(dir, file),
      Buffer.concat([
        Buffer.from(`${JSON.stringify({ v: 1, id: "a", count: 1, bytes: 100, sha256: "0".repeat(64) })}\n`),
        Buffer.alloc(100),
      ]),
    );
    expect(await spool.read(file)).toBeUndefined();
    expect(readdirSync(dir).filter((name) => name.endsWith(".torn"))).toHaveLength(1);
  });

  it("evicts the oldest batches past maxBytes, never the one it is told is busy", async () => {
    spool = openSpool(dir, 700, quiet);
    const a = await spool.write(batch("a", 200));
    const b = await spool.write(batch("b", 200));
    const c = await spool.write(batch("c", 200), (file) => file === a.file);
    expect(c.evicted).toEqual([{ file: b.file, count: 1 }]);
    expect(await spool.read(a.file)).toEqual(batch("a", 200).body);
  });

  // Linux only: the open descriptors are read from /proc.
  it.runIf(process.platform === "linux")(
    "keeps one handle per open batch across its commits, and closes it when the batch is sealed, removed or released",
    async () => {
      const handlesOnto = (name: string) =>
        readdirSync("/proc/self/fd").filter((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`).includes(name);
          } catch {
            return false; // closed meanwhile (the directory's own descriptor)
          }
        }).length;
      spool = openSpool(dir, 1 << 20, quiet);
      for (let commit = 0; commit < 5; commit++) {
        await spool.appendOpen("a", "{}", Buffer.from(`{"n":${commit}}`), 1);
        await spool.appendOpen("b", "{}", Buffer.from(`{"n":${commit}}`), 1);
      }
      await spool.appendOpen("c", "{}", Buffer.from("{}"), 1);
      expect([handlesOnto("-a.open"), handlesOnto("-b.open"), handlesOnto("-c.open")]).toEqual([1, 1, 1]);
      const sealed = await spool.sealOpen("a", { events: Buffer.from('{"n":5}'), count: 1, total: 6 });
      await spool.removeOpen("b");
      expect([handlesOnto("-a."), handlesOnto("-b.open")]).toEqual([0, 0]);
      expect(readFileSync(join(dir, sealed.file), "utf8")).toContain('{"n":4}');
      spool.release();
      spool = undefined;
      await new Promise<void>((resolve) => setImmediate(resolve));
      await expect.poll(() => handlesOnto("-c.open")).toBe(0);
    },
  );
});
