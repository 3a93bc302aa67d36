import { secondsToIso } from "../time";
import type { ListedProcess } from "./types";

/** A record as scripts see it (CLI `--json`, HTTP API). Fields may be added, never removed. */
export interface ProcessJson {
  hash: string;
  name: string;
  executable: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | null;
  pid: number | null;
  outputFile: string | null;
  startTime: number | null;
  createdAt: string | null;
  running: boolean;
  status: ListedProcess["status"];
  /** What the process runs now, when it exec'd another program than `executable`; else absent. */
  currentExecutable?: string;
  exitCode: number | null;
  exitSignal: string | null;
  endedAt: string | null;
  /** "user" when a stop of ours ended it (`stopSignal` says with what), else null. */
  stoppedBy: "user" | null;
  stopSignal: string | null;
  /** Whether a keeper of ours waited for it, so its exit is observed rather than unknown. */
  exitObserved: boolean;
  warnings: string[];
}

export { secondsToIso };

export function toProcessJson(record: ListedProcess): ProcessJson {
  return {
    hash: record.hash,
    name: record.name,
    executable: record.executable,
    args: record.args,
    env: record.env,
    cwd: record.cwd,
    pid: record.pid,
    outputFile: record.outputFile,
    startTime: record.startTime,
    createdAt: record.createdAt,
    running: record.status !== "stopped",
    status: record.status,
    ...(record.currentExecutable ? { currentExecutable: record.currentExecutable } : {}),
    exitCode: record.exitCode,
    exitSignal: record.exitSignal,
    endedAt: secondsToIso(record.endedAt),
    stoppedBy: record.stopSignal ? "user" : null,
    stopSignal: record.stopSignal,
    exitObserved: record.keeperPid !== null,
    warnings: record.warnings,
  };
}
