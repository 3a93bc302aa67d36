import fs from "node:fs";
import path from "node:path";
import { hasProcessFacts, isWindows, exeFor, readCwd, readStat } from "./native";
import { ProcessSnapshot, type ProcessDetails } from "./snapshot";
import { sameStartTime } from "./identity";

export { START_TIME_TOLERANCE, sameStartTime } from "./identity";

/**
 * - `running`: pid and start time match (the executable too, or the process exec'd).
 * - `unverified`: pid and start time match but the executable cannot be read (another
 *   user's process): alive as far as anyone can tell, so never declared gone.
 * - `gone`: no such process, a zombie, or the pid now belongs to another process.
 */
export type Liveness = "running" | "unverified" | "gone";

/** An executable as the registry keeps it here: with `/` off Windows, Windows' own form on it. */
function toPosix(p: string): string {
  return isWindows ? p : p.replace(/\\/g, "/");
}

/**
 * Recent answers of realpath: every listing compares each running record's executable with
 * its process's, 200 records were 200 realpath calls (1.8 ms of a 10 ms listing). A link
 * changed meanwhile is seen within REALPATH_FRESH_MS.
 */
const realpaths = new Map<string, { value: string; at: number }>();
const REALPATH_FRESH_MS = 10_000;
const REALPATHS_KEPT = 2_000;

function realpathOrSelf(p: string): string {
  const now = Date.now();
  const known = realpaths.get(p);
  if (known && now - known.at < REALPATH_FRESH_MS) return known.value;
  let value: string;
  try {
    value = fs.realpathSync.native(p);
  } catch {
    value = p;
  }
  if (realpaths.size >= REALPATHS_KEPT) realpaths.clear();
  realpaths.set(p, { value, at: now });
  return value;
}

/** What a check says about a record's process. */
export interface Verdict {
  liveness: Liveness;
  /**
   * The program the process runs now, when it is the recorded process (same pid and
   * creation time) but no longer runs the recorded executable: it `exec`'d (a wrapper
   * ending in `exec maya.bin`, a pyenv or rez shim, `bash -c 'a; b'`, `env X=1 prog`).
   */
  currentExecutable: string | null;
}

/**
 * Whether the process with this pid is still the one that started at `startTime` (any
 * process with the pid, when the start is unknown) and not a zombie: read straight from
 * /proc at the moment of asking, for a stop that is about to signal it.
 */
export function stillAliveAs(pid: number, startTime: number | null): boolean {
  const stat = readStat(pid);
  if (!stat || stat.state === "Z" || stat.state === "X") return false;
  return startTime === null || sameStartTime(stat.startTime, startTime);
}

/** AYON's executable match, plus symlinked executables and scripts run through their shebang. */
function executableMatches(snapshot: ProcessSnapshot, pid: number, details: ProcessDetails, executable: string): boolean {
  if (isWindows) {
    const candidates = new Set<string>();
    if (details.exe) candidates.add(toPosix(details.exe));
    const name = snapshot.nameOf(pid);
    if (name) candidates.add(name);
    const argv0 = details.cmdline?.[0];
    if (argv0) candidates.add(argv0);
    const names = [...candidates].map((c) => path.win32.basename(c).toLowerCase());
    // A batch file runs as cmd.exe, its interpreter: that is still the recorded program.
    if (/\.(bat|cmd)$/i.test(executable) && names.includes("cmd.exe")) return true;
    const wanted = path.win32.basename(executable).toLowerCase();
    return names.includes(wanted);
  }
  // Cheapest first: the command line is read only when the executable's link does not settle it.
  const wanted = toPosix(executable);
  if (details.exe && (toPosix(details.exe) === wanted || realpathOrSelf(wanted) === details.exe)) return true;
  if (snapshot.nameOf(pid) === wanted) return true;
  const cmdline = details.cmdline;
  return Boolean(cmdline && (cmdline[0] === wanted || cmdline.slice(1, 3).includes(wanted)));
}

const GONE: Verdict = { liveness: "gone", currentExecutable: null };

/**
 * Whether a recorded process still runs, guarding against PID reuse. Identity is pid +
 * creation time (SPEC "is running"): a process keeps both across `exec`, so a record
 * whose process exec'd another program is still running. The executable only decides
 * what we say about it. Without a recorded creation time the executable is all there is
 * to tell a reused pid apart, so AYON's rule applies. `snapshot` is the one process table
 * reading shared by a listing.
 */
