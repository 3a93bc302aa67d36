import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // `server-only` throws outside React's server build; tests import server modules directly.
      "server-only": path.resolve(import.meta.dirname, "test/support/empty-module.ts"),
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    globalSetup: ["./test/support/global-setup.ts"],
    testTimeout: 60_000,
    // Real launches on a loaded 2-core CI machine: a program's first output can take seconds.
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: true,
    maxWorkers: 2,
  },
});
