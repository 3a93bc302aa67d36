// The per-process facts of this system, from where the system keeps them: /proc on Linux,
// Win32 on Windows (lib/system/win32). Elsewhere (macOS) there are none, and the table comes
// from ps-list alone. Everything in lib/system asks here rather than choosing itself.
import * as linux from "./proc-linux";
import type { ProcStat } from "./proc-linux";
import { readCommandLine, readProcessFacts, readToolhelpTable, toStat, type TableEntry } from "./win32/processes";

export type { ProcStat };

export const isWindows = process.platform === "win32";

/** Whether pids can be asked about one by one (creation time, executable): Linux and Windows. */
export const hasProcessFacts = linux.hasProcFs || isWindows;

/** What `readStat` knows of a pid on Windows, from the last table read (parent pid, image name). */
const lastTable = new Map<number, TableEntry>();

/** The pids that exist now (on Windows with their parent and image name, remembered for readStat). */
export function listPids(): number[] {
  if (!isWindows) return linux.listProcPids();
  lastTable.clear();
  for (const entry of readToolhelpTable()) lastTable.set(entry.pid, entry);
  return [...lastTable.keys()];
}

/** A pid's facts now; null when it does not exist (or cannot be asked). "Z": ended, not yet reaped. */
export function readStat(pid: number): ProcStat | null {
  if (!isWindows) return linux.readProcStat(pid);
  const reading = readProcessFacts(pid);
  return reading.facts ? toStat(pid, reading.facts, lastTable.get(pid)) : null;
}

export function readExe(pid: number): { path: string | null; denied: boolean } {
  if (!isWindows) return linux.readProcExe(pid);
  const reading = readProcessFacts(pid);
  return reading.facts
    ? { path: reading.facts.exited ? null : reading.facts.executable, denied: false }
    : { path: null, denied: reading.denied };
}

/** A pid's executable given its stat: the one read through the same handle (Windows), else read now. */
export function exeFor(pid: number, stat: ProcStat | null): { path: string | null; denied: boolean } {
  return stat?.exe !== undefined ? { path: stat.exe, denied: false } : readExe(pid);
}

export function readCmdline(pid: number): string[] | null {
  return isWindows ? readCommandLine(pid) : linux.readProcCmdline(pid);
}

/** Another process's working directory: /proc on Linux; Windows keeps it in the process's own memory. */
export function readCwd(pid: number): string | null {
  return isWindows ? null : linux.readProcCwd(pid);
}

/** The highest resident memory a process has had (Linux: VmHWM); null where it cannot be read. */
export function readPeakRss(pid: number): number | null {
  return isWindows ? null : linux.readProcPeakRss(pid);
}