export function identifyProcess(
  snapshot: ProcessSnapshot,
  pid: number | null,
  executable: string | null,
  startTime: number | null,
): Verdict {
  if (pid === null || !Number.isSafeInteger(pid) || pid <= 0 || !snapshot.has(pid)) return GONE;
  const details = snapshot.detailsOf(pid);
  if (hasProcessFacts) {
    // Not there any more (it ended after the table was read) or a zombie: gone.
    if (!details.stat || details.stat.state === "Z" || details.stat.state === "X") return GONE;
  }

  if (startTime !== null) {
    const actual = details.stat?.startTime ?? snapshot.get(pid)?.psStartTime ?? null;
    if (actual === null) return GONE;
    // ps's start time is truncated to the second; allow for that where it is the source.
    if (!sameStartTime(actual, startTime, details.stat ? 0 : 1)) return GONE;
  }

  if (!executable || executableMatches(snapshot, pid, details, executable)) return { liveness: "running", currentExecutable: null };
  if (!details.exe && details.exeDenied) return { liveness: "unverified", currentExecutable: null };
  if (startTime === null) return GONE;
  const now = details.exe ?? details.cmdline?.[0] ?? snapshot.nameOf(pid);
  return { liveness: "running", currentExecutable: now ? toPosix(now) : null };
}

/** The liveness alone (see `identifyProcess`). */
export function checkLiveness(
  snapshot: ProcessSnapshot,
  pid: number | null,
  executable: string | null,
  startTime: number | null,
): Liveness {
  return identifyProcess(snapshot, pid, executable, startTime).liveness;
}

export async function isRunning(pid: number, executable: string | null, startTime: number | null): Promise<Liveness> {
  return checkLiveness(await ProcessSnapshot.take(), pid, executable, startTime);
}

/** The executable of a pid; null when it cannot be known (gone, zombie, access denied). */
export function executablePathOfPid(pid: number): string | null {
  const stat = readStat(pid);
  if (!stat || stat.state === "Z") return null;
  return exeFor(pid, stat).path;
}

/** Creation time of a pid in seconds since the epoch, as psutil computes it; null when unknown. */
export function startTimeOfPid(pid: number): number | null {
  const stat = readStat(pid);
  if (!stat || stat.state === "Z") return null;
  return stat.startTime;
}

export interface DescendantInfo {
  pid: number;
  ppid: number;
  name: string;
  executable: string | null;
  args: string[];
  cwd: string | null;
  startTime: number | null;
  cpuPercent: number;
  memoryPercent: number;
  rssBytes: number | null;
  children: DescendantInfo[];
}

/** Children of `pid`, recursively, as a tree (environment skipped, as AYON does). */
export function descendantsOf(snapshot: ProcessSnapshot, pid: number, depthLimit = 64): DescendantInfo[] {
  const seen = new Set<number>([pid]);
  const walk = (parent: number, depth: number): DescendantInfo[] =>
    depth > depthLimit
      ? []
      : snapshot
          .childrenOf(parent)
          .filter((child) => !seen.has(child.pid))
          .map((child) => {
            seen.add(child.pid);
            const details = snapshot.detailsOf(child.pid);
            return {
              pid: child.pid,
              ppid: parent,
              name: snapshot.nameOf(child.pid),
              executable: details.exe,
              args: details.cmdline ?? child.cmd.split(" ").filter(Boolean),
              cwd: readCwd(child.pid),
              startTime: details.stat?.startTime ?? child.psStartTime,
              cpuPercent: child.cpuPercent,
              memoryPercent: child.memoryPercent,
              rssBytes: details.stat?.rssBytes ?? null,
              children: walk(child.pid, depth + 1),
            };
          })
          .filter((d) => {
            const stat = snapshot.detailsOf(d.pid).stat;
            return !stat || stat.state !== "Z";
          });
  return walk(pid, 0);
}

/** The pid and its live descendants (zombies left out), breadth first, from a table reading's parent pids alone (cheap: no /proc details). */
export function treePids(snapshot: ProcessSnapshot, pid: number): number[] {
  const pids = [pid];
  const seen = new Set(pids);
  for (let i = 0; i < pids.length; i += 1) {
    for (const child of snapshot.childrenOf(pids[i]!)) {
      if (seen.has(child.pid) || snapshot.statOf(child.pid)?.state === "Z") continue;
      seen.add(child.pid);
      pids.push(child.pid);
    }
  }
  return pids;
}

/** Flattens a descendant tree, depth first. */
export function flattenDescendants<T extends { children: T[] }>(tree: T[]): T[] {
  return tree.flatMap((node) => [node, ...flattenDescendants(node.children)]);
}
