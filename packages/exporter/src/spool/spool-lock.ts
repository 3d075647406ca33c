import { randomUUID } from "node:crypto";
import { closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { systemHostname } from "../config/options.js";
import { spoolError, type WebhookExporterError } from "../errors.js";

const LOCK_FILE = "exporter.lock";
/** The holder touches its lock this often. */
export const LOCK_HEARTBEAT_MS = 5_000;
/** A lock not touched for this long is stale: its holder is gone, whatever its pid says now. */
export const LOCK_STALE_MS = 30_000;

/** Who holds a lock, as written in the lock file. */
interface LockOwner {
  pid: number;
  host: string;
  token: string;
}

export interface SpoolLock {
  release(): void;
}

/** Directories locked by exporters of this process (the pid in the lock file cannot tell them apart). */
const lockedHere = new Set<string>();

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

function readOwner(path: string): { owner: LockOwner | undefined; ageMs: number } | undefined {
  try {
    const ageMs = Date.now() - statSync(path).mtimeMs;
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Partial<LockOwner> | null;
    const valid =
      typeof parsed?.pid === "number" && typeof parsed.host === "string" && typeof parsed.token === "string";
    return { owner: valid ? (parsed as LockOwner) : undefined, ageMs };
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    // Empty, garbage, or written by a version without heartbeats: nothing proves a holder is alive.
    return { owner: undefined, ageMs: Infinity };
  }
}

/**
 * Why the lock's holder is gone, or `undefined` while it may be alive. A lock is live while its holder
 * touches it; a holder on this host whose pid is dead is gone at once (a restart after a crash need not
 * wait), and so is a lock that names this very process (pid 1 again after a container restart).
 */
function staleReason(found: { owner: LockOwner | undefined; ageMs: number }, thisHost: string): string | undefined {
  const { owner, ageMs } = found;
  if (owner === undefined) return "it carries no heartbeat";
  if (ageMs > LOCK_STALE_MS) return `its heartbeat is ${Math.round(ageMs / 1000)} s old`;
  if (owner.host !== thisHost) return undefined;
  if (owner.pid === process.pid) return "it names this process, which holds no lock on it";
  return isAlive(owner.pid) ? undefined : `its process ${owner.pid} is gone`;
}

/** Creates the lock file whole (written aside, then linked), or returns false when one exists. */
function tryCreate(path: string, owner: LockOwner): boolean {
  const aside = `${path}.${owner.token}.tmp`;
  try {
    const fd = openSync(aside, "wx");
    try {
      writeSync(fd, JSON.stringify(owner));
    } finally {
      closeSync(fd);
    }
    linkSync(aside, path);
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw spoolError(
      `cannot write the spool lock ${path} (${errorCode(error) ?? "error"}): is the disk full or read-only?`,
      error,
    );
  } finally {
    try {
      unlinkSync(aside);
    } catch {
      // Never created, or already gone.
    }
  }
}

/**
 * Takes `dir`'s lock, or explains who holds it. The lock file is never empty or half-written, so a
 * full disk at start leaves nothing behind; a stale lock is taken over (see {@link staleReason}).
 * @throws {WebhookExporterError} `ERR_WEBHOOK_SPOOL` when a live exporter holds it, or it cannot be written;
 * `ERR_WEBHOOK_CONFIG` when the host name cannot be read (Deno without `--allow-sys=hostname`).
 */
export function acquireSpoolLock(
  dir: string,
  onTakeover: (reason: string) => void,
  onLost: (error: WebhookExporterError) => void,
): SpoolLock {
  const path = join(resolve(dir), LOCK_FILE);
  if (lockedHere.has(path))
    throw spoolError(
      `spool.dir ${dir} is used by another exporter in this process; give each exporter its own directory`,
    );
  const owner: LockOwner = {
    pid: process.pid,
    host: systemHostname("spool", "needs this host's name for its lock"),
    token: randomUUID(),
  };
  for (let tries = 0; !tryCreate(path, owner); tries++) {
    const found = readOwner(path);
    if (found === undefined) continue; // released meanwhile: try again
    const reason = staleReason(found, owner.host);
    if (reason === undefined || tries >= 2) {
      const holder =
        found.owner === undefined
          ? "another exporter"
          : `another exporter (process ${found.owner.pid} on ${found.owner.host})`;
      throw spoolError(
        `spool.dir ${dir} is used by ${holder}; give each exporter its own directory. A lock whose holder stops refreshing it ` +
          `is taken over ${LOCK_STALE_MS / 1000} s after its last heartbeat; if no exporter uses this directory, delete ${path}`,
      );
    }
    onTakeover(reason);
    try {
      unlinkSync(path);
    } catch {
      // Taken over by someone else meanwhile: the next try tells.
    }
  }
  lockedHere.add(path);

  let lost = false;
  const heartbeat = setInterval(() => {
    try {
      if (readOwner(path)?.owner?.token !== owner.token) throw new Error("the lock file was removed or replaced");
      const now = new Date();
      utimesSync(path, now, now);
      lost = false;
    } catch (error) {
      if (!lost)
        onLost(
          spoolError(`cannot refresh the spool lock ${path}: another exporter may take the directory over`, error),
        );
      lost = true;
    }
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();

  return {
    release() {
      clearInterval(heartbeat);
      lockedHere.delete(path);
      try {
        if (readOwner(path)?.owner?.token === owner.token) unlinkSync(path);
      } catch {
        // Already gone: nothing to release.
      }
    },
  };
}
