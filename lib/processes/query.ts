import type { ProcessView } from "./status";
import TinyQueue from "tinyqueue";
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

/** What the status filter and search look at: a view, or a record as a workstation reported it to the hub. */
export type Searchable = Pick<
  ProcessView,
  "name" | "executable" | "hash" | "pid" | "args" | "status" | "exitCode" | "exitSignal" | "stopSignal"
>;

function matches(view: Searchable, needle: string): boolean {
  if (view.name.toLowerCase().includes(needle)) return true;
  if (view.executable.toLowerCase().includes(needle)) return true;
  if (view.hash.startsWith(needle)) return true;
  if (view.pid !== null && String(view.pid) === needle) return true;
  return view.args.some((arg) => arg.toLowerCase().includes(needle));
}

const STATUS_TESTS: Record<StatusFilter, ((view: Searchable) => boolean) | null> = {
  all: null,
  running: isActive,
  stopped: (view) => !isActive(view),
  failed: hasFailed,
};

/** A query's status filter and search as one test of a record; `key` says which (equal keys, equal tests). */
export interface RecordFilter {
  key: string;
  test: (record: Searchable) => boolean;
}

/** The status filter and search of a query; null when they let every record through. */
export function recordFilter(query: Pick<ProcessQuery, "status" | "q">): RecordFilter | null {
  const status = STATUS_TESTS[query.status];
  const needle = query.q.trim().toLowerCase();
  if (!status && !needle) return null;
  return {
    key: `${query.status}\n${needle}`,
    test: (record) => (!status || status(record)) && (!needle || matches(record, needle)),
  };
}

const STATUS_ORDER: Record<ProcessView["status"], number> = { running: 0, unverified: 1, children: 2, stopped: 3 };

/** What the list's columns sort by: a view's, or what a view of a hub's stored record would say (`sortableOf`). */
export type Sortable = Pick<ProcessView, "name" | "pid" | "status" | "startTime" | "runtime" | "cpuPercent" | "rssBytes" | "outputSize">;

function sortValue(view: Sortable, key: SortKey): number | string | null {
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
 * The filter, search, sort and paging of a workstation's list (the hub's applies the same
 * `recordFilter` and `sortedPage` host by host). Items come newest first (the registry's order).
 */
export function selectProcesses<T extends { view: ProcessView }>(items: T[], query: ProcessQuery): Selection<T> {
  return selectBy(items, query, (item) => item.view);
}

/**
 * The same, of items told by what the list's filters, searches, sorts and counts read of them
 * (`columns`): a workstation's records by their columns alone, their views made for the page only.
 */
export function selectBy<T>(items: T[], query: ProcessQuery, columns: (item: T) => Searchable & Sortable): Selection<T> {
  const all = items.length;
  let running = 0;
  let failed = 0;
  for (const item of items) {
    const c = columns(item);
    if (isActive(c)) running += 1;
    else if (hasFailed(c)) failed += 1;
  }
  const counts: StatusCounts = { all, running, stopped: all - running, failed };
  const filter = recordFilter(query);
  const selected = filter ? items.filter((item) => filter.test(columns(item))) : items;
  return { items: sortedPage(selected, query, columns), total: selected.length, counts };
}

/**
 * The page `query` asks of items already filtered, given newest first (the registry's order):
 * sorted as it asks, stably, missing values last. Of many items only the page's are ordered
 * (a fleet sorted by CPU is 100,000 records for a page of 100). `columns`: what an item's
 * columns say; `newer`: their registry order, for items given in another (default: as given).
 */
export function sortedPage<T>(selected: T[], query: ProcessQuery, columns: (item: T) => Sortable, newer?: (a: T, b: T) => number): T[] {
  const end = query.limit === null ? selected.length : Math.min(selected.length, query.offset + query.limit);
  if (query.sort === "created") {
    if (query.dir === "desc") return selected.slice(query.offset, end);
    return selected.slice(Math.max(0, selected.length - end), selected.length - query.offset).reverse();
  }
  const factor = query.dir === "asc" ? 1 : -1;
  type Entry = { item: T; index: number; value: number | string | null };
  const tie = newer ? (a: Entry, b: Entry) => newer(a.item, b.item) : (a: Entry, b: Entry) => a.index - b.index;
  // A total order (equal values in registry order), so the first `end` of it are the same however they are found.
  const compare = (a: Entry, b: Entry) => {
    if (a.value === b.value) return tie(a, b);
    if (a.value === null) return 1;
    if (b.value === null) return -1;
    return (a.value < b.value ? -1 : 1) * factor;
  };
  const entries = selected.map((item, index): Entry => ({ item, index, value: sortValue(columns(item), query.sort) }));
  const ordered = end * 4 < entries.length ? firstOf(entries, end, compare) : entries.sort(compare);
  return ordered.slice(query.offset, end).map((entry) => entry.item);
}

/** The first `count` of `entries` in `compare`'s order, without ordering the rest: a heap of the best so far, its worst on top. */
function firstOf<E>(entries: E[], count: number, compare: (a: E, b: E) => number): E[] {
  if (count <= 0) return [];
  const best = new TinyQueue<E>([], (a, b) => compare(b, a));
  for (const entry of entries) {
    if (best.length < count) best.push(entry);
    else if (compare(entry, best.peek()!) < 0) {
      best.pop();
      best.push(entry);
    }
  }
  return best.data.sort(compare);
}
