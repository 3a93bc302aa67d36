import { z } from "zod";
import { decimalInt } from "../validation/query";
import { PAGE_SIZE, SORT_KEYS, STATUS_FILTERS, type ProcessQuery } from "./query";

// The two URL shapes of a process query: the list page's (bookmarkable) and the API's.
const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);

/**
 * The list page's URL state (`/?status=running&q=maya&sort=cpu&dir=desc&page=2`): a
 * bookmark with a bad value still opens, with that value at its default.
 */
export const listPageParams = z.object({
  status: z.preprocess(first, z.enum(STATUS_FILTERS).catch("all")).default("all"),
  q: z.preprocess(first, z.string().max(500).catch("")).default(""),
  sort: z.preprocess(first, z.enum(SORT_KEYS).catch("created")).default("created"),
  dir: z.preprocess(first, z.enum(["asc", "desc"]).catch("desc")).default("desc"),
  page: z.preprocess(first, z.coerce.number().int().min(1).max(1_000_000).catch(1)).default(1),
});
export type ListPageState = z.output<typeof listPageParams>;

export function parseListPage(params: Record<string, string | string[] | undefined>): ListPageState {
  return listPageParams.parse(params);
}

export function pageQuery(state: ListPageState, size = PAGE_SIZE): ProcessQuery {
  return { status: state.status, q: state.q, sort: state.sort, dir: state.dir, offset: (state.page - 1) * size, limit: size };
}

/** The list page's URL with some of its state changed; defaults are left out to keep it short. */
export function listHref(
  state: ListPageState & { host?: string; tag?: string; hostSort?: string },
  change: Partial<ListPageState & { host: string; tag: string; hostSort: string }>,
  base = "/",
): string {
  const next = { ...state, ...change };
  const params = new URLSearchParams();
  if (next.host) params.set("host", next.host);
  if (next.tag) params.set("tag", next.tag);
  if (next.hostSort && next.hostSort !== "name") params.set("hostSort", next.hostSort);
  if (next.status !== "all") params.set("status", next.status);
  if (next.q) params.set("q", next.q);
  if (next.sort !== "created") params.set("sort", next.sort);
  if (next.dir !== "desc") params.set("dir", next.dir);
  if (next.page !== 1) params.set("page", String(next.page));
  const text = params.toString();
  return text ? `${base}?${text}` : base;
}

const apiListShape = {
  status: z.enum(STATUS_FILTERS).default("all"),
  q: z.string().max(500).default(""),
  sort: z.enum(SORT_KEYS).default("created"),
  dir: z.enum(["asc", "desc"]).default("desc"),
  limit: decimalInt(1, 10_000).default(100),
  offset: decimalInt().default(0),
};

/** `GET /api/processes` query: a script gets a 400 for a bad value rather than a silent default. */
export const apiListParams = z.object(apiListShape).transform((p): ProcessQuery => p);

/** `GET /api/fleet/processes` query: the same, plus `host` (a fleet name; empty for all). */
export const apiFleetListParams = z.object({ ...apiListShape, host: z.string().max(80).default("") });

/** The list page's state with the fleet's host filter (`/fleet?host=ws-12&status=running`). */
export const fleetPageParams = listPageParams.extend({
  host: z.preprocess(first, z.string().max(80).catch("")).default(""),
  /** Only the hosts with this tag (PROCESS_MONITOR_HOST_TAGS), in both tables. */
  tag: z.preprocess(first, z.string().max(40).catch("")).default(""),
  /** How the host table is ordered: by name (after those needing attention), by load, by crashes. */
  hostSort: z.preprocess(first, z.enum(["name", "load", "crashes"]).catch("name")).default("name"),
});
export type FleetPageState = z.output<typeof fleetPageParams>;

export function parseFleetPage(params: Record<string, string | string[] | undefined>): FleetPageState {
  return fleetPageParams.parse(params);
}
