// What outlives a record's process (SPEC "The end record"): its usage sampled while it runs
// (UsageSampler), and once it ended why (decideEndReason) with the host as it was then.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { decideEndReason } from "../registry/end-reason";
import type { Registry } from "../registry/registry";
import type { HostAtEnd } from "../registry/types";
import type { Sample } from "../registry/end-store";
import { gpuMemoryByPid } from "../system/gpu";
import { readPeakRss } from "../system/native";
import { cgroupOomKills, memoryCgroupOf, oomKills } from "../system/oom";
import { treePids } from "../system/probe";
import { ProcessSnapshot } from "../system/snapshot";
import { matchOutputEnd } from "./end-patterns";
import { isCrash } from "./status";

/** An end looked at later than this after it happened gets no host snapshot and no OOM reading of now (they would be of another moment). */
const RECENT_S = 600;
/** A keeper's record found gone before its keeper's end was folded in waits this long for it. */
const KEEPER_GRACE_S = 30;

/** The machine now: memory, load, and the five processes using the most memory. */
export function hostAtEnd(snapshot: ProcessSnapshot): HostAtEnd {
  const top = [...snapshot.entries()]
    .map((e) => ({ pid: e.pid, name: snapshot.statOf(e.pid)?.comm ?? e.name, rssBytes: snapshot.statOf(e.pid)?.rssBytes ?? 0 }))
    .sort((a, b) => b.rssBytes - a.rssBytes)
    .slice(0, 5);
  return { at: Date.now() / 1000, memTotalBytes: os.totalmem(), memFreeBytes: os.freemem(), load: os.loadavg(), top };
}

/**
 * Decides why each ended record whose end was not looked at yet ended, and keeps it with the
 * host's snapshot. Returns how many it settled.
 */
export async function settleEnds(registry: Registry, snapshot?: ProcessSnapshot): Promise<number> {
  const rows = await registry.unsettledEnds();
  let settled = 0;
  // One look at the machine for all the ends settled now (taken only if one of them is recent).
  let host: HostAtEnd | undefined;
  for (const row of rows) {
    const record = await registry.get(row.hash);
    if (!record) continue;
    const now = Date.now() / 1000;
    const known = record.exitCode !== null || record.exitSignal !== null;
    if (!known && record.keeperPid !== null && now - row.updatedAt < KEEPER_GRACE_S) continue;
    const recent = record.endedAt === null ? now - row.updatedAt < RECENT_S : now - record.endedAt < RECENT_S;
    const machine = row.oomEnd ?? (recent ? oomKills() : null);
    const group = row.cgroup && recent ? cgroupOomKills(row.cgroup) : null;
    const oomMoved =
      (row.oomStart !== null && machine !== null && machine > row.oomStart) ||
      (row.cgroupOomStart !== null && group !== null && group > row.cgroupOomStart);
    const matched = isCrash(record) ? await matchOutputEnd(record.outputFile) : null;
    const reason = decideEndReason({ ...record, oomMoved, matched });
    if (recent) host ??= hostAtEnd(snapshot ?? (await ProcessSnapshot.take()));
    await registry.settleEnd(row.hash, reason, recent ? host! : null);
    settled += 1;
  }
  return settled;
}

/**
 * Samples every running record every `intervalMs` (PROCESS_MONITOR_SAMPLE_SECONDS, default 5):
 * CPU and memory of its process tree (and GPU memory where `nvidia-smi` is), its main process's
 * high-water mark, then settles the ends found since. One per registry and process.
 */
export class UsageSampler {
  /** Each record's tree CPU seconds at its last sample: CPU is the average over the time between two. */
  private last = new Map<string, { at: number; cpuSeconds: number }>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(
    private readonly registry: () => Promise<Registry>,
    readonly intervalMs = sampleInterval(),
  ) {}

  start(): void {
    if (this.timer || this.intervalMs === 0) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
    void this.tick();
    void this.registry()
      .then((registry) => this.watch(registry.dbPath))
      .catch(() => undefined);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.soonTimer = null;
    this.watcher?.close();
    this.watcher = null;
  }

  private watcher: fs.FSWatcher | null = null;
  private soonTimer: NodeJS.Timeout | null = null;
  private lastSoon = 0;

  /**
   * A write to the registry (a launch here, by the CLI or by AYON) brings a round of the records
   * not sampled yet: a run shorter than the interval gets its first point when it is first seen
   * running, not up to an interval later (a run of 6 s sampled every 5 s had one point).
   */
  private watch(dbPath: string): void {
    try {
      const file = path.basename(dbPath);
      this.watcher = fs.watch(path.dirname(dbPath), { persistent: false }, (_event, name) => {
        if (name && String(name).startsWith(file)) this.soon();
      });
      this.watcher.on("error", () => undefined);
    } catch {
      /* a folder that cannot be watched: the interval's rounds still sample */
    }
  }

