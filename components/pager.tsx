import Link from "next/link";
import { listHref, type ListPageState } from "@/lib/processes/query-params";

/** Newer / older pages of a process list, kept in the URL. */
export function Pager({
  page,
  pages,
  total,
  query,
  base = "/",
}: {
  page: number;
  pages: number;
  total: number;
  query: ListPageState & { host?: string };
  base?: string;
}) {
  if (pages <= 1) return null;
  return (
    <nav aria-label="Pages" className="flex items-center justify-between text-sm">
      <span className="text-zinc-500 dark:text-zinc-400">
        Page {page} of {pages} · {total} records
      </span>
      <div className="flex gap-2">
        {page > 1 && (
          <Link
            href={listHref(query, { page: page - 1 }, base)}
            className="rounded-md border border-zinc-300 px-3 py-1 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
          >
            ← Newer
          </Link>
        )}
        {page < pages && (
          <Link
            href={listHref(query, { page: page + 1 }, base)}
            className="rounded-md border border-zinc-300 px-3 py-1 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
          >
            Older →
          </Link>
        )}
      </div>
    </nav>
  );
}
