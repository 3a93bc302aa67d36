import os from "node:os";
import path from "node:path";
import { hasProcessFacts, isWindows, listPids, exeFor, readCmdline, readCwd, readStat, type ProcStat } from "./native";
import { shared } from "../config/shared";

/** Up to this many pids are read directly; more, after one listing of /proc (which costs about as much as 60 failed opens). */
const DIRECT_READS = 64;

/** One process of the table, as ps-list sees it, with /proc details read on demand. */
export interface SnapshotEntry {
  pid: number;
  ppid: number;
  name: string;
  /** ps's command line (words joined with spaces); empty when read from /proc (see `detailsOf`). */
  cmd: string;
  /** Percent of one core, as ps reports it (average over the process's life). */
  cpuPercent: number;
  memoryPercent: number;
  /** ps's start time: whole seconds only. */
  psStartTime: number | null;
}

export interface ProcessDetails {
  stat: ProcStat | null;
  exe: string | null;
  exeDenied: boolean;
  cmdline: string[] | null;
}

/**
 * One reading of the process table, shared by a whole listing so that checking many
 * records costs one reading, not one probe each. Per-pid /proc details are read at most
 * once and cached.
 */
export class ProcessSnapshot {
  readonly takenAt: number;
  private readonly byPid: Map<number, SnapshotEntry>;
  private readonly details = new Map<number, ProcessDetails>();
  private readonly stats = new Map<number, ProcStat | null>();
  private childrenIndex?: Map<number, SnapshotEntry[]>;
  private groupIndex?: Map<number, SnapshotEntry[]>;

  constructor(entries: SnapshotEntry[], takenAt = Date.now()) {
    this.takenAt = takenAt;
    this.byPid = new Map(entries.map((entry) => [entry.pid, entry]));
  }

  /**
   * A snapshot no older than `maxAgeMs`, shared by concurrent callers: many open pages
   * polling every second or two then cost one `ps` run a second, not one each.
   */
  static recent(maxAgeMs = 1_000): Promise<ProcessSnapshot> {
    const cache = shared("process-table", () => ({ recent: undefined as { at: number; snapshot: Promise<ProcessSnapshot> } | undefined }));
    const current = cache.recent;
    if (current && Date.now() - current.at < maxAgeMs) return current.snapshot;
    const snapshot = ProcessSnapshot.take();
    cache.recent = { at: Date.now(), snapshot };
    snapshot.catch(() => {
      if (cache.recent?.snapshot === snapshot) cache.recent = undefined;
    });
    return snapshot;
  }

  /**
   * The whole process table. On Linux it is read straight from /proc (a few milliseconds
   * for hundreds of processes, where spawning `ps` costs 50-100 ms), on Windows from one
   * Toolhelp32 snapshot and a handle per process; elsewhere through ps-list.
   */
  static async take(): Promise<ProcessSnapshot> {
    return hasProcessFacts ? ProcessSnapshot.fromProc() : ProcessSnapshot.fromPs();
  }

  /** The table as `ps` (through ps-list) reports it: the path for systems without /proc. */
  static async fromPs(): Promise<ProcessSnapshot> {
    // The table reflects the moment `ps` starts; anything newer may be missing from it.
    const startedAt = Date.now();
    // Loaded here: where /proc or Win32 answers (every listing on Linux and Windows) it is never needed.
    const { default: psList } = await import("ps-list");
    const list = await psList();
    return new ProcessSnapshot(
      list.map((p) => ({
        pid: p.pid,
        ppid: p.ppid ?? 0,
        name: p.name,
        cmd: p.cmd ?? "",
        cpuPercent: p.cpu ?? 0,
        memoryPercent: p.memory ?? 0,
        psStartTime: p.startTime ? p.startTime.getTime() / 1000 : null,
      })),
      startedAt,
    );
  }

  /**
   * What checking these pids needs, at the least cost: on Linux and Windows a fresh read of
   * just those pids; elsewhere the shared recent `ps` reading (one `ps` a second at most).
   */
  static forPids(pids: Iterable<number>): Promise<ProcessSnapshot> {
    return hasProcessFacts ? ProcessSnapshot.ofPids(pids) : ProcessSnapshot.recent();
  }

  /** The whole table from the system's facts: one stat per process (Linux: /proc; Windows: Win32). */
  static fromProc(): ProcessSnapshot {
    const startedAt = Date.now();
    return ProcessSnapshot.fromStats(listPids().map(readStat), startedAt);
  }

