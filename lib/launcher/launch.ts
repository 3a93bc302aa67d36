import { oomKills } from "../system/oom";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import type { Readable, Writable } from "node:stream";
import { Registry, type ProcessRow } from "../registry";
import { startTimeOfPid } from "../system/probe";
import { currentUser } from "../system/owner";
import { fieldErrors, launchRequestSchema, type LaunchRequest } from "../validation/launch";
import { decodeShellStatus, exitsDirFor, sidecarFor } from "../registry/exits";
import { LaunchError, noRecord } from "./errors";
import { inheritedEnv, withoutOwnVariables } from "./inherited-env";
import { KEEPER_SCRIPT, canUseKeeper, cliEntry } from "./keeper";
import { endPatternsSetting } from "../processes/end-patterns";
import { resolveCwd, resolveExecutable } from "./resolve";
import { isWindows } from "../system/native";
import { launchId, launchOnWindows } from "./win32/start";
import { windowsVariable } from "./win32/command-line";

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

/** What holds the launch in this process: the keeper or the program (Linux), our handle on it (Windows). */
export interface LaunchHandle {
  pid?: number;
  /** Lets this process leave without waiting for the end (the keeper or supervisor records it). */
  unref(): void;
}

export interface Launched {
  record: ProcessRow;
  child: LaunchHandle;
  /** On Windows, why no supervisor records the end (it is then recorded only while we run). */
  warning?: string;
  /**
   * Resolves once the program's end is recorded in the registry. The child handle (the
   * keeper, or the program where no keeper can run) keeps this process alive until then;
   * call `child.unref()` to leave without waiting: the keeper records the end anyway.
   */
  exited: Promise<ExitInfo>;
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
  const executable = isWindows
    ? resolveExecutable(req.executable, cwd, windowsVariable(env, "PATH"), windowsVariable(env, "PATHEXT"))
    : resolveExecutable(req.executable, cwd, env.PATH);

  const outputFile = registry.newOutputPath(req.name);
  const fd = fs.openSync(outputFile, "wx", 0o600);
  // A launch that does not go through leaves neither its output file nor its keeper's sidecar.
  const leaveNothing = () => {
    fs.rmSync(outputFile, { force: true });
    fs.rmSync(`${sidecarFor(registry.outputDir, outputFile)}.tmp`, { force: true });
  };
  let started: Started;
  try {
    started = isWindows
      ? await startOnWindows(registry, outputFile, executable, req.args, cwd, env)
      : canUseKeeper()
        ? await startWithKeeper(registry, outputFile, fd, executable, req.args, cwd, env)
        : await startDirectly(fd, executable, req.args, cwd, env);
  } catch (error) {
    leaveNothing();
    throw error instanceof LaunchError
      ? error
      : new LaunchError("SPAWN_FAILED", `Could not start ${executable}: ${(error as Error).message}`, "executable");
  } finally {
    // The child has its own copy; ours would only keep the file open.
    fs.closeSync(fd);
  }
  const { child, pid, keeperPid } = started;

  let record: ProcessRow;
  try {
    record = await registry.store({
      name: req.name,
      executable,
      args: req.args,
      env,
      cwd,
      pid,
      // Read from /proc, as psutil (and so AYON) would; fork time, unchanged by exec. On
      // Windows, GetProcessTimes' creation time, read while it was suspended.
      startTime: started.startTime ?? startTimeOfPid(pid) ?? Date.now() / 1000,
      outputFile,
      keeperPid,
      launchedBy: currentUser(),
    });
  } catch (error) {
    // Not recorded: the program never runs (the keeper's child is still waiting for its go).
    started.cancel();
    leaveNothing();
    throw error;
  }
  started.go();
  // Its end record starts with the machine's OOM counter: a kill before the first sample is seen.
  await registry.beginEnd(record.hash, oomKills()).catch(() => undefined);

  const exited = started.ended.then(async (exit): Promise<ExitInfo> => {
    if (keeperPid === null || started.warning) {
      await registry.markExited(record.hash, exit).catch(() => undefined);
      return exit;
    }
    // The keeper recorded it (or left a sidecar, folded now): read what the registry says.
    await registry.foldExits().catch(() => undefined);
    const ended = await registry.get(record.hash).catch(() => null);
    return {
      exitCode: ended?.exitCode ?? exit.exitCode,
      exitSignal: ended?.exitSignal ?? exit.exitSignal,
      endedAt: ended?.endedAt ?? exit.endedAt,
    };
  });
  exited.catch(() => undefined);
  return { record, child, exited, ...(started.warning ? { warning: started.warning } : {}) };
}

interface Started {
  /** The keeper, or the program itself where no keeper can run. */
  child: LaunchHandle;
  /** The program's pid. */
  pid: number;
  /** Its creation time, where the start knows it exactly (Windows). */
  startTime?: number;
  warning?: string;
  keeperPid: number | null;
  /** The program's end as its parent saw it. */
  ended: Promise<ExitInfo>;
  /** Lets the program run: called once its record is stored. */
  go: () => void;
  /** It will not be recorded: nothing runs and nothing is left (where it already runs: killed). */
  cancel: () => void;
}

