import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { freePort } from "@org/test-fixtures/free-port";

/** A real redis-server on 127.0.0.1, on a free port, without persistence; stop() ends it. */
export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  async function start(): Promise<void> {
    const started = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = started;
    const failed = once(started, "error").then(([error]) => {
      throw new Error(`redis-server could not start (install Debian's redis-server; .ci/run does): ${String(error)}`);
    });
    const ready = new Promise<void>((resolve) => {
      started.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("Ready to accept connections")) resolve();
      });
    });
    await Promise.race([ready, failed]);
  }
  await start();
  return {
    url: `redis://127.0.0.1:${String(port)}`,
    port,
    start,
    async stop() {
      if (child?.exitCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}
