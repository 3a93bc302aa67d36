import { defineConfig } from "vitest/config";
import path from "node:path";

/**
 * On Windows, the suites that need Linux (/proc, /bin/sh, POSIX signals, Debian's Chromium,
 * PostgreSQL run as `nobody`) are left out, each said once; the Windows and registry
 * suites run.
 */
const WINDOWS_SUITES = ["test/windows-native.test.ts", "test/windows-registry.test.ts", "test/hash.test.ts"];
if (process.platform === "win32") {
  console.log(
    `On Windows: running ${WINDOWS_SUITES.join(", ")}; the other suites need Linux (real /proc, /bin/sh, POSIX signals) and are skipped.`,
  );
}

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // `server-only` throws outside React's server build; tests import server modules directly.
      "server-only": path.resolve(import.meta.dirname, "test/support/empty-module.ts"),
    },
  },
  test: {
    include: process.platform === "win32" ? WINDOWS_SUITES : ["test/**/*.test.ts"],
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
