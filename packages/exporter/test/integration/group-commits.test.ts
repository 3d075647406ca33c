// The group commits of a spool: a batch filled over several commits is sealed from its frames plus the
// events of its last interval, and the file holds exactly the bytes that are sent.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseSpoolFile } from "../../src/spool/spool.js";
import { featureEvent, userKeys } from "../helpers/events.js";
import { answer, userKeysOf } from "../helpers/ledger.js";
import { useExporterHarness } from "../helpers/harness.js";
import { waitUntil } from "../helpers/wait.js";

const harness = useExporterHarness((h) => ({ spool: { dir: h.spoolDir, syncInterval: 20 } }));

const filesEnding = (suffix: string) => readdirSync(harness.spoolDir).filter((file) => file.endsWith(suffix));
const openFileSize = () => {
  const [file] = filesEnding(".open");
  return file === undefined ? 0 : statSync(join(harness.spoolDir, file)).size;
};

/**
 * Adds 25 events in three steps: two group commits (each waited for, by the open file growing), then
 * five events no commit has taken yet when the flush seals the batch. The endpoint refuses it with a
 * 503, so the sealed file stays; returns it, parsed, and the body the endpoint got.
 */
async function sealAcrossCommits() {
  const { receiver, exporterFor } = harness;
  receiver.respond((request, _index, res) => {
    answer(503)(request, res);
  });
  const exporter = exporterFor({ maxEventInMemory: 1_000, retryBaseDelayMs: 60_000 });
  for (let index = 0; index < 10; index++) exporter.add(featureEvent(index));
  await waitUntil(() => openFileSize() > 0);
  const afterFirst = openFileSize();
  for (let index = 10; index < 20; index++) exporter.add(featureEvent(index));
  await waitUntil(() => openFileSize() > afterFirst);
  for (let index = 20; index < 25; index++) exporter.add(featureEvent(index));
  await exporter.flush();
  const [file] = filesEnding(".batch");
  if (file === undefined) throw new Error("no sealed batch file");
  const spooled = parseSpoolFile(file, readFileSync(join(harness.spoolDir, file)));
  const sent = receiver.requests[0];
  if (sent === undefined) throw new Error("no attempt reached the endpoint");
  return { spooled, sent, exporter };
}

describe("a batch filled over several group commits", () => {
  it("is sealed whole: its file holds every frame and the last interval's events, the exact bytes sent", async () => {
    const { spooled, sent, exporter } = await sealAcrossCommits();
    expect(filesEnding(".open")).toEqual([]);
    expect(spooled?.count).toBe(25);
    expect(spooled?.id).toBe(sent.headers["webhook-id"]);
    expect(spooled?.body.equals(sent.body)).toBe(true);
    expect(userKeysOf(sent.body)).toEqual(userKeys(0, 25));
    expect(exporter.stats()).toMatchObject({ added: 25, sent: 0, pending: 25 });
  });
});

describe("a file system that writes a little at a time", () => {
  const writevOf = async () => {
    const handle = await open(join(harness.spoolDir, "probe"), "w");
    const prototype = Object.getPrototypeOf(handle) as { writev: (buffers: Buffer[]) => Promise<unknown> };
    await handle.close();
    return prototype;
  };
  let restore: (() => void) | undefined;
  beforeEach(async () => {
    // Short writes, as a nearly full disk gives: at most 7 bytes per call.
    const prototype = await writevOf();
    const original = prototype.writev;
    let calls = 0;
    prototype.writev = function (this: unknown, buffers: Buffer[]) {
      calls += 1;
      const first = buffers.find((buffer) => buffer.length > 0) ?? Buffer.alloc(0);
      return original.call(this, [first.subarray(0, 7)]);
    };
    restore = () => {
      prototype.writev = original;
      expect(calls).toBeGreaterThan(100);
    };
  });
  afterEach(() => {
    restore?.();
  });

  it("still gets whole frames: the sealed file parses and holds the bytes sent", async () => {
    const { spooled, sent } = await sealAcrossCommits();
    expect(spooled?.count).toBe(25);
    expect(spooled?.body.equals(sent.body)).toBe(true);
  });
});

describe("at start", () => {
  it("with an empty spool, the first events wait for the interval, not a batch of their own", async () => {
    const { receiver, exporterFor } = harness;
    const exporter = exporterFor();
    for (let index = 0; index < 5; index++) exporter.add(featureEvent(index));
    await waitUntil(() => openFileSize() > 0);
    expect(receiver.requests).toHaveLength(0);
    expect(exporter.stats()).toMatchObject({ added: 5, pending: 5 });
  });

  it("with batches an earlier run spooled, sends them as soon as they are read", async () => {
    const { receiver, exporterFor } = harness;
    receiver.respond((request, _index, res) => {
      answer(503)(request, res);
    });
    const earlier = exporterFor({ retryBaseDelayMs: 60_000 });
    for (let index = 0; index < 5; index++) earlier.add(featureEvent(index));
    await earlier.close();
    receiver.respond((request, _index, res) => {
      answer(200)(request, res);
    });
    const before = receiver.requests.length;
    const next = exporterFor();
    await waitUntil(() => next.stats().sent === 5);
    expect(userKeysOf(receiver.requests.at(-1)?.body ?? Buffer.alloc(0))).toEqual(userKeys(0, 5));
    expect(receiver.requests.length).toBeGreaterThan(before);
  });
});
