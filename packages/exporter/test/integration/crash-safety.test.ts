// Crash safety with a spool, against real child processes killed with SIGKILL: every event is on disk
// within spool.syncInterval of add(), and everything on disk is delivered once by the next start.
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/index.js";
import { startReceiver, type ReceivedRequest, type Receiver } from "@org/test-fixtures/receiver";

const childScript = new URL("../fixtures/crash-child.mjs", import.meta.url).pathname;

/**
 * A group commit is on disk once its write and fsync return: milliseconds on a quiet disk, but seen
 * past 500 ms while parallel builds saturate this machine's disk and both cores. Events added this
 * long before the last syncInterval before a kill must survive it.
 */
const WRITE_MARGIN_MS = 1_000;

interface Progress {
  added?: number;
  stats?: Stats;
}
interface Stats {
  added: number;
  restored: number;
  sent: number;
  dropped: number;
  pending: number;
}

/** A child exporter; `progress` holds each message with the time it arrived. */
function startChild(args: string[]) {
  const child: ChildProcess = fork(childScript, args, { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const messages: { at: number; message: Progress }[] = [];
  const waiters: (() => void)[] = [];
  child.on("message", (message: Progress) => {
    messages.push({ at: Date.now(), message });
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    messages,
    exited,
    /** Resolves with the first message that `accept`s, or rejects if the child ends first. */
    message: (accept: (message: Progress) => boolean = () => true) =>
      new Promise<Progress>((resolve, reject) => {
        const check = () => {
          const found = messages.find((entry) => accept(entry.message));
          if (found !== undefined) resolve(found.message);
          else waiters.push(check);
        };
        check();
        void exited.then(([code, signal]) => {
          reject(new Error(`the child ended before the message awaited (${signal ?? String(code)})`));
        });
      }),
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Batches stored once by webhook-id, as a receiver that drops re-sent batches keeps them. */
function storedKeys(stored: Map<string, ReceivedRequest>): Map<string, number> {
  const keys = new Map<string, number>();
  for (const request of stored.values()) {
    const { events } = JSON.parse(request.body.toString("utf8")) as { events: { userKey: string }[] };
    for (const { userKey } of events) keys.set(userKey, (keys.get(userKey) ?? 0) + 1);
  }
  return keys;
}

let receiver: Receiver;
let spoolDir: string;
/** The batches the receiver stored, by webhook-id. */
let stored: Map<string, ReceivedRequest>;
const store = (request: ReceivedRequest) => {
  const id = String(request.headers["webhook-id"]);
  if (!stored.has(id)) stored.set(id, request);
};
const storeAndAnswer = (request: ReceivedRequest, res: ServerResponse) => {
  store(request);
  res.writeHead(200).end("{}");
};

beforeEach(async () => {
  receiver = await startReceiver();
  spoolDir = mkdtempSync(join(tmpdir(), "crash-"));
  stored = new Map();
});
afterEach(async () => {
  await receiver.close();
  rmSync(spoolDir, { recursive: true, force: true });
});

async function drain(dir: string): Promise<Stats> {
  receiver.respond((request, _index, res) => {
    storeAndAnswer(request, res);
  });
  const drainer = startChild([receiver.url, dir, "drain"]);
  const [code] = await drainer.exited;
  expect(code).toBe(0);
  const stats = drainer.messages.at(-1)?.message.stats;
  if (stats === undefined) throw new Error("the drain child sent no stats");
  return stats;
}

describe("with a spool, a SIGKILL loses at most the last syncInterval", () => {
  it("a batch killed during its first attempt (the endpoint never answers) is delivered by the next start, under its webhook-id", async () => {
    const attempted: string[] = [];
    receiver.respond((request) => {
      attempted.push(String(request.headers["webhook-id"]));
      // Never answers: the attempt is in flight when the kill comes.
    });
    const child = startChild([receiver.url, spoolDir, "batch", "first", "300"]);
    await child.message();
    await receiver.waitForRequests(1, 10_000);
    await child.kill();

    const stats = await drain(spoolDir);
    expect(storedKeys(stored).size).toBe(300);
    expect([...stored.keys()]).toEqual([attempted[0]]);
    // Restored events count as added: the ledger balances in the new process.
    expect(stats).toMatchObject({ added: 300, restored: 300, sent: 300, dropped: 0, pending: 0 });
  }, 30_000);

  it("events added while a spooled batch is retried (503, then a retry that hangs) are on disk too", async () => {
    receiver.respond((request, index, res) => {
      if (index === 0) res.writeHead(503).end();
      // Every later attempt hangs.
    });
    const child = startChild([receiver.url, spoolDir, "flood", "flood"]);
    await receiver.waitForRequests(2, 10_000);
    // Three seconds of flood after the retry began to hang.
    await child.message((message) => (message.added ?? 0) >= 30_000);
    // Well past one syncInterval after the last add that must survive.
    const killAt = Date.now();
    const safeBefore = killAt - DEFAULTS.spoolSyncInterval - WRITE_MARGIN_MS;
    const mustHave = Math.max(
      0,
      ...child.messages.filter((entry) => entry.at < safeBefore).map((entry) => entry.message.added ?? 0),
    );
    await child.kill();

    await drain(spoolDir);
    const keys = storedKeys(stored);
    for (let index = 0; index < mustHave; index++) expect(keys.get(`flood-${index}`), `flood-${index}`).toBe(1);
    expect(mustHave).toBeGreaterThan(200);
    expect([...keys.values()].every((times) => times === 1)).toBe(true);
  }, 30_000);
});

describe("a chaos run: 100 SIGKILLs at random moments", () => {
  it("loses nothing but the events of the last syncInterval before each kill, and stores every other once", async () => {
    let seed = Date.now() % 2_147_483_647;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    const startSeed = seed;
    // A receiver that mostly stores, and sometimes answers 503, hangs, or stores and loses its answer.
    receiver.respond((request, _index, res) => {
      const roll = random();
      if (roll < 0.12) res.writeHead(503).end();
      else if (roll < 0.24)
        return; // hangs: the sender's timeout ends the attempt
      else if (roll < 0.34) {
        store(request);
        res.socket?.destroy();
      } else storeAndAnswer(request, res);
    });
    const lanes = 4;
    const killsPerLane = 25;
    const runs: { prefix: string; mustHave: number; reported: number }[] = [];
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        const dir = join(spoolDir, `lane-${lane}`);
        for (let kill = 0; kill < killsPerLane; kill++) {
          const prefix = `l${lane}k${kill}`;
          const child = startChild([receiver.url, dir, "flood", prefix]);
          await child.message();
          // A random moment past the margin, so that events are at stake: during a flood, an attempt, a
          // retry of a spooled batch, or between commits.
          await new Promise((resolve) =>
            setTimeout(resolve, WRITE_MARGIN_MS + DEFAULTS.spoolSyncInterval + random() * 800),
          );
          const safeBefore = Date.now() - DEFAULTS.spoolSyncInterval - WRITE_MARGIN_MS;
          await child.kill();
          const added = child.messages.map((entry) => ({ at: entry.at, added: entry.message.added ?? 0 }));
          const mustHave = Math.max(0, ...added.filter((entry) => entry.at < safeBefore).map((entry) => entry.added));
          runs.push({ prefix, mustHave, reported: Math.max(0, ...added.map((entry) => entry.added)) });
        }
      }),
    );
    const drained = [];
    for (let lane = 0; lane < lanes; lane++) drained.push(await drain(join(spoolDir, `lane-${lane}`)));

    const keys = storedKeys(stored);
    const context = `seed ${startSeed}`;
    const twice = [...keys].filter(([, times]) => times > 1).map(([key]) => key);
    expect(twice, context).toEqual([]);
    const missing = runs.flatMap(({ prefix, mustHave }) =>
      Array.from({ length: mustHave }, (_, index) => `${prefix}-${index}`).filter((key) => !keys.has(key)),
    );
    expect(missing, context).toEqual([]);
    expect(runs).toHaveLength(lanes * killsPerLane);
    // Enough was at stake: most runs lived past the window.
    expect(runs.reduce((sum, run) => sum + run.mustHave, 0)).toBeGreaterThan(10_000);
    for (const stats of drained) {
      expect(stats.dropped, context).toBe(0);
      expect(stats.sent, context).toBe(stats.added);
      expect(stats.restored, context).toBe(stats.added);
    }
  }, 240_000);
});

describe("a script that ends without close()", () => {
  const runScript = async (args: string[]) => {
    const child = fork(new URL("../fixtures/script-child.mjs", import.meta.url).pathname, args, {
      stdio: ["ignore", "pipe", "inherit", "ipc"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    return { code, output };
  };

  it("delivers its event before the process ends", async () => {
    receiver.respond((request, _index, res) => {
      storeAndAnswer(request, res);
    });
    const { code, output } = await runScript([receiver.url]);
    expect(code).toBe(0);
    expect([...storedKeys(stored).keys()]).toEqual(["user-1"]);
    expect(output).toMatch(/exit \{"added":1,"restored":0,"sent":1,/);
  }, 30_000);

  it("without a spool, reports the event lost when the endpoint is down, and ends", async () => {
    await receiver.stop();
    const { code, output } = await runScript([receiver.url]);
    expect(code).toBe(0);
    expect(output).toContain("dropped 1 unsent-at-exit");
    expect(output).toMatch(/exit \{"added":1,"restored":0,"sent":0,"dropped":1,/);
  }, 30_000);

  it("with a spool, keeps the event on disk when the endpoint is down, and the next start sends it", async () => {
    await receiver.stop();
    const { code, output } = await runScript([receiver.url, spoolDir]);
    expect(code).toBe(0);
    expect(output).not.toMatch(/^dropped /m);
    await receiver.restart();
    const stats = await drain(spoolDir);
    expect([...storedKeys(stored).keys()]).toEqual(["user-1"]);
    expect(stats).toMatchObject({ added: 1, restored: 1, sent: 1, dropped: 0 });
  }, 30_000);
});

describe("stats() after close() spooled what it could not send", () => {
  it("counts the spooled events as pending, none in memory", async () => {
    await receiver.stop();
    const { createWebhookExporter } = await import("../../src/index.js");
    const exporter = createWebhookExporter({
      endpointUrl: receiver.url,
      secret: "s",
      closeTimeout: 200,
      spool: { dir: spoolDir },
    });
    for (let index = 0; index < 50; index++)
      exporter.add({
        kind: "feature",
        contextKind: "user",
        userKey: `u-${index}`,
        creationDate: 1_767_225_600,
        key: "f",
        variation: "on",
        value: true,
        default: false,
        version: "",
        source: "SERVER",
      });
    await exporter.close();
    expect(exporter.stats()).toMatchObject({ added: 50, pending: 50, inMemory: 0, dropped: 0 });
  }, 30_000);
});
