import type { ProcessView } from "./status";
import { hasFailed, isActive } from "./status";

export const SORT_KEYS = ["created", "name", "pid", "status", "started", "runtime", "cpu", "memory", "output"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
/** The way a column sorts on its first click: names A→Z; numbers and times largest or newest first. */
export const FIRST_DIR: Record<SortKey, "asc" | "desc"> = {
  created: "desc",
  name: "asc",
  pid: "desc",
  status: "desc",
  started: "desc",
  runtime: "desc",
  cpu: "desc",
  memory: "desc",
  output: "desc",
};
/** `failed`: ended with a non-zero code or a signal we did not send (isCrash). */
export const STATUS_FILTERS = ["all", "running", "stopped", "failed"] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];
/** Rows per page of the list page. */
export const PAGE_SIZE = 100;

/** What every way in asks of the list: the page, the API and the CLI alike. */
export interface ProcessQuery {
  status: StatusFilter;
  /** Text in the name, executable or arguments, a hash prefix, or a pid. */
  q: string;
  sort: SortKey;
  dir: "asc" | "desc";
  offset: number;
  /** null: every match. */
  limit: number | null;
}

export const ALL: ProcessQuery = { status: "all", q: "", sort: "created", dir: "desc", offset: 0, limit: null };

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

export interface Selection<T> {
  items: T[];
  /** Matches of the status filter and search, before paging. */
  total: number;
  /** Per status, before the status filter (what the filter tabs show). */
  counts: StatusCounts;
}

/** Per status filter, how many records (the filter tabs' numbers). */
export type StatusCounts = Record<StatusFilter, number>;

/**
 * Whether the query asks for every record in the registry's own order (newest first, no filter,
 * no search): a caller that knows the counts may then hand `selectProcesses` only the first
 * offset + limit items.
 */
export function isRegistryOrder(query: ProcessQuery): boolean {
  return query.status === "all" && query.q.trim() === "" && query.sort === "created" && query.dir === "desc";
}

/**
 * The one filter, search, sort and paging of process lists. Items come newest first (the
 * registry's order); other sorts are stable, missing values last.
 */
export function selectProcesses<T extends { view: ProcessView }>(
  items: T[],
  query: ProcessQuery,
  /** The counts when the caller already knows them (the hub: per host, from its reading). */
  known?: Omit<StatusCounts, "stopped">,
): Selection<T> {
  const isRunning = (item: T) => isActive(item.view);
  const failed = (item: T) => hasFailed(item.view);
  const given = known ?? { all: items.length, running: items.filter(isRunning).length, failed: items.filter(failed).length };
  const counts: StatusCounts = { ...given, stopped: given.all - given.running };
  let selected = items;
  if (query.status === "running") selected = selected.filter(isRunning);
  if (query.status === "stopped") selected = selected.filter((item) => !isRunning(item));
  if (query.status === "failed") selected = selected.filter(failed);
  const needle = query.q.trim().toLowerCase();
  if (needle) selected = selected.filter((item) => matches(item.view, needle));

  if (query.sort !== "created") {
    const factor = query.dir === "asc" ? 1 : -1;
    selected = selected
      .map((item, index) => ({ item, index, value: sortValue(item.view, query.sort) }))
      .sort((a, b) => {
        if (a.value === b.value) return a.index - b.index;
        if (a.value === null) return 1;
        if (b.value === null) return -1;
        return (a.value < b.value ? -1 : 1) * factor;
      })
      .map((entry) => entry.item);
  } else if (query.dir === "asc") {
    selected = [...selected].reverse();
  }
  const end = query.limit === null ? undefined : query.offset + query.limit;
  const total = known && isRegistryOrder(query) ? known.all : selected.length;
  return { items: selected.slice(query.offset, end), total, counts };
}
