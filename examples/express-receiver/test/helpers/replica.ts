import { nodeService, type NodeService } from "@org/test-fixtures/node-service";

const main = new URL("../../dist/main.js", import.meta.url).pathname;

/** One receiver process (`node dist/main.js`, as a user runs it) on a fixed port, which a test can kill and start again. */
export interface Replica extends Pick<NodeService, "start" | "kill"> {
  port: number;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

export function replica(port: number, env: Record<string, string>): Replica {
  const service = nodeService(main, { ...env, HOST: "127.0.0.1", PORT: String(port) }, "listening on");
  return {
    port,
    start: () => service.start(),
    kill: () => service.kill(),
    stop: async () => {
      await service.stop();
    },
  };
}
