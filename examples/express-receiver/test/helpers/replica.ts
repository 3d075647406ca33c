import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";

const main = new URL("../../dist/main.js", import.meta.url).pathname;

/** One receiver process (`node dist/main.js`, as a user runs it) on a fixed port, which a test can kill and start again. */
export interface Replica {
  port: number;
  start(): Promise<void>;
  /** SIGKILL: no cleanup, no goodbye; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

export function replica(port: number, env: Record<string, string>): Replica {
  let child: ChildProcess | undefined;
  const end = async (signal: NodeJS.Signals) => {
    const running = child;
    if (running?.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, "exit");
    running.kill(signal);
    await exited;
  };
  return {
    port,
    async start() {
      const started = spawn(process.execPath, [main], {
        env: { ...process.env, ...env, HOST: "127.0.0.1", PORT: String(port) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = started;
      let output = "";
      started.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        started.stdout.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("listening on")) resolve();
        });
        started.once("exit", (code) => {
          reject(new Error(`the receiver exited (${String(code)}) before listening:\n${output}`));
        });
      });
    },
    kill: () => end("SIGKILL"),
    stop: () => end("SIGTERM"),
  };
}
