// The process facts of Windows, read through Win32: one Toolhelp32 snapshot for the whole
// table (pid, parent pid, image name), one handle per pid for what identifies it (creation
// time to 100 ns), its executable and memory. No PowerShell or WMI: a PowerShell start costs
// hundreds of ms, and `wmic` is gone from current Windows.
import type { ProcStat } from "../proc-linux";
import { sameStartTime } from "../identity";
import { win32 } from "./bindings";

const TH32CS_SNAPPROCESS = 0x2;
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
const STILL_ACTIVE = 259;
const ERROR_ACCESS_DENIED = 5;
/** 100 ns intervals between 1601-01-01 (FILETIME's epoch) and 1970-01-01. */
const EPOCH_DIFFERENCE = 116_444_736_000_000_000n;

interface FileTime {
  dwLowDateTime: number;
  dwHighDateTime: number;
}

function ticks(time: FileTime): bigint {
  return (BigInt(time.dwHighDateTime) << 32n) | BigInt(time.dwLowDateTime >>> 0);
}

/** A FILETIME (100 ns since 1601) as seconds since the epoch, to the 100 ns. */
export function fileTimeToSeconds(time: FileTime): number {
  const since1970 = ticks(time) - EPOCH_DIFFERENCE;
  return Number(since1970 / 10_000_000n) + Number(since1970 % 10_000_000n) / 1e7;
}

export interface TableEntry {
  pid: number;
  ppid: number;
  name: string;
}

/** The whole process table from one Toolhelp32 snapshot. */
export function readToolhelpTable(): TableEntry[] {
  const { k32, koffi, PROCESSENTRY32W } = win32();
  const snapshot = k32.CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (!snapshot || koffi.address(snapshot) === 0xffffffffffffffffn) {
    throw new Error(`CreateToolhelp32Snapshot failed (error ${String(k32.GetLastError())})`);
  }
  const table: TableEntry[] = [];
  try {
    const entry = { dwSize: koffi.sizeof(PROCESSENTRY32W) } as {
      dwSize: number;
      th32ProcessID: number;
      th32ParentProcessID: number;
      szExeFile: string;
    };
    for (let more = Boolean(k32.Process32FirstW(snapshot, entry)); more; more = Boolean(k32.Process32NextW(snapshot, entry))) {
      // pid 0 is the idle process, not a program.
      if (entry.th32ProcessID !== 0) table.push({ pid: entry.th32ProcessID, ppid: entry.th32ParentProcessID, name: entry.szExeFile });
    }
  } finally {
    k32.CloseHandle(snapshot);
  }
  return table;
}

export interface WindowsProcessFacts {
  /** Seconds since the epoch, to the 100 ns (GetProcessTimes). */
  startTime: number;
  /** It ended, but someone still holds a handle to it (Windows' zombie). */
  exited: boolean;
  exitCode: number | null;
  executable: string | null;
  rssBytes: number;
  cpuSeconds: number;
}

export type FactsReading = { facts: WindowsProcessFacts } | { facts: null; denied: boolean };

/**
 * What identifies a pid now, read through a handle of least rights. `denied`: it exists but
 * this user may not query it (a protected or elevated process).
 */
export function readProcessFacts(pid: number): FactsReading {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid > 0xffffffff) return { facts: null, denied: false };
  const { k32, PROCESS_MEMORY_COUNTERS, koffi } = win32();
  const handle = k32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
  if (!handle) {
    const error = Number(k32.GetLastError());
    return { facts: null, denied: error === ERROR_ACCESS_DENIED };
  }
  try {
    const creation = {} as FileTime;
    const exit = {} as FileTime;
    const kernel = {} as FileTime;
    const user = {} as FileTime;
    if (!k32.GetProcessTimes(handle, creation, exit, kernel, user)) return { facts: null, denied: true };
    const code = [0];
    const haveCode = Boolean(k32.GetExitCodeProcess(handle, code));
    const exited = haveCode && code[0] !== STILL_ACTIVE;
    const counters = { cb: koffi.sizeof(PROCESS_MEMORY_COUNTERS) } as { cb: number; WorkingSetSize?: number };
    const rssBytes = k32.K32GetProcessMemoryInfo(handle, counters, counters.cb) ? Number(counters.WorkingSetSize ?? 0) : 0;
    return {
      facts: {
        startTime: fileTimeToSeconds(creation),
        exited,
        exitCode: exited ? (code[0] ?? null) : null,
        executable: imagePath(handle),
        rssBytes,
        cpuSeconds: Number(ticks(kernel) + ticks(user)) / 1e7,
      },
    };
  } finally {
    k32.CloseHandle(handle);
  }
}

