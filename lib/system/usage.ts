import { readStat } from "./native";
import type { ProcessSnapshot } from "./snapshot";
import { shared } from "../config/shared";

export interface Usage {
  /** Percent of one core over the time since the previous reading (ps's lifetime average the first time). */
  cpuPercent: number | null;
  rssBytes: number | null;
  memoryPercent: number | null;
}

interface Reading {
  cpuSeconds: number;
  at: number;
}

const readings = shared("cpu-readings", () => new Map<string, Reading>());

/**
 * Current CPU and memory of a process. CPU is a rate between two readings of /proc's
 * CPU time, so repeated refreshes show what the process does now, not its life average.
 */
export function usageOf(snapshot: ProcessSnapshot, pid: number, startTime: number | null): Usage {
  const entry = snapshot.get(pid);
  const stat = snapshot.detailsOf(pid).stat ?? readStat(pid);
  if (!entry && !stat) return { cpuPercent: null, rssBytes: null, memoryPercent: null };
  let cpuPercent: number | null = entry?.cpuPercent ?? null;
  if (stat) {
    const key = `${pid}:${startTime ?? stat.startTime}`;
    const now = Date.now() / 1000;
    const previous = readings.get(key);
    if (previous && now - previous.at >= 0.2) cpuPercent = (100 * (stat.cpuSeconds - previous.cpuSeconds)) / (now - previous.at);
    if (!previous || now - previous.at >= 0.2) readings.set(key, { cpuSeconds: stat.cpuSeconds, at: now });
    if (readings.size > 20_000) readings.clear();
  }
  return {
    cpuPercent: cpuPercent === null ? null : Math.max(0, cpuPercent),
    rssBytes: stat?.rssBytes ?? null,
    memoryPercent: entry?.memoryPercent ?? null,
  };
}
