import { secondsToIso } from "../time";
import { processOwner } from "../system/owner";
import type { ListedProcess, ProcessRecord } from "./types";
import { endReasonOf, type EndReason } from "./end-reason";

/** The record's fields a JSON record carries as they are (ProcessRecord's types and comments). */
type Copied = Pick<
  ProcessRecord,
  | "hash"
  | "name"
  | "executable"
  | "args"
  | "env"
  | "cwd"
  | "pid"
  | "outputFile"
  | "startTime"
  | "createdAt"
  | "exitCode"
  | "exitSignal"
  | "stopSignal"
  | "warnings"
>;

/** A record as scripts see it (CLI `--json`, HTTP API). Fields may be added, never removed. */
export interface ProcessJson extends Copied {
  running: boolean;
  status: ListedProcess["status"];
  /** What the process runs now, when it exec'd another program than `executable`; else absent. */
  currentExecutable?: string;
  endedAt: string | null;
  /** "user" when a stop of ours ended it (`stopSignal` says with what), else null. */
  stoppedBy: "user" | null;
  /** Whether a keeper of ours waited for it, so its exit is observed rather than unknown. */
  exitObserved: boolean;
  /** The highest memory of its process tree (or its own high-water mark), sampled while it ran; null if never sampled. */
  peakMemoryBytes: number | null;
  /** User + system CPU seconds of the program and its children, so far or at its end. */
  cpuSeconds: number | null;
  /** Why it ended (SPEC "The end record"); null while it runs or when nothing is known. */
  endReason: EndReason | null;
  /**
   * The operating-system user who launched it (recorded at launch); for another launcher's
   * record, the owner of its process while it runs; null when not known.
   */
  user: string | null;
}

/** What outlives a record's process, as its JSON carries it. */
export type EndFields = Pick<ProcessJson, "peakMemoryBytes" | "cpuSeconds" | "endReason">;

/** Who launched a record: as recorded, else (another launcher's record) the owner of its process while it runs. */
export function userOf(record: Pick<ListedProcess, "launchedBy" | "pid" | "status">): string | null {
  if (record.launchedBy) return record.launchedBy;
  return record.status !== "stopped" && record.pid !== null ? processOwner(record.pid) : null;
}

export { secondsToIso };

/** What a JSON record is made of, wherever the record was read (this registry, a host's report). */
export type JsonSource = Pick<ListedProcess, keyof Copied | "status" | "currentExecutable" | "endedAt">;

/** The JSON record (SPEC), once for the workstation's API and the hub's. */
export function jsonOf(p: JsonSource, exitObserved: boolean, facts: EndFields & Pick<ProcessJson, "user">): ProcessJson {
  return {
    hash: p.hash,
    name: p.name,
    executable: p.executable,
    args: p.args,
    env: p.env,
    cwd: p.cwd,
    pid: p.pid,
    outputFile: p.outputFile,
    startTime: p.startTime,
    createdAt: p.createdAt,
    running: p.status !== "stopped",
    status: p.status,
    ...(p.currentExecutable ? { currentExecutable: p.currentExecutable } : {}),
    exitCode: p.exitCode,
    exitSignal: p.exitSignal,
    endedAt: secondsToIso(p.endedAt),
    stoppedBy: p.stopSignal ? "user" : null,
    stopSignal: p.stopSignal,
    exitObserved,
    warnings: p.warnings,
    ...facts,
  };
}

export function toProcessJson(record: ListedProcess): ProcessJson {
  return jsonOf(record, record.keeperPid !== null, {
    peakMemoryBytes: record.end?.peakMemoryBytes ?? null,
    cpuSeconds: record.end?.cpuSeconds ?? null,
    endReason: endReasonOf(record),
    user: userOf(record),
  });
}
