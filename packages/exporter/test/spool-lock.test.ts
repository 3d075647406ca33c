import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { acquireSpoolLock, LOCK_HEARTBEAT_MS, LOCK_STALE_MS, type SpoolLock } from "../src/spool/spool-lock.js";

let dir: string;
let lockFile: string;
const held: SpoolLock[] = [];
const takeovers: string[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "spool-lock-"));
  lockFile = join(dir, "exporter.lock");
  takeovers.length = 0;
});
afterEach(() => {
  vi.useRealTimers();
  for (const lock of held.splice(0)) lock.release();
  rmSync(dir, { recursive: true, force: true });
});

function acquire(): SpoolLock {
  const lock = acquireSpoolLock(
    dir,
    (reason) => takeovers.push(reason),
    () => undefined,
  );
  held.push(lock);
  return lock;
}

function writeLock(content: string, ageMs = 0): void {
  writeFileSync(lockFile, content);
  const when = new Date(Date.now() - ageMs);
  utimesSync(lockFile, when, when);
}

/** A pid that no process holds now: a child's, once it has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

const owner = (pid: number, host = hostname()) => JSON.stringify({ pid, host, token: "someone-else" });

describe("acquireSpoolLock", () => {
  it("writes a whole lock naming this process, and removes it on release", () => {
    const lock = acquire();
    expect(JSON.parse(readFileSync(lockFile, "utf8"))).toMatchObject({ pid: process.pid, host: hostname() });
    lock.release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it("refuses a lock held by a live exporter, saying how the lock is taken over and what to delete", () => {
    writeLock(owner(1));
    expect(acquire).toThrow(
      expect.objectContaining({
        code: "ERR_WEBHOOK_SPOOL",
        message: expect.stringMatching(/process 1 .*30 s after its last heartbeat.*delete/) as string,
      }) as Error,
    );
    writeLock(owner(1, "another-host"));
    expect(acquire).toThrow(/another-host/);
  });

  it.each([
    ["a live but unrelated process whose heartbeat stopped (pid reuse)", () => owner(1), LOCK_STALE_MS + 1000],
    ["another host whose heartbeat stopped", () => owner(1, "another-host"), LOCK_STALE_MS + 1000],
    ["a process of this host that is gone", () => owner(deadPid()), 0],
    ["this very process, which holds no lock (pid 1 after a container restart)", () => owner(process.pid), 0],
    ["nobody: an empty file", () => "", 0],
    ["an older version's bare pid", () => "1", 0],
  ])("takes over a lock naming %s", (_case, content, ageMs) => {
    writeLock(content(), ageMs);
    acquire();
    expect(takeovers).toHaveLength(1);
    expect(JSON.parse(readFileSync(lockFile, "utf8"))).toMatchObject({ pid: process.pid });
  });

  it("refreshes its heartbeat, so that a live exporter's lock never goes stale", () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    acquire();
    const old = new Date(Date.now() - LOCK_STALE_MS);
    utimesSync(lockFile, old, old);
    vi.advanceTimersByTime(LOCK_HEARTBEAT_MS);
    expect(Date.now() - statSync(lockFile).mtimeMs).toBeLessThan(LOCK_HEARTBEAT_MS);
  });

  it("reports a lock it can no longer refresh", () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    const lost: string[] = [];
    held.push(
      acquireSpoolLock(
        dir,
        () => undefined,
        (error) => lost.push(error.message),
      ),
    );
    rmSync(lockFile);
    vi.advanceTimersByTime(LOCK_HEARTBEAT_MS * 2);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatch(/cannot refresh the spool lock/);
  });
});