/** The program as the keeper's child (see keeper.ts): its end is recorded whoever outlives whom. */
async function startWithKeeper(
  registry: Registry,
  outputFile: string,
  fd: number,
  executable: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<Started> {
  fs.mkdirSync(exitsDirFor(registry.outputDir), { recursive: true, mode: 0o700 });
  const cli = cliEntry();
  const child = spawn(
    "/bin/sh",
    [
      "-c",
      KEEPER_SCRIPT,
      "process-monitor-keeper",
      sidecarFor(registry.outputDir, outputFile),
      process.execPath,
      cli ?? "",
      registry.dbPath,
      "PWD" in env ? "1" : "0",
      endPatternsSetting(),
      executable,
      ...args,
    ],
    // Its own session, so the keeper outlives the launcher's terminal and process group.
    { cwd, env: env as NodeJS.ProcessEnv, detached: true, stdio: ["ignore", fd, fd, "pipe"] },
  );
  child.on("error", () => undefined);
  const ended = new Promise<ExitInfo>((resolve) => {
    child.once("exit", (code, signal) =>
      resolve({ ...decodeShellStatus(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)), endedAt: Date.now() / 1000 }),
    );
  });
  const channel = child.stdio[3] as Readable;
  let said = "";
  const pid = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("its keeper did not report a pid within 10 s")), 10_000);
    channel.on("data", (chunk) => {
      said += String(chunk);
      const line = said.split("\n")[0];
      if (said.includes("\n") && /^\d+$/.test(line ?? "")) {
        clearTimeout(timer);
        resolve(Number(line));
      }
    });
    channel.once("end", () => {
      clearTimeout(timer);
      reject(new Error("its keeper ended before starting it"));
    });
  })
    .catch((error: Error) => {
      channel.destroy();
      child.kill("SIGKILL");
      throw error;
    })
    .finally(() => {
      channel.removeAllListeners("data");
      channel.removeAllListeners("end");
    });
  channel.on("error", () => undefined);
  const kill = (target: number | undefined) => {
    try {
      if (target !== undefined) process.kill(target, "SIGKILL");
    } catch {
      /* already gone */
    }
  };
  return {
    child,
    pid,
    keeperPid: child.pid ?? null,
    ended,
    go: () => (channel as unknown as Writable).end("go\n"),
    cancel: () => {
      // The keeper first, so that it writes no sidecar for a program that never ran.
      kill(child.pid);
      kill(pid);
      channel.destroy();
    },
  };
}

/** Where no keeper can run: the program as our own child, its end seen while we live. */
async function startDirectly(fd: number, executable: string, args: string[], cwd: string, env: Record<string, string>): Promise<Started> {
  const child = spawn(executable, args, {
    cwd,
    env: env as NodeJS.ProcessEnv,
    detached: true,
    // Both streams share one descriptor, so the file keeps the order they were written in.
    stdio: ["ignore", fd, fd],
    // argv[0] is the absolute path we record: AYON's check compares it.
    argv0: executable,
  });
  const pid = child.pid;
  if (pid === undefined) throw await new Promise<Error>((resolve) => child.once("error", resolve));
  child.on("error", () => undefined);
  // Listen before anything is awaited, so a child that ends at once is still seen.
  const ended = new Promise<ExitInfo>((resolve) => {
    child.once("exit", (code, signal) => resolve({ exitCode: code, exitSignal: signal, endedAt: Date.now() / 1000 }));
  });
  // Without a keeper there is nothing to hold the program back: a failed record kills it.
  const cancel = () => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  };
  return { child, pid, keeperPid: null, ended, go: () => undefined, cancel };
}

/**
 * Windows: created suspended in its own group and Job object, adopted by this user's
 * supervisor (which records its end), let run on `go`. The supervisor's pid stands where
 * the Linux keeper's does.
 */
async function startOnWindows(
  registry: Registry,
  outputFile: string,
  executable: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<Started> {
  fs.mkdirSync(exitsDirFor(registry.outputDir), { recursive: true, mode: 0o700 });
  const started = await launchOnWindows({
    executable,
    args,
    cwd,
    env,
    outputFile,
    id: launchId(outputFile),
    sidecar: sidecarFor(registry.outputDir, outputFile),
    dbPath: registry.dbPath,
    cli: cliEntry(),
  });
  return {
    child: { pid: started.pid, unref: started.unref },
    pid: started.pid,
    startTime: started.startTime,
    keeperPid: started.supervisorPid,
    ended: started.ended,
    go: started.go,
    cancel: started.cancel,
    ...(started.supervisorError
      ? { warning: `No supervisor records its end (${started.supervisorError}): it is recorded only while this process runs.` }
      : {}),
  };
}

/** Starts a new record with the same name, executable, arguments, environment and cwd. */
export async function relaunch(registry: Registry, hash: string, options: LaunchOptions = {}): Promise<Launched> {
  const previous = await registry.get(hash);
  if (!previous) throw noRecord();
  const launched = await launch(
    registry,
    {
      name: previous.name,
      executable: previous.executable,
      args: previous.args,
      // The recorded environment is the complete one the process got (less any of ours that
      // a record made by an older version kept).
      env: withoutOwnVariables(previous.env),
      envMode: Object.keys(previous.env).length > 0 ? "replace" : "merge",
      cwd: previous.cwd ?? undefined,
    },
    options,
  );
  // The new record links to the one it repeats (our own table; a failure to note it loses only the link).
  await registry.noteRelaunch(launched.record.hash, hash).catch(() => undefined);
  return launched;
}
