// The exporter on the runtimes the README names, for real (Bun and Deno from their npm packages):
// it delivers, spools what the endpoint refused, closes on SIGTERM (handleSignals), and the next start
// on the same spool resends under the same webhook-id. Outside CI, a runtime not installed is skipped.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runtimeBinary, runtimeMissingOutsideCi, type RuntimeName } from "@org/test-fixtures/runtimes";
import { startReceiver, type Receiver } from "@org/test-fixtures/receiver";
import { verifyWebhook } from "@org/webhook-verify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../fixtures/runtime-child.mjs", import.meta.url));
const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const runtimes: { name: RuntimeName; args: (rest: string[]) => string[] }[] = [
  { name: "bun", args: (rest: string[]) => [script, ...rest] },
  {
    name: "deno",
    // The README's permissions: the endpoint's host, the host name (the spool's lock), the two variables
    // undici reads, the spool; reading the package itself. validateEvents is given: NODE_ENV is not read.
    args: (rest: string[]) => [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-sys=hostname",
      "--allow-env=JEST_WORKER_ID,UNDICI_NO_WASM_SIMD",
      `--allow-read=${rest[1] ?? ""},${packageDir}`,
      `--allow-write=${rest[1] ?? ""}`,
      script,
      ...rest,
    ],
  },
];

let receiver: Receiver;
let dir: string;
beforeEach(async () => {
  receiver = await startReceiver();
  dir = mkdtempSync(join(tmpdir(), "runtime-spool-"));
});
afterEach(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the child under the runtime; resolves each line it prints as it comes, and its exit. */
function run(binary: string, args: string[]) {
  const child = spawn(binary, args, { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (line: string) => void }[] = [];
  let rest = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    rest += chunk;
    const parts = rest.split("\n");
    rest = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.filter((candidate) => line.startsWith(candidate.prefix))) waiter.resolve(line);
    }
  });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const line = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((candidate) => candidate.startsWith(prefix));
      if (seen !== undefined) {
        resolve(seen);
        return;
      }
      waiters.push({ prefix, resolve });
      void exited.then(([code]) => {
        reject(new Error(`ended (${String(code)}) before "${prefix}": ${lines.join("\n")}`));
      });
    });
  const stats = (text: string) => JSON.parse(text.slice(text.indexOf("{"))) as Record<string, number>;
  return { child, exited, line, stats, errors: () => stderr };
}

for (const runtime of runtimes) {
  describe.skipIf(runtimeMissingOutsideCi(runtime.name))(`the exporter on real ${runtime.name}`, () => {
    it(
      "spools what a 503 refused, closes on SIGTERM, and the next start delivers it under the same webhook-id",
      { timeout: 60_000 },
      async () => {
        receiver.respond((_request, _index, res) => {
          res.statusCode = 503;
          res.end();
        });
        const first = run(runtimeBinary(runtime.name), runtime.args([receiver.url, dir, "add"]));
        expect(first.stats(await first.line("flushed"))).toMatchObject({ added: 3, sent: 0, pending: 3 });
        first.child.kill("SIGTERM");
        const [code, signal] = await first.exited;
        // handleSignals closes, then lets the signal end the process as it would have.
        expect({ code, signal }).toEqual({ code: null, signal: "SIGTERM" });
        const refusedId = receiver.requests[0]?.headers["webhook-id"];
        expect(refusedId).toEqual(expect.any(String));

        receiver.respond((_request, _index, res) => {
          res.statusCode = 204;
          res.end();
        });
        const second = run(runtimeBinary(runtime.name), runtime.args([receiver.url, dir, "resume"]));
        expect(second.stats(await second.line("closed"))).toMatchObject({
          added: 3,
          sent: 3,
          pending: 0,
          dropped: 0,
        });
        expect((await second.exited)[0]).toBe(0);
        const delivered = receiver.requests.filter((request) => request.headers["webhook-id"] === refusedId);
        expect(delivered.length).toBeGreaterThan(1);
        const last = delivered.at(-1);
        if (last === undefined) throw new Error("no request under the refused id");
        const { payload } = await verifyWebhook({ secret: "runtime-child", body: last.body, headers: last.headers });
        expect(payload.events.map((event) => event.userKey)).toEqual(["u1", "u2", "u3"]);
      },
    );
  });
}

describe.skipIf(runtimeMissingOutsideCi("deno"))("the exporter on real deno without --allow-env", () => {
  it(
    "refuses to start, naming the variables undici reads, instead of failing every send as network",
    { timeout: 30_000 },
    async () => {
      const child = run(runtimeBinary("deno"), [
        "run",
        "--allow-net=127.0.0.1",
        "--allow-sys=hostname",
        `--allow-read=${dir},${packageDir}`,
        `--allow-write=${dir}`,
        script,
        receiver.url,
        dir,
        "add",
      ]);
      const [code] = await child.exited;
      expect(code).not.toBe(0);
      expect(child.errors()).toMatch(/ERR_WEBHOOK_CONFIG|--allow-env=JEST_WORKER_ID,UNDICI_NO_WASM_SIMD/);
      expect(child.errors()).toContain("--allow-env=JEST_WORKER_ID,UNDICI_NO_WASM_SIMD");
      expect(receiver.requests).toHaveLength(0);
    },
  );
});
