import type { ListedProcess } from "../registry/types";
import { descendantsOf, treePids, type DescendantInfo } from "../system/probe";
import type { ProcessSnapshot } from "../system/snapshot";
import { usageOf } from "../system/usage";
import { outputSize } from "../output/tail";
import { isoOrNull, timeOrNull } from "../time";
import type { ProcessView } from "./status";
import { isActive } from "./status";
import { endReasonOf } from "../registry/end-reason";
import { userOf } from "../registry/json";
import { shared } from "../config/shared";
import type { Searchable, Sortable } from "./query";

export type { DisplayStatus, ProcessView } from "./status";
export { statusText, unknownExitReason } from "./status";

/** Processes left in the group of a record that ended (its pid led the group: our launches). */
export function orphanedChildren(snapshot: ProcessSnapshot, record: ListedProcess): number {
  if (record.pid === null || snapshot.has(record.pid)) return 0;
  const members = snapshot.groupMembers(record.pid);
  if (members.length === 0) return 0;
  // A reused pgid would belong to processes newer than a new leader; ours started after the record.
  return members.filter((m) => {
    const start = snapshot.statOf(m.pid)?.startTime ?? m.psStartTime;
    return record.startTime === null || start === null || start >= record.startTime - 1;
  }).length;
}

/** CPU and memory of a process and its descendants together, with its own share. */
function treeUsage(snapshot: ProcessSnapshot, pid: number, startTime: number | null) {
  viewWork.trees += 1;
  const own = usageOf(snapshot, pid, startTime);
  let cpu = own.cpuPercent;
  let rss = own.rssBytes;
  for (const child of treePids(snapshot, pid).slice(1)) {
    const usage = usageOf(snapshot, child, snapshot.statOf(child)?.startTime ?? null);
    if (usage.cpuPercent !== null) cpu = (cpu ?? 0) + usage.cpuPercent;
    if (usage.rssBytes !== null) rss = (rss ?? 0) + usage.rssBytes;
  }
  return { cpuPercent: cpu, rssBytes: rss, ownCpuPercent: own.cpuPercent, ownRssBytes: own.rssBytes };
}

/**
 * What making views costs, counted (a test holds a listing's to its page, however many records
 * the registry has): views made, end reasons decided, process trees walked.
 */
export const viewWork = shared("view-work", () => ({ views: 0, endReasons: 0, trees: 0 }));

/** What the list filters, searches, sorts and counts a record by. */
export type ViewColumns = Searchable &
  Sortable &
  Pick<ProcessView, "endedAt" | "ownCpuPercent" | "ownRssBytes" | "liveChildren"> & { live: boolean };

/**
 * A record's columns, without the view's costly parts: its end reason and its user never, its
 * tree's usage only with `usage` (a list sorted by CPU or memory), its output's size only with
 * `outputSize`. Every record of a listing gets these; the page's rows alone a view (toView).
 */
export function columnsOf(
  record: ListedProcess,
  snapshot: ProcessSnapshot | null,
  { usage: withUsage = true, outputSize: withOutputSize = false }: { usage?: boolean; outputSize?: boolean } = {},
): ViewColumns {
  const live = isActive(record) && record.pid !== null;
  const liveChildren = !live && snapshot ? orphanedChildren(snapshot, record) : 0;
  if (!live && !withOutputSize && liveChildren === 0) {
    // A stopped record's columns never change, and the registry lists it as the same object
    // while it is unchanged: made once, not for each of 10,000 records at every request.
    let known = stoppedColumns.get(record);
    if (!known) stoppedColumns.set(record, (known = makeColumns(record, false, null, 0, false)));
    return known;
  }
  const usage = withUsage && live && snapshot && record.pid !== null ? treeUsage(snapshot, record.pid, record.startTime) : null;
  return makeColumns(record, live, usage, liveChildren, withOutputSize);
}

const stoppedColumns = new WeakMap<ListedProcess, ViewColumns>();

