"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { FIRST_DIR, type SortKey } from "@/lib/processes/query";
import { listHref, type ListPageState } from "@/lib/processes/query-params";

/** How each order reads, ascending then descending. */
const WAYS: Record<SortKey, [string, string]> = {
  created: ["oldest first", "newest first"],
  started: ["oldest first", "newest first"],
  name: ["A → Z", "Z → A"],
  status: ["ascending", "descending"],
  pid: ["smallest first", "largest first"],
  runtime: ["shortest first", "longest first"],
  cpu: ["lowest first", "highest first"],
  memory: ["smallest first", "largest first"],
  output: ["smallest first", "largest first"],
};

/**
 * A phone's sort control, in place of a table header's row of sort links (eight links wrap into
 * two unlabelled rows at 390 px): "Sort by" a column, and which way, each said in words.
 */
export function PhoneSort({
  query,
  base,
  columns,
}: {
  query: ListPageState & { host?: string };
  base: string;
  columns: Array<{ key: SortKey; label: string }>;
}) {
  const router = useRouter();
  const options = [{ key: "created" as const, label: "Launched" }, ...columns];
  const reverse = query.dir === "asc" ? "desc" : "asc";
  const ascending = query.dir === "asc";
  const wayText = WAYS[query.sort][ascending ? 0 : 1];
  return (
    <div className="flex items-center gap-2 text-xs normal-case tracking-normal">
      <label className="flex items-center gap-1.5">
        Sort by
        <select
          value={query.sort}
          onChange={(event) => {
            const sort = event.target.value as SortKey;
            router.push(listHref(query, { sort, dir: FIRST_DIR[sort], page: 1 }, base), { scroll: false });
          }}
          className="rounded border border-zinc-300 bg-white px-1.5 py-1 text-xs text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
        >
          {options.map((option) => (
            <option key={option.key} value={option.key}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      <Link
        href={listHref(query, { dir: reverse, page: 1 }, base)}
        scroll={false}
        className="rounded px-1.5 py-1 text-indigo-700 hover:bg-indigo-50 dark:text-indigo-300 dark:hover:bg-indigo-500/10"
        aria-label={`Sorted ${wayText}: reverse`}
      >
        {ascending ? "▲" : "▼"} {wayText}
      </Link>
    </div>
  );
}
