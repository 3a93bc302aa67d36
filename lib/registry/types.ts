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
  /** The operating-system user who launched it through us; null for other launchers' records (AYON's). */
  launchedBy: string | null;
  /** Problems found decoding this row (bad JSON, wrong types); empty for a clean row. */
  warnings: string[];
}

/** A record with its status from the check that produced it. */
export interface ListedProcess extends ProcessRecord {
  /** What our own tables keep of it (peaks, CPU time, why it ended); absent when they have nothing. */
  end?: EndSummary;
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
  launchedBy?: string | null;
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

/** Why a record ended, as stored (lib/processes/end-reason.ts decides it and owns its kinds). */
export interface StoredEndReason {
  kind: string;
  text: string;
  pattern?: string;
  line?: string;
}

/** The machine when a record ended: free memory, load, the biggest processes by memory. */
export interface HostAtEnd {
  /** Seconds since the epoch. */
  at: number;
  memTotalBytes: number;
  memFreeBytes: number;
  load: number[];
  top: Array<{ pid: number; name: string; rssBytes: number }>;
}

/** What a record keeps once its process is gone (and, while it runs, so far). */
export interface EndSummary {
  /** The highest sampled total of its process tree, or the kernel's high-water mark of its main process if higher. */
  peakMemoryBytes: number | null;
  /** The tree's highest sampled total. */
  peakTreeBytes: number | null;
  /** The kernel's high-water mark of the main process (VmHWM). */
  peakProcessBytes: number | null;
  peakGpuBytes: number | null;
  /** User + system CPU seconds: from the keeper at its end, else the last sample's tree. */
  cpuSeconds: number | null;
  endReason: StoredEndReason | null;
  host: HostAtEnd | null;
  /** Whether its end was looked at (reason decided); false while it runs. */
  settled: boolean;
}
