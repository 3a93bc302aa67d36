import { z } from "zod";

export const SORT_KEYS = ["created", "name", "pid", "status", "started", "runtime", "cpu", "memory", "output"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const STATUS_FILTERS = ["all", "running", "stopped"] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];
export const PAGE_SIZE = 100;

const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);

/** The list's URL state (`/?status=running&q=maya&sort=cpu&dir=desc&page=2`); bad values fall back to defaults. */
export const listQuerySchema = z.object({
  status: z.preprocess(first, z.enum(STATUS_FILTERS).catch("all")).default("all"),
  q: z.preprocess(first, z.string().max(500).catch("")).default(""),
  sort: z.preprocess(first, z.enum(SORT_KEYS).catch("created")).default("created"),
  dir: z.preprocess(first, z.enum(["asc", "desc"]).catch("desc")).default("desc"),
  page: z.preprocess(first, z.coerce.number().int().min(1).max(1_000_000).catch(1)).default(1),
});

export type ListQuery = z.output<typeof listQuerySchema>;

export function parseListQuery(params: Record<string, string | string[] | undefined>): ListQuery {
  return listQuerySchema.parse(params);
}

/** The URL of the list with some of its state changed; defaults are left out to keep it short. */
export function listHref(query: ListQuery, change: Partial<ListQuery>): string {
  const next = { ...query, ...change };
  const params = new URLSearchParams();
  if (next.status !== "all") params.set("status", next.status);
  if (next.q) params.set("q", next.q);
  if (next.sort !== "created") params.set("sort", next.sort);
  if (next.dir !== "desc") params.set("dir", next.dir);
  if (next.page !== 1) params.set("page", String(next.page));
  const text = params.toString();
  return text ? `/?${text}` : "/";
}