function makeColumns(
  record: ListedProcess,
  live: boolean,
  usage: ReturnType<typeof treeUsage> | null,
  liveChildren: number,
  withOutputSize: boolean,
): ViewColumns {
  // A time out of range (µs written as seconds by some tool) is shown and sorted as unknown.
  const startTime = timeOrNull(record.startTime);
  const endedAt = timeOrNull(record.endedAt);
  const end = live ? Date.now() / 1000 : endedAt;
  return {
    live,
    hash: record.hash,
    name: record.name,
    pid: record.pid,
    executable: record.executable,
    args: record.args,
    status: live ? record.status : liveChildren > 0 ? "children" : "stopped",
    exitCode: record.exitCode,
    exitSignal: record.exitSignal,
    stopSignal: record.stopSignal,
    startTime,
    endedAt,
    runtime: startTime !== null && end !== null ? Math.max(0, end - startTime) : null,
    cpuPercent: usage?.cpuPercent ?? null,
    rssBytes: usage?.rssBytes ?? null,
    ownCpuPercent: usage?.ownCpuPercent ?? null,
    ownRssBytes: usage?.ownRssBytes ?? null,
    outputSize: withOutputSize ? outputSize(record.outputFile) : null,
    liveChildren,
  };
}

/** A record's view: its columns (with its tree's usage), its end reason and its user. */
export function toView(record: ListedProcess, snapshot: ProcessSnapshot | null, withOutputSize = true): ProcessView {
  return viewOf(record, columnsOf(record, snapshot, { usage: true, outputSize: withOutputSize }));
}

/** The view of a record whose columns are made already (with its tree's usage: a list sorted by it reuses its own). */
export function viewOf(record: ListedProcess, columns: ViewColumns): ProcessView {
  const live = columns.live;
  viewWork.views += 1;
  if (!live) viewWork.endReasons += 1;
  // Field by field: a rest-and-spread copy of the columns took 30 µs a view.
  return {
    hash: columns.hash,
    name: columns.name,
    pid: columns.pid,
    executable: columns.executable,
    args: columns.args,
    status: columns.status,
    exitCode: columns.exitCode,
    exitSignal: columns.exitSignal,
    stopSignal: columns.stopSignal,
    startTime: columns.startTime,
    endedAt: columns.endedAt,
    runtime: columns.runtime,
    cpuPercent: columns.cpuPercent,
    rssBytes: columns.rssBytes,
    ownCpuPercent: columns.ownCpuPercent,
    ownRssBytes: columns.ownRssBytes,
    outputSize: columns.outputSize,
    liveChildren: columns.liveChildren,
    currentExecutable: live ? record.currentExecutable : null,
    cwd: record.cwd,
    exitObserved: record.keeperPid !== null,
    createdAt: isoOrNull(record.createdAt),
    outputFile: record.outputFile,
    outputGrowth: null,
    runawayOutput: false,
    warnings: record.warnings,
    peakMemoryBytes: record.end?.peakMemoryBytes ?? null,
    cpuSeconds: record.end?.cpuSeconds ?? null,
    // The fields it reads, not a copy of the whole record (a page of 100 rows made 100 copies).
    endReason: live
      ? null
      : endReasonOf({
          status: "stopped",
          end: record.end,
          exitCode: record.exitCode,
          exitSignal: record.exitSignal,
          stopSignal: record.stopSignal,
        }),
    user: userOf(record),
  };
}

/** A descendant with its current usage, for the detail page's tree. */
export interface DescendantView {
  pid: number;
  name: string;
  executable: string | null;
  args: string[];
  cwd: string | null;
  startTime: number | null;
  cpuPercent: number | null;
  rssBytes: number | null;
  children: DescendantView[];
}

export function descendantViews(snapshot: ProcessSnapshot, pid: number): DescendantView[] {
  const convert = (node: DescendantInfo): DescendantView => {
    const usage = usageOf(snapshot, node.pid, node.startTime);
    return {
      pid: node.pid,
      name: node.name,
      executable: node.executable,
      args: node.args,
      cwd: node.cwd,
      startTime: node.startTime,
      cpuPercent: usage.cpuPercent,
      rssBytes: usage.rssBytes,
      children: node.children.map(convert),
    };
  };
  return descendantsOf(snapshot, pid).map(convert);
}
