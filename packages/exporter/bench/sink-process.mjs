// Starts sink.mjs in a child process: its URL, how many events it has parsed, and close.
import { fork } from "node:child_process";
import { once } from "node:events";

export async function startSink(secret) {
  const child = fork(new URL("./sink.mjs", import.meta.url), secret === undefined ? [] : [secret], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const [{ port }] = await once(child, "message");
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received: async () => {
      child.send("count");
      const [{ received }] = await once(child, "message");
      return received;
    },
    close: () => child.kill(),
  };
}
