import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const GO_DIR = new URL("../go/", import.meta.url).pathname;

/**
 * Builds the Go side once. Where Go is missing, says so plainly: this suite needs Go 1.22+ on PATH
 * (it is not part of `pnpm test`, which needs only Node).
 */
export function buildGoInterop(): string {
  const version = spawnSync("go", ["version"], { encoding: "utf8" });
  if (version.error !== undefined || version.status !== 0) {
    throw new Error("pnpm test:interop needs Go 1.22 or newer on PATH (https://go.dev/dl/); `go version` failed");
  }
  const binary = join(mkdtempSync(join(tmpdir(), "interop-")), "interop");
  execFileSync("go", ["build", "-o", binary, "."], {
    cwd: GO_DIR,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, GOFLAGS: "-mod=mod" },
  });
  return binary;
}

/** Runs a Go subcommand with `input` lines on stdin and returns its output lines, parsed. */
export function runGo<T>(binary: string, args: string[], lines: readonly string[]): T[] {
  const output = execFileSync(binary, args, { input: `${lines.join("\n")}\n`, encoding: "utf8", maxBuffer: 1 << 30 });
  return output
    .trim()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as T);
}

/** Runs a Go subcommand without blocking the event loop (the receiver it talks to lives in this process). */
export function runGoAsync(binary: string, args: string[], input: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ["pipe", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve(output.trim());
      else reject(new Error(`interop ${args[0] ?? ""} exited with ${String(code)}`));
    });
    child.stdin.end(input);
  });
}
