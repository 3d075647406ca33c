import { execFileSync } from "node:child_process";
import { mkdtempSync, openSync, closeSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A real, tiny filesystem (tmpfs) mounted for one test, to fill up or turn read-only. */
export interface TinyFs {
  readonly path: string;
  /** Writes a filler file until the disk is full (ENOSPC). */
  fill(): void;
  /** Deletes the filler file. */
  free(): void;
  readOnly(): void;
  writable(): void;
  unmount(): void;
}

/** Mounting needs root (CI runs as root); elsewhere the tests that need it are skipped with a notice. */
export function canMountTmpfs(): boolean {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  try {
    const probe = mountTmpfs("64k");
    probe.unmount();
    return true;
  } catch {
    return false;
  }
}

export function mountTmpfs(size = "1m"): TinyFs {
  const path = mkdtempSync(join(tmpdir(), "tiny-fs-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", path]);
  const filler = join(path, "filler");
  return {
    path,
    fill() {
      const fd = openSync(filler, "a");
      const chunk = Buffer.alloc(4096, 120);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      } finally {
        closeSync(fd);
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    readOnly() {
      execFileSync("mount", ["-o", "remount,ro", path]);
    },
    writable() {
      execFileSync("mount", ["-o", "remount,rw", path]);
    },
    unmount() {
      execFileSync("umount", ["-l", path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}
