// The fetch handler on the runtimes the README names, for real: Bun's and Deno's own servers (from
// their npm packages), requests from Node. Outside CI, a runtime not installed is skipped with a notice.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { runtimeBinary, runtimeMissingOutsideCi, type RuntimeName } from "@org/test-fixtures/runtimes";
import { afterEach, describe, expect, it } from "vitest";
import { signTestWebhook } from "../src/testing.js";

const script = fileURLToPath(new URL("./fixtures/fetch-server.mjs", import.meta.url));
const runtimes: { name: RuntimeName; args: (file: string) => string[] }[] = [
  { name: "bun", args: (file: string) => [file] },
  // The permissions the README lists for the verifier: the network, to listen.
  { name: "deno", args: (file: string) => ["run", "--allow-net=127.0.0.1", file] },
];

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

/** Starts the fetch handler under `binary`; resolves its URL once it listens. */
async function serve(binary: string, args: string[]): Promise<string> {
  const started = spawn(binary, args, {
    stdio: ["ignore", "pipe", "inherit"],
    cwd: fileURLToPath(new URL("..", import.meta.url)),
  });
  child = started;
  let output = "";
  started.stdout.setEncoding("utf8");
  for await (const chunk of started.stdout) {
    output += String(chunk);
    const port = /^(\d+)\s*$/m.exec(output)?.[1];
    if (port !== undefined) return `http://127.0.0.1:${port}/webhook`;
  }
  const [code] = (await once(started, "exit")) as [number | null];
  throw new Error(`${binary} ended (${String(code)}) before listening: ${output}`);
}

for (const runtime of runtimes) {
  describe.skipIf(runtimeMissingOutsideCi(runtime.name))(`the fetch handler on real ${runtime.name}`, () => {
    it(
      "answers a signed batch 200 and refuses a forged one 401, a replay 200 duplicate",
      { timeout: 30_000 },
      async () => {
        const url = await serve(runtimeBinary(runtime.name), runtime.args(script));
        const payload = { meta: { hostname: "test" }, events: [] };
        const { body, headers } = await signTestWebhook({
          secret: "runtime-secret",
          body: payload,
          id: "msg_runtime1",
        });
        const accepted = await fetch(url, { method: "POST", headers, body });
        expect(accepted.status).toBe(200);
        expect(await accepted.json()).toEqual({ received: 0, runtime: runtime.name });
        const replayed = await fetch(url, { method: "POST", headers, body });
        expect([replayed.status, await replayed.json()]).toEqual([200, { duplicate: true }]);
        const forged = await signTestWebhook({ secret: "not-the-secret", body: payload });
        const refused = await fetch(url, { method: "POST", headers: forged.headers, body: forged.body });
        expect(refused.status).toBe(401);
        expect(refused.headers.get("content-type")).toMatch(/problem\+json/);
      },
    );
  });
}

describe("the README's Workers snippet on real workerd (miniflare), bundled as wrangler would", () => {
  for (const compatibilityFlags of [[], ["nodejs_compat"]]) {
    it(
      `answers a signed batch 200, a replay 200 duplicate (options resolved once per env) and a forged one 401${compatibilityFlags.length > 0 ? ", with nodejs_compat" : ""}`,
      { timeout: 60_000 },
      async () => {
        const { build } = await import("rolldown");
        const { Miniflare } = await import("miniflare");
        const bundle = await build({
          input: fileURLToPath(new URL("./fixtures/worker.mjs", import.meta.url)),
          platform: "browser",
          output: { format: "esm" },
          write: false,
          logLevel: "silent",
        });
        const worker = new Miniflare({
          modules: true,
          script: bundle.output[0].code,
          bindings: { WEBHOOK_SECRET: "worker-secret" },
          compatibilityDate: "2026-07-30",
          compatibilityFlags,
        });
        try {
          const payload = { meta: { hostname: "test" }, events: [] };
          const { body, headers } = await signTestWebhook({ secret: "worker-secret", body: payload });
          const post = async (signed: { body: string; headers: Record<string, string> }) => {
            const response = await worker.dispatchFetch("http://localhost/webhook", { method: "POST", ...signed });
            return [response.status, await response.json()];
          };
          expect(await post({ body, headers })).toEqual([200, { received: 0 }]);
          expect(await post({ body, headers })).toEqual([200, { duplicate: true }]);
          const forged = await signTestWebhook({ secret: "not-the-secret", body: payload });
          expect((await post(forged))[0]).toBe(401);
        } finally {
          await worker.dispose();
        }
      },
    );
  }
});
