import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "exporter",
    include: ["test/**/*.test.ts"],
    typecheck: { enabled: true, tsconfig: "test/tsconfig.json" },
  },
});
