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
    /** Resolves with the first message, or rejects if the child ends first. */
    firstMessage: () =>
      new Promise<Progress>((resolve, reject) => {
        const check = () => {
          const first = messages[0];
          if (first !== undefined) resolve(first.message);
          else waiters.push(check);
        };
        check();
        void exited.then(([code, signal]) => {
          reject(new Error(`the child ended before its first message (${signal ?? String(code)})`));
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
    await child.firstMessage();
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
    await receiver.waitForRequests(3, 10_000);
    // Well past one syncInterval after the last add that must survive.
    const killAt = Date.now();
    const safeBefore = killAt - DEFAULTS.spoolSyncInterval - 300;
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
