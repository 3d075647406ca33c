// @platformatic/kafka 1.35 looks a group's coordinator (and a partition's leader) up in its cached
// metadata and connects to what it finds. When that broker is missing from the cache (it had just
// come back after a SIGKILL), the lookup gave undefined and the pool threw a TypeError from inside a
// socket's callback: an uncaught exception that ended a sink while it was leaving its group (exit 1).
// The repository patches the client (patches/@platformatic__kafka@1.35.0.patch): such a lookup is an
// error for the operation, which fails and is tried again with fresh metadata.
import { ConnectionPool, NetworkError } from "@platformatic/kafka";
import { describe, expect, it } from "vitest";

describe("the patched Kafka client's connection pool", () => {
  it("answers a broker missing from the metadata with an error that is not retried, never a throw", async () => {
    const pool = new ConnectionPool("patch-test");
    try {
      // A throw here (the unpatched client's TypeError) rejects the promise and fails the test.
      const outcome = await new Promise<unknown>((resolve) => {
        // The client passes `metadata.brokers.get(id)` straight in: undefined when the id is unknown.
        pool.get(undefined as never, (error) => {
          resolve(error);
        });
      });
      expect(outcome).toBeInstanceOf(NetworkError);
      expect((outcome as NetworkError).canRetry).toBe(false);
      expect((outcome as Error).message).toMatch(/not found in the cluster metadata/);
    } finally {
      await pool.close();
    }
  });
});
