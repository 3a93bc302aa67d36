import Link from "next/link";
import { STATUS_FILTERS, type StatusCounts } from "@/lib/processes/query";
import { listHref, type ListPageState } from "@/lib/processes/query-params";

/** All / running / stopped, with counts; a link each, so the filter lives in the URL. */
export function StatusFilter({
  query,
  counts,
  base = "/",
}: {
  query: ListPageState & { host?: string };
  counts: StatusCounts;
  base?: string;
}) {
  return (
    <nav
      aria-label="Filter by status"
      className="inline-flex rounded-md border border-zinc-300 bg-white p-0.5 text-sm dark:border-zinc-700 dark:bg-zinc-900"
    >
      {STATUS_FILTERS.map((status) => (
        <Link
          key={status}
          href={listHref(query, { status, page: 1 }, base)}
          scroll={false}
          aria-current={query.status === status ? "page" : undefined}
          className={`rounded px-3 py-1 capitalize ${query.status === status ? "bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900" : "hover:bg-zinc-100 dark:hover:bg-zinc-800"}`}
        >
          {status} <span className="opacity-70">{counts[status]}</span>
        </Link>
      ))}
    </nav>
  );
}
