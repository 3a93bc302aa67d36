import type { HostStatus } from "./status";
import type { StoredProcess } from "../protocol";
import { isoOrNull, timeOrNull } from "../../time";
import type { ProcessView } from "../../processes/status";
import { isAlive } from "../../processes/status";
import type { Sortable } from "../../processes/query";

/** A host as a row of the fleet table carries it. */
export interface FleetHostRef {
  key: string;
  name: string;
  status: HostStatus;
  lastSeen: number | null;
}

/** A record of the fleet: as its host last reported it. */
export interface FleetItem {
  host: FleetHostRef;
  view: ProcessView;
  reported: StoredProcess;
}

/** The moment a host's report describes: now while it reports, else its last report. */
function referenceTime(host: FleetHostRef, now: number): number {
  return host.status === "online" || host.lastSeen === null ? now : host.lastSeen;
}

export function runtimeOf(p: StoredProcess, host: FleetHostRef, now: number): number | null {
  const start = timeOrNull(p.startTime);
  const end = isAlive(p) ? referenceTime(host, now) / 1000 : timeOrNull(p.endedAt);
  return start !== null && end !== null ? Math.max(0, end - start) : null;
}

/** What the list's columns say of a stored record, as its view would (a sort of 100,000 of them makes no views). */
export function sortableOf(p: StoredProcess, host: FleetHostRef, now: number): Sortable {
  return {
    name: p.name,
    pid: p.pid,
    status: p.status,
    // Stored before records were fitted, a time may be out of range: unknown, never a crash.
    startTime: timeOrNull(p.startTime),
    runtime: runtimeOf(p, host, now),
    cpuPercent: p.cpuPercent,
    rssBytes: p.rssBytes,
    outputSize: p.outputSize,
  };
}

/**
 * A reported record as the list and detail views show it. Made once per report of a record:
 * the running time of a live one moves on, so readers bring it up to date with `withRuntime`.
 */
export function toFleetView(p: StoredProcess, host: FleetHostRef, now: number): ProcessView {
  return {
    ...p,
    ...sortableOf(p, host, now),
    endedAt: timeOrNull(p.endedAt),
    createdAt: isoOrNull(p.createdAt),
    outputGrowth: null,
    // Stored before end records were reported: none.
    peakMemoryBytes: p.peakMemoryBytes ?? null,
    ownCpuPercent: p.ownCpuPercent ?? null,
    ownRssBytes: p.ownRssBytes ?? null,
    cpuSeconds: p.cpuSeconds ?? null,
    endReason: p.endReason ?? null,
  };
}

/** The item with its running time as of `now` (a copy when it moved; items are shared between readers). */
export function withRuntime(item: FleetItem, now: number): FleetItem {
  if (!isAlive(item.reported)) return item;
  return { ...item, view: { ...item.view, runtime: runtimeOf(item.reported, item.host, now) } };
}
