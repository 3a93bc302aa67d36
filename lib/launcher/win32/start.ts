// A launch on Windows: created suspended (spawn.ts), handed to this user's supervisor, which
// will record its end, and let run once its record is stored.
import path from "node:path";
import { endOf } from "../../system/win32/processes";
import { askSupervisor, supervisorScript } from "./supervisor-client";
import { startSuspended, type WindowsStartRequest } from "./spawn";

export interface WindowsEnd {
  exitCode: number | null;
  exitSignal: null;
  endedAt: number;
}

export interface WindowsLaunch {
  pid: number;
  startTime: number;
  /** The supervisor's pid, or null when none could be reached (its end is then seen only by us). */
  supervisorPid: number | null;
  supervisorError: string | null;
  /** The program's end, as our own handle sees it. */
  ended: Promise<WindowsEnd>;
  /** Lets this process leave without waiting for the end (the supervisor records it). */
  unref(): void;
  go(): void;
  cancel(): void;
}

export interface WindowsLaunchOptions extends WindowsStartRequest {
  sidecar: string;
  dbPath: string | null;
  cli: string | null;
  /** The supervisor's script (default: beside the CLI's bundle). */
  supervisor?: string | null;
  pipe?: string;
}

export async function launchOnWindows(options: WindowsLaunchOptions): Promise<WindowsLaunch> {
  const started = startSuspended(options);
  let supervisorPid: number | null = null;
  let supervisorError: string | null = null;
  try {
    const answer = await askSupervisor(
      {
        op: "adopt",
        pid: started.pid,
        startTime: started.startTime,
        sidecar: options.sidecar,
        job: started.jobName,
        node: process.execPath,
        cli: options.cli,
        db: options.dbPath,
      },
      { pipe: options.pipe, script: options.supervisor === undefined ? supervisorScript(options.cli) : options.supervisor },
    );
    if (answer.ok) supervisorPid = answer.pid;
    else supervisorError = answer.error;
  } catch (error) {
    supervisorError = (error as Error).message;
  }

  let timer: NodeJS.Timeout | undefined;
  let unrefd = false;
  const ended = new Promise<WindowsEnd>((resolve) => {
    timer = setInterval(() => {
      const end = endOf(started.process);
      if (!end) return;
      clearInterval(timer);
      started.release();
      resolve({ ...end, exitSignal: null });
    }, 100);
    if (unrefd) timer.unref();
  });
  return {
    pid: started.pid,
    startTime: started.startTime,
    supervisorPid,
    supervisorError,
    ended,
    unref: () => {
      unrefd = true;
      timer?.unref();
    },
    go: () => started.resume(),
    cancel: () => {
      clearInterval(timer);
      started.cancel();
    },
  };
}

/** The Job object's name for a launch writing `outputFile` (unique per launch). */
export function launchId(outputFile: string): string {
  return path.basename(outputFile);
}
