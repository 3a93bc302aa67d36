// What outlives a record's process (SPEC "The end record"): its usage sampled while it runs
// (UsageSampler), and once it ended why (decideEndReason) with the host as it was then.
import os from "node:os";
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
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.round();
    } catch (error) {
      // A locked or full registry: this round is skipped, the next one tries again.
      console.warn(`process-monitor: usage sampling skipped a round: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
  }

  /** One round: a point for every running record, then the ends found since settled. */
  async round(now = Date.now()): Promise<number> {
    const registry = await this.registry();
    // Nothing recorded runs (a quiet workstation): no table to read, only ends to settle.
    if (!(await registry.list({ invalidate: false })).some((r) => !r.stopped && r.pid !== null)) {
      this.last.clear();
      await settleEnds(registry);
      return 0;
    }
    const snapshot = await ProcessSnapshot.take();
    const running = (await registry.list({ snapshot })).filter((r) => r.status !== "stopped" && r.pid !== null);
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
    const live = new Set(running.map((r) => r.hash));
    for (const hash of this.last.keys()) if (!live.has(hash)) this.last.delete(hash);
    await registry.addSamples(samples);
    await settleEnds(registry, snapshot);
    return samples.length;
  }
}

/** PROCESS_MONITOR_SAMPLE_SECONDS (0.2 to 3600; default 5; 0: no sampling), in ms. */
export function sampleInterval(value = process.env.PROCESS_MONITOR_SAMPLE_SECONDS): number {
  const seconds = Number(value);
  if (value?.trim() === "0") return 0;
  return Number.isFinite(seconds) && seconds >= 0.2 && seconds <= 3600 ? seconds * 1000 : 5_000;
}