function imagePath(handle: unknown): string | null {
  const { k32 } = win32();
  const buffer = Buffer.alloc(32_768 * 2);
  const size = [32_768];
  if (!k32.QueryFullProcessImageNameW(handle, 0, buffer, size)) return null;
  return buffer.toString("utf16le", 0, (size[0] ?? 0) * 2);
}

/** A ProcStat (the facts the rest of lib/system reads) from Windows' facts. */
export function toStat(pid: number, facts: WindowsProcessFacts, entry?: TableEntry): ProcStat {
  return {
    pid,
    comm: entry?.name ?? (facts.executable ? (facts.executable.split("\\").pop() ?? "") : ""),
    state: facts.exited ? "Z" : "R",
    ppid: entry?.ppid ?? 0,
    // Windows has no process group ids to read; a group is the launch's Job object.
    pgid: 0,
    startTime: facts.startTime,
    cpuSeconds: facts.cpuSeconds,
    rssBytes: facts.rssBytes,
    exe: facts.exited ? null : facts.executable,
  };
}

const PROCESS_COMMAND_LINE_INFORMATION = 60;

/**
 * A process's command line, split as programs split it (CommandLineToArgvW); null where
 * Windows does not tell (Wine answers "invalid info class"; a protected process).
 */
export function readCommandLine(pid: number): string[] | null {
  const { k32, ntdll } = win32();
  const handle = k32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
  if (!handle) return null;
  try {
    const buffer = Buffer.alloc(65_536);
    const returned = [0];
    const status = Number(ntdll.NtQueryInformationProcess(handle, PROCESS_COMMAND_LINE_INFORMATION, buffer, buffer.length, returned));
    if (status !== 0) return null;
    // A UNICODE_STRING (2 + 2 bytes of lengths, padding, an 8-byte pointer) and its text after it.
    const length = buffer.readUInt16LE(0);
    return splitCommandLine(buffer.toString("utf16le", 16, 16 + length));
  } finally {
    k32.CloseHandle(handle);
  }
}

/** Windows' own split of a command line (what the program's C runtime gives it as argv). */
export function splitCommandLine(commandLine: string): string[] {
  const { shell32, koffi, LocalFree } = win32();
  const count = [0];
  const argv = shell32.CommandLineToArgvW(commandLine, count);
  if (!argv) return [];
  try {
    const pointers = koffi.decode(argv, "char16_t *", count[0] ?? 0) as string[];
    return [...pointers];
  } finally {
    LocalFree(argv);
  }
}

/** A handle's creation time (seconds since the epoch), or null where it cannot be read. */
export function creationTimeOf(handle: unknown): number | null {
  const creation = {} as FileTime;
  return win32().k32.GetProcessTimes(handle, creation, {}, {}, {}) ? fileTimeToSeconds(creation) : null;
}

/**
 * Opens a pid with `access` (and the right to read its times), only while it is still the
 * process that started at `startTime` (any process with the pid, when that is unknown): the
 * identity rule checked on the very handle that will be used. Null otherwise; the caller
 * closes what it gets.
 */
export function openAs(pid: number, startTime: number | null, access: number): unknown {
  const { k32 } = win32();
  const handle = k32.OpenProcess(access | PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
  if (!handle) return null;
  if (startTime === null) return handle;
  const actual = creationTimeOf(handle);
  if (actual !== null && sameStartTime(actual, startTime)) return handle;
  k32.CloseHandle(handle);
  return null;
}

/**
 * How a process ended, or null while it runs: its code, its exit time to the 100 ns, and what the
 * handle still tells of it (SPEC "The end record"): its CPU time (kernel + user) and its peak
 * working set; null where Windows (or Wine) does not say.
 */
export function endOf(
  handle: unknown,
): { exitCode: number | null; endedAt: number; cpuSeconds: number | null; peakBytes: number | null } | null {
  const { k32, koffi, PROCESS_MEMORY_COUNTERS } = win32();
  if (Number(k32.WaitForSingleObject(handle, 0)) !== 0) return null;
  const code = [0];
  const exitCode = k32.GetExitCodeProcess(handle, code) ? (code[0] ?? null) : null;
  const exit = {} as FileTime;
  const kernel = {} as FileTime;
  const user = {} as FileTime;
  const timed = Boolean(k32.GetProcessTimes(handle, {}, exit, kernel, user));
  const counters = { cb: koffi.sizeof(PROCESS_MEMORY_COUNTERS) } as { cb: number; PeakWorkingSetSize?: number };
  const peak = k32.K32GetProcessMemoryInfo(handle, counters, counters.cb) ? Number(counters.PeakWorkingSetSize ?? 0) : 0;
  return {
    exitCode,
    endedAt: timed ? fileTimeToSeconds(exit) : Date.now() / 1000,
    cpuSeconds: timed ? Number(ticks(kernel) + ticks(user)) / 1e7 : null,
    peakBytes: peak > 0 ? peak : null,
  };
}
