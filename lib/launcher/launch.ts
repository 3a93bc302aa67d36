import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { Registry, type ProcessRow } from "../registry";
import { startTimeOfPid } from "../system/probe";
import { fieldErrors, launchRequestSchema, type LaunchRequest } from "../validation/launch";
import { LaunchError } from "./errors";
import { resolveCwd, resolveExecutable } from "./resolve";

export interface LaunchOptions {
  /** Base for a relative cwd and the default working directory (the launcher's own). */
  baseDir?: string;
  /** The environment merged under the request's (default: this process's). */
  baseEnv?: Record<string, string | undefined>;
}

export interface ExitInfo {
  exitCode: number | null;
  exitSignal: string | null;
  endedAt: number;
}

export interface Launched {
  record: ProcessRow;
  child: ChildProcess;
  /**
   * Resolves once the child's end is recorded in the registry. The child handle keeps
   * this process alive until then; call `child.unref()` to leave without waiting.
   */
  exited: Promise<ExitInfo>;
}

/** What a launched program must not inherit: our access token and the web server's internals. */
const PRIVATE_ENV = /^(PROCESS_MONITOR_TOKEN|__NEXT_.*|NEXT_PRIVATE_.*|NEXT_RUNTIME)$/;

function inheritedEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && !PRIVATE_ENV.test(key)) out[key] = value;
  return out;
}

/**
 * Starts a process with stdout and stderr written straight into its output file (the
 * child holds the file descriptor, so capture goes on if we die), detached in its own
 * process group, and records it as soon as it exists. Everything that can be checked
 * is checked before anything runs: a refused launch leaves no record and no file.
 */
export async function launch(registry: Registry, request: LaunchRequest, options: LaunchOptions = {}): Promise<Launched> {
  const parsed = launchRequestSchema.safeParse(request);
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error);
    const [field, messages] = Object.entries(errors)[0] ?? ["form", ["Invalid launch request."]];
    throw new LaunchError("INVALID", messages[0] ?? "Invalid launch request.", field as LaunchError["field"]);
  }
  const req = parsed.data;
  const baseDir = options.baseDir ?? process.cwd();
  const env = req.envMode === "replace" ? { ...req.env } : { ...inheritedEnv(options.baseEnv ?? process.env), ...req.env };
  const cwd = resolveCwd(req.cwd, baseDir);
  const executable = resolveExecutable(req.executable, cwd, env.PATH);

  const outputFile = registry.newOutputPath(req.name);
  const fd = fs.openSync(outputFile, "wx", 0o600);
  let child: ChildProcess;
  try {
    child = spawn(executable, req.args, {
      cwd,
      env: env as NodeJS.ProcessEnv,
      detached: true,
      // Both streams share one descriptor, so the file keeps the order they were written in.
      stdio: ["ignore", fd, fd],
      // argv[0] is the absolute path we record: AYON's check compares it.
      argv0: executable,
    });
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(outputFile, { force: true });
    throw new LaunchError("SPAWN_FAILED", `Could not start ${executable}: ${(error as Error).message}`, "executable");
  }
  // The child has its own copy; ours would only keep the file open.
  fs.closeSync(fd);

  const pid = child.pid;
  if (pid === undefined) {
    const error = await new Promise<Error>((resolve) => child.once("error", resolve));
    fs.rmSync(outputFile, { force: true });
    throw new LaunchError("SPAWN_FAILED", `Could not start ${executable}: ${error.message}`, "executable");
  }
  child.on("error", () => undefined);

  // Listen before anything is awaited, so a child that ends at once is still seen.
  const exitSeen = new Promise<ExitInfo>((resolve) => {
    child.once("exit", (code, signal) => resolve({ exitCode: code, exitSignal: signal, endedAt: Date.now() / 1000 }));
  });

  let record: ProcessRow;
  try {
    record = await registry.store({
      name: req.name,
      executable,
      args: req.args,
      env,
      cwd,
      pid,
      // Read from /proc, as psutil (and so AYON) would; fork time, unchanged by exec.
      startTime: startTimeOfPid(pid) ?? Date.now() / 1000,
      outputFile,
    });
  } catch (error) {
    // Never leave a process running that no record knows about.
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
    throw error;
  }

  const exited = exitSeen.then(async (exit) => {
    await registry.markExited(record.hash, exit).catch(() => undefined);
    return exit;
  });
  exited.catch(() => undefined);
  return { record, child, exited };
}

/** Starts a new record with the same name, executable, arguments, environment and cwd. */
export async function relaunch(registry: Registry, hash: string, options: LaunchOptions = {}): Promise<Launched> {
  const previous = await registry.get(hash);
  if (!previous) throw new LaunchError("NOT_FOUND", `No process record with hash ${hash}.`);
  return launch(
    registry,
    {
      name: previous.name,
      executable: previous.executable,
      args: previous.args,
      // The recorded environment is the complete one the process got.
      env: previous.env,
      envMode: Object.keys(previous.env).length > 0 ? "replace" : "merge",
      cwd: previous.cwd ?? undefined,
    },
    options,
  );
}