  private soon(): void {
    if (this.soonTimer || this.timer === null) return;
    // At most one such round a second, a moment after the write (the launch's record is stored).
    const wait = Math.max(SOON_MS, this.lastSoon + 1_000 - Date.now());
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      this.lastSoon = Date.now();
      void this.tick({ onlyNew: true });
    }, wait);
    this.soonTimer.unref();
  }

  private async tick(options: { onlyNew?: boolean } = {}): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.round(Date.now(), options);
    } catch (error) {
      // A locked or full registry: this round is skipped, the next one tries again.
      console.warn(`process-monitor: usage sampling skipped a round: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  /**
   * One round: a point for every running record (`onlyNew`: for those not sampled yet), a last
   * point for each sampled one that ended since, then the ends found since settled.
   */
  async round(now = Date.now(), { onlyNew = false }: { onlyNew?: boolean } = {}): Promise<number> {
    const registry = await this.registry();
    const unstopped = await registry.unstoppedHashes();
    // Nothing recorded runs (a quiet workstation): no table to read, only ends to settle.
    if (unstopped.length === 0) {
      await this.endPoints(registry, new Set());
      if (!onlyNew) await settleEnds(registry);
      return 0;
    }
    // A write that brought no new record (a sample, a stop): nothing more to read.
    if (onlyNew && unstopped.every((hash) => this.last.has(hash))) return 0;
    const snapshot = await ProcessSnapshot.take();
    const running = (await registry.list({ snapshot, env: false })).filter(
      (r) => r.status !== "stopped" && r.pid !== null && !(onlyNew && this.last.has(r.hash)),
    );
    const gpu = running.length > 0 ? await gpuMemoryByPid() : null;
    const machineOom = oomKills();
    const samples: Sample[] = running.map((record) => {
      const pids = treePids(snapshot, record.pid!);
      const stats = pids.map((pid) => snapshot.statOf(pid));
      const cpuSeconds = stats.reduce((sum, s) => sum + (s?.cpuSeconds ?? 0), 0);
      const rssBytes = stats.reduce((sum, s) => sum + (s?.rssBytes ?? 0), 0);
      const previous = this.last.get(record.hash);
      const span = previous ? (now - previous.at) / 1000 : this.intervalMs / 1000;
      // The first point: ps's average over each process's life; then the average since the last point.
      const cpuPercent =
        previous && span > 0
          ? Math.max(0, (100 * (cpuSeconds - previous.cpuSeconds)) / span)
          : pids.reduce((sum, pid) => sum + (snapshot.get(pid)?.cpuPercent ?? 0), 0);
      this.last.set(record.hash, { at: now, cpuSeconds });
      const gpuBytes = gpu ? pids.reduce((sum, pid) => sum + (gpu.get(pid) ?? 0), 0) : null;
      const cgroup = previous ? null : memoryCgroupOf(record.pid!);
      return {
        hash: record.hash,
        point: { at: now / 1000, span, cpuPercent, rssBytes, gpuBytes },
        hwmBytes: readPeakRss(record.pid!),
        cpuSeconds,
        oomKills: machineOom,
        cgroup,
        cgroupOomKills: cgroup ? cgroupOomKills(cgroup) : null,
      };
    });
    await registry.addSamples(samples);
    if (!onlyNew) {
      await this.endPoints(registry, new Set(running.map((r) => r.hash)));
      await settleEnds(registry, snapshot);
    }
    return samples.length;
  }

  /**
   * The last point of each sampled record no longer running, at its end: its CPU over the time
   * since its last point from the CPU seconds its keeper read at the end (none known: no CPU),
   * its memory unknown (the process is gone).
   */
  private async endPoints(registry: Registry, live: ReadonlySet<string>): Promise<void> {
    const gone = [...this.last].filter(([hash]) => !live.has(hash));
    if (gone.length === 0) return;
    const kept = await registry.ends(gone.map(([hash]) => hash));
    const points: Array<Pick<Sample, "hash" | "point">> = [];
    for (const [hash, previous] of gone) {
      this.last.delete(hash);
      const endedAt = (await registry.get(hash))?.endedAt ?? null;
      if (endedAt === null || endedAt * 1000 <= previous.at) continue;
      const span = endedAt - previous.at / 1000;
      const cpuSeconds = kept.get(hash)?.cpuSeconds ?? null;
      const cpuPercent =
        cpuSeconds !== null && cpuSeconds >= previous.cpuSeconds ? (100 * (cpuSeconds - previous.cpuSeconds)) / span : null;
      points.push({ hash, point: { at: endedAt, span, cpuPercent, rssBytes: null, gpuBytes: null } });
    }
    await registry.addPoints(points);
  }
}

/** How soon after a write to the registry its new running records are sampled. */
const SOON_MS = 300;

/** PROCESS_MONITOR_SAMPLE_SECONDS (0.2 to 3600; default 5; 0: no sampling), in ms. */
export function sampleInterval(value = process.env.PROCESS_MONITOR_SAMPLE_SECONDS): number {
  const seconds = Number(value);
  if (value?.trim() === "0") return 0;
  return Number.isFinite(seconds) && seconds >= 0.2 && seconds <= 3600 ? seconds * 1000 : 5_000;
}
