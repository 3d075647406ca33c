import { defineProject } from "vitest/config";

// A three-node Kafka cluster takes 30 to 75 s to start on a busy 2-core machine: one per file, in its hooks.
export default defineProject({
  test: {
    name: "kafka-pipeline",
    include: ["test/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