  /**
   * A partial table holding only the given pids. On Linux one listing of /proc says which
   * exist, and only those are read, so checking thousands of records costs a few file reads
   * per live one; on Windows each pid is opened directly (a pid that is not there fails to
   * open). Elsewhere, a full snapshot. Not for descendants or process groups, which need
   * the whole table.
   */
  static async ofPids(pids: Iterable<number>): Promise<ProcessSnapshot> {
    if (!hasProcessFacts) return ProcessSnapshot.take();
    const startedAt = Date.now();
    const unique = [...new Set(pids)];
    // A few pids: each read directly (a missing one fails to open). Many (a first listing of
    // thousands of records, mostly long gone): one listing of /proc says which to read.
    if (isWindows || unique.length <= DIRECT_READS) return ProcessSnapshot.fromStats(unique.map(readStat), startedAt);
    const existing = new Set(listPids());
    return ProcessSnapshot.fromStats(unique.filter((pid) => existing.has(pid)).map(readStat), startedAt);
  }

  private static fromStats(stats: Array<ProcStat | null>, takenAt: number): ProcessSnapshot {
    const now = Date.now() / 1000;
    const totalMemory = os.totalmem();
    const entries: SnapshotEntry[] = [];
    const byPid = new Map<number, ProcStat>();
    for (const stat of stats) {
      if (!stat) continue;
      byPid.set(stat.pid, stat);
      entries.push({
        pid: stat.pid,
        ppid: stat.ppid,
        name: stat.comm,
        cmd: "",
        // What ps shows: CPU time over the process's life, resident memory over the total.
        cpuPercent: now > stat.startTime ? (100 * stat.cpuSeconds) / (now - stat.startTime) : 0,
        memoryPercent: totalMemory > 0 ? (100 * stat.rssBytes) / totalMemory : 0,
        psStartTime: stat.startTime,
      });
    }
    const snapshot = new ProcessSnapshot(entries, takenAt);
    for (const [pid, stat] of byPid) snapshot.stats.set(pid, stat);
    return snapshot;
  }

  get size(): number {
    return this.byPid.size;
  }

  get(pid: number): SnapshotEntry | undefined {
    return this.byPid.get(pid);
  }

  has(pid: number): boolean {
    return this.byPid.has(pid);
  }

  entries(): IterableIterator<SnapshotEntry> {
    return this.byPid.values();
  }

  /** /proc/<pid>/stat alone (cheaper than all details), cached. */
  statOf(pid: number): ProcStat | null {
    const known = this.details.get(pid);
    if (known) return known.stat;
    if (!this.stats.has(pid)) this.stats.set(pid, readStat(pid));
    return this.stats.get(pid) ?? null;
  }

  /** /proc details of a pid in the table (null fields where they cannot be read). */
  detailsOf(pid: number): ProcessDetails {
    let cached = this.details.get(pid);
    if (!cached) {
      if (hasProcessFacts) {
        const stat = this.statOf(pid);
        const exe = exeFor(pid, stat);
        // Read when first asked: checking a record mostly settles on its executable's link.
        let cmdline: string[] | null | undefined;
        cached = {
          stat,
          exe: exe.path,
          exeDenied: exe.denied,
          get cmdline() {
            if (cmdline === undefined) cmdline = readCmdline(pid);
            return cmdline;
          },
        };
      } else {
        const entry = this.byPid.get(pid);
        cached = {
          stat: null,
          exe: null,
          exeDenied: false,
          cmdline: entry ? entry.cmd.split(" ").filter(Boolean) : null,
        };
      }
      this.details.set(pid, cached);
    }
    return cached;
  }

  /** Direct children, from the table's parent pids. */
  childrenOf(pid: number): SnapshotEntry[] {
    if (!this.childrenIndex) {
      this.childrenIndex = new Map();
      for (const entry of this.byPid.values()) {
        const siblings = this.childrenIndex.get(entry.ppid) ?? [];
        siblings.push(entry);
        this.childrenIndex.set(entry.ppid, siblings);
      }
    }
    return (this.childrenIndex.get(pid) ?? []).filter((child) => child.pid !== pid);
  }

  /** Live members of process group `pgid` (Linux only), the leader excluded. */
  groupMembers(pgid: number): SnapshotEntry[] {
    if (!hasProcessFacts || isWindows) return [];
    if (!this.groupIndex) {
      this.groupIndex = new Map();
      for (const entry of this.byPid.values()) {
        const stat = this.statOf(entry.pid);
        if (!stat || stat.state === "Z" || stat.pgid === entry.pid) continue;
        const members = this.groupIndex.get(stat.pgid) ?? [];
        members.push(entry);
        this.groupIndex.set(stat.pgid, members);
      }
    }
    return this.groupIndex.get(pgid) ?? [];
  }

  /** The process name psutil would give: the executable's file name when readable, else comm. */
  nameOf(pid: number): string {
    const details = this.detailsOf(pid);
    if (details.exe) return (isWindows ? path.win32 : path).basename(details.exe);
    return details.stat?.comm ?? this.byPid.get(pid)?.name ?? "";
  }

  cwdOf(pid: number): string | null {
    return readCwd(pid);
  }
}
