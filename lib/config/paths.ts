import fs from "node:fs";
import path from "node:path";
import envPaths from "env-paths";

/** Environment variable naming the registry file (SPEC: "Interfaces that scripts rely on"). */
export const DB_ENV = "PROCESS_MONITOR_DB";

/** Our own data folder (default registry, access token), e.g. ~/.local/share/process-monitor. */
export function dataDir(): string {
  return envPaths("process-monitor", { suffix: "" }).data;
}

/** The registry file: an explicit path (CLI --db) wins over PROCESS_MONITOR_DB, then the default. */
export function resolveDbPath(explicit?: string | null): string {
  const chosen = explicit || process.env[DB_ENV] || path.join(dataDir(), "process_handlers.db");
  return path.resolve(/*turbopackIgnore: true*/ chosen);
}

/** Output files live in a folder beside the registry file. */
export function outputDirFor(dbPath: string): string {
  return path.join(path.dirname(dbPath), "process_output");
}

export function ensureDir(dir: string, mode = 0o700): void {
  fs.mkdirSync(dir, { recursive: true, mode });
}
