import "server-only";
import { getRegistry } from "../server/registry";
import { ProcessSnapshot } from "../system/snapshot";
import { outputSize } from "../output/tail";
import { PAGE_SIZE, type ListQuery, type SortKey } from "./list-query";
import { toView, type ProcessView } from "./process-view";

export interface ProcessListData {
  rows: ProcessView[];
  /** Records matching the filter and search. */
  total: number;
  counts: { all: number; running: number; stopped: number };
  page: number;
  pages: number;
  generatedAt: number;
  dbPath: string;
}

function matches(view: ProcessView, needle: string): boolean {
  if (view.name.toLowerCase().includes(needle)) return true;
  if (view.executable.toLowerCase().includes(needle)) return true;
  if (view.hash.startsWith(needle)) return true;
  if (view.pid !== null && String(view.pid) === needle) return true;
  return view.args.some((arg) => arg.toLowerCase().includes(needle));
}

const STATUS_ORDER: Record<ProcessView["status"], number> = { running: 0, unverified: 1, children: 2, stopped: 3 };

function sortValue(view: ProcessView, key: SortKey): number | string | null {
  switch (key) {
    case "name":
      return view.name.toLowerCase();
    case "pid":
      return view.pid;
    case "status":
      return STATUS_ORDER[view.status];
    case "started":
      return view.startTime;
    case "runtime":
      return view.runtime;
    case "cpu":
      return view.cpuPercent;
    case "memory":
      return view.rssBytes;
    case "output":
      return view.outputSize;
    default:
      return null;
  }
}

/** The process list page's data: every record checked, then filtered, sorted and paged. */
export async function getProcessList(query: ListQuery): Promise<ProcessListData> {
  const registry = await getRegistry();
  const snapshot = await ProcessSnapshot.recent();
  const records = await registry.list({ snapshot });
  const needle = query.q.trim().toLowerCase();

  // Output sizes cost a stat each: only the page on screen gets them, unless sorting by size.
  const needSizes = query.sort === "output";
  let views = records.map((r) => toView(r, snapshot, needSizes));
  const counts = {
    all: views.length,
    running: views.filter((v) => v.status !== "stopped").length,
    stopped: views.filter((v) => v.status === "stopped").length,
  };
  if (query.status === "running") views = views.filter((v) => v.status !== "stopped");
  if (query.status === "stopped") views = views.filter((v) => v.status === "stopped");
  if (needle) views = views.filter((v) => matches(v, needle));

  // "created" is the registry's own order (newest first); others are stable sorts of it.
  if (query.sort !== "created") {
    const factor = query.dir === "asc" ? 1 : -1;
    views = views
      .map((view, index) => ({ view, index, value: sortValue(view, query.sort) }))
      .sort((a, b) => {
        if (a.value === b.value) return a.index - b.index;
        if (a.value === null) return 1;
        if (b.value === null) return -1;
        return (a.value < b.value ? -1 : 1) * factor;
      })
      .map((entry) => entry.view);
  } else if (query.dir === "asc") {
    views = views.reverse();
  }

  const pages = Math.max(1, Math.ceil(views.length / PAGE_SIZE));
  const page = Math.min(query.page, pages);
  const rows = views.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  if (!needSizes) for (const row of rows) row.outputSize = outputSize(row.outputFile);
  return { rows, total: views.length, counts, page, pages, generatedAt: Date.now(), dbPath: registry.dbPath };
}
