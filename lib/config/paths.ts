import fs from "node:fs";
import path from "node:path";
import envPaths from "env-paths";

/** Environment variable naming the registry file (SPEC: "Interfaces that scripts rely on"). */
export const DB_ENV = "PROCESS_MONITOR_DB";

type Env = Record<string, string | undefined>;

/**
 * Our own data folder (default registry, access token): ~/.local/share/process-monitor on
 * Linux, %LOCALAPPDATA%\process-monitor on Windows (beside AYON's own folder there).
 */
export function dataDir(platform: NodeJS.Platform = process.platform, env: Env = process.env): string {
  if (platform === "win32") return path.win32.join(windowsLocalAppData(env), "process-monitor");
  return envPaths("process-monitor", { suffix: "" }).data;
}

function windowsLocalAppData(env: Env): string {
  return env.LOCALAPPDATA || path.win32.join(env.USERPROFILE || "C:\\Users\\Default", "AppData", "Local");
}

/**
 * Where the AYON launcher keeps its registry (SPEC "Where the file lives"):
 * `$AYON_LAUNCHER_LOCAL_DIR`, else its per-user folder: %LOCALAPPDATA%\Ynput\AYON on Windows,
 * ~/.local/share/AYON on Linux, ~/Library/Application Support/AYON on macOS.
 */
export function ayonRegistryPath(platform: NodeJS.Platform = process.platform, env: Env = process.env): string {
  const join = platform === "win32" ? path.win32.join : path.posix.join;
  const home = env.HOME || env.USERPROFILE || "";
  const dir =
    env.AYON_LAUNCHER_LOCAL_DIR ||
    (platform === "win32"
      ? path.win32.join(windowsLocalAppData(env), "Ynput", "AYON")
      : platform === "darwin"
        ? path.posix.join(home, "Library", "Application Support", "AYON")
        : path.posix.join(env.XDG_DATA_HOME || path.posix.join(home, ".local", "share"), "AYON"));
  return join(dir, "process_handlers.db");
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
