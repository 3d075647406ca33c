import { defineConfig } from "vitest/config";

// Runs every package's unit tests in one process tree (used for the Node 22 / 24 runs in CI).
export default defineConfig({
  test: {
    projects: ["packages/*"],
  },
});
