/** Live state of a record as of the moment it was checked. */
export type ProcessStatus = "running" | "unverified" | "stopped";

/** A registry row, decoded. Malformed values are replaced by safe defaults and explained in `warnings`. */
export interface ProcessRecord {
  hash: string;
  name: string;
  executable: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | null;
  pid: number | null;
  outputFile: string | null;
  /** Seconds since the epoch. */
  startTime: number | null;
  /** ISO 8601 UTC, from SQLite's `YYYY-MM-DD HH:MM:SS` text. */
  createdAt: string | null;
  stopped: boolean;
  exitCode: number | null;
  /** Signal name when the process was killed by one (SIGTERM, SIGKILL, ...). */
  exitSignal: string | null;
  /** Seconds since the epoch. */
  endedAt: number | null;
  /**
   * The keeper that waited for this launch (ours); null for records of other launchers,
   * whose exit nobody observes.
   */
  keeperPid: number | null;
  /** The strongest signal a stop of ours sent: the end was ours ("stopped by user"). */
  stopSignal: string | null;
  /** Problems found decoding this row (bad JSON, wrong types); empty for a clean row. */
  warnings: string[];
}

/** A record with its status from the check that produced it. */
export interface ListedProcess extends ProcessRecord {
  status: ProcessStatus;
  /**
   * The program the process runs now, set only while it runs and differs from
   * `executable` (it exec'd: a wrapper script, a shim, `bash -c`).
   */
  currentExecutable: string | null;
}

/** What `store` takes; the hash is always recomputed from these values. */
export interface StoreInput {
  name: string;
  executable: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string | null;
  pid: number | null;
  outputFile?: string | null;
  startTime?: number | null;
  stopped?: boolean;
  exitCode?: number | null;
  exitSignal?: string | null;
  endedAt?: number | null;
  keeperPid?: number | null;
}

/** An output file that a delete did not remove, and why (SPEC: only inside `process_output/`). */
export interface LeftAlone {
  file: string;
  reason: string;
}

export interface DeleteResult {
  deleted: number;
  filesLeftAlone: LeftAlone[];
}
