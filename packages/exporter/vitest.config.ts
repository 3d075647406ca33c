import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "exporter",
    include: ["test/**/*.test.ts"],
    // Tests here serve on 127.0.0.1 and spawn processes: the slowest took 2.1 s with both cores busy
    // (ten runs under load). A tenfold margin, so that a busy machine never turns into a failure.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    typecheck: { enabled: true, tsconfig: "test/tsconfig.json" },
  },
});
