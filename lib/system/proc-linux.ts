// Readers for Linux's /proc, the exact source for start times, executables and working
// directories (ps rounds start times to the second; psutil, which AYON uses, reads /proc).
import { execFileSync } from "node:child_process";
import fs from "node:fs";

export const hasProcFs = process.platform === "linux" && fs.existsSync("/proc/self/stat");

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z (zombie), T, X (dead), ... */
  state: string;
  ppid: number;
  pgid: number;
  /** Seconds since the epoch, computed as psutil does. */
  startTime: number;
  /** User plus system CPU time, in seconds. */
  cpuSeconds: number;
  rssBytes: number;
  /** Windows: the executable, read through the same handle (Linux reads it apart, from /proc/<pid>/exe). */
  exe?: string | null;
}

let bootTimeCache: number | undefined;
let clockTicksCache: number | undefined;
let pageSizeCache: number | undefined;

/** `btime` of /proc/stat, the same integer psutil's boot_time() returns. */
export function bootTime(): number {
  if (bootTimeCache === undefined) {
    const match = /^btime\s+(\d+)/m.exec(fs.readFileSync("/proc/stat", "utf8"));
    if (!match?.[1]) throw new Error("cannot read the boot time from /proc/stat");
    bootTimeCache = Number(match[1]);
  }
  return bootTimeCache;
}

/**
 * A value of this process's ELF auxiliary vector (/proc/self/auxv): the kernel hands
 * every process its clock tick rate and page size there, which is where sysconf() reads
 * them. Reading it costs a file read instead of spawning `getconf`.
 */
function auxv(type: number): number | null {
  try {
    const data = fs.readFileSync("/proc/self/auxv");
    for (let at = 0; at + 16 <= data.length; at += 16) {
      const key = Number(data.readBigUInt64LE(at));
      if (key === 0) break;
      if (key === type) return Number(data.readBigUInt64LE(at + 8));
    }
  } catch {
    /* not Linux, or not readable: the caller's fallback */
  }
  return null;
}

function sysconf(auxvType: number, name: string, fallback: number): number {
  const fromAuxv = auxv(auxvType);
  if (fromAuxv && fromAuxv > 0) return fromAuxv;
  try {
    const value = Number(execFileSync("getconf", [name], { encoding: "utf8" }).trim());
    return Number.isFinite(value) && value > 0 ? value : fallback;
  } catch {
    return fallback;
  }
}

const AT_PAGESZ = 6;
const AT_CLKTCK = 17;

export function clockTicks(): number {
  return (clockTicksCache ??= sysconf(AT_CLKTCK, "CLK_TCK", 100));
}

function pageSize(): number {
  return (pageSizeCache ??= sysconf(AT_PAGESZ, "PAGESIZE", 4096));
}

/** Parses /proc/<pid>/stat; null when the process does not exist (or /proc is absent). */
export function readProcStat(pid: number): ProcStat | null {
  if (!hasProcFs || !Number.isSafeInteger(pid) || pid <= 0) return null;
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // comm is in parentheses and may itself contain spaces and parentheses.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const fields = text.slice(close + 2).split(" ");
  // fields[0] is field 3 (state) of proc(5).
  const field = (n: number) => Number(fields[n - 3]);
  const ticks = clockTicks();
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: fields[0] ?? "?",
    ppid: field(4),
    pgid: field(5),
    // psutil: (create_time_ticks / CLOCK_TICKS) + boot_time, in that order of operations.
    startTime: field(22) / ticks + bootTime(),
    cpuSeconds: (field(14) + field(15)) / ticks,
    rssBytes: field(24) * pageSize(),
  };
}

/** The pids that exist now: one listing of /proc. */
export function listProcPids(): number[] {
  if (!hasProcFs) return [];
  const pids: number[] = [];
  for (const name of fs.readdirSync("/proc")) {
    const code = name.charCodeAt(0);
    if (code >= 48 && code <= 57) pids.push(Number(name));
  }
  return pids;
}

/** Resolved /proc/<pid>/exe, or null when it cannot be read (gone, kernel thread, access denied). */
export function readProcExe(pid: number): { path: string | null; denied: boolean } {
  try {
    return { path: fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, ""), denied: false };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { path: null, denied: code === "EACCES" || code === "EPERM" };
  }
}

export function readProcCwd(pid: number): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/** The exact argv (ps joins it with spaces, losing word boundaries). */
export function readProcCmdline(pid: number): string[] | null {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (raw === "") return [];
    return raw.replace(/\0$/, "").split("\0");
  } catch {
    return null;
  }
}

/**
 * Whether a process ignores SIGTERM now (`SigIgn` in /proc/<pid>/status). A launch is briefly
 * in that state: its keeper ignores TERM, and the child inherits that until `env
 * --default-signal` execs the program. False when unknown (not Linux, process gone).
 */
export function ignoresSigterm(pid: number): boolean {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & (1n << 14n)) !== 0n;
  } catch {
    return false;
  }
}

/** The kernel's high-water mark of a process's resident memory (VmHWM of /proc/<pid>/status), in bytes. */
export function readProcPeakRss(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
