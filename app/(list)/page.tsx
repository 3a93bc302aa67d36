import Link from "next/link";
import { AutoRefresh } from "@/components/auto-refresh";
import { ProcessTable } from "@/components/process-table";
import { SearchBox } from "@/components/search-box";
import { RetentionNote } from "@/components/retention-note";
import { getProcessListPage, getRetentionSummary } from "@/lib/processes/pages";
import { STATUS_FILTERS } from "@/lib/processes/query";
import { listHref, parseListPage } from "@/lib/processes/query-params";

export const dynamic = "force-dynamic";

export default async function ProcessListPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = parseListPage(await searchParams);
  const [data, retention] = await Promise.all([getProcessListPage(query), getRetentionSummary()]);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Processes</h1>
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            {data.counts.all} recorded · {data.counts.running} running · {data.counts.stopped} stopped
          </p>
        </div>
        <AutoRefresh generatedAt={data.generatedAt} />
      </div>

      <div className="flex flex-wrap items-center gap-3">
        <nav
          aria-label="Filter by status"
          className="inline-flex rounded-md border border-zinc-300 bg-white p-0.5 text-sm dark:border-zinc-700 dark:bg-zinc-900"
        >
          {STATUS_FILTERS.map((status) => (
            <Link
              key={status}
              href={listHref(query, { status, page: 1 })}
              scroll={false}
              aria-current={query.status === status ? "page" : undefined}
              className={`rounded px-3 py-1 capitalize ${query.status === status ? "bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900" : "hover:bg-zinc-100 dark:hover:bg-zinc-800"}`}
            >
              {status} <span className="opacity-70">{data.counts[status]}</span>
            </Link>
          ))}
        </nav>
        <SearchBox query={query} />
      </div>

      <ProcessTable
        rows={data.rows}
        query={query}
        stoppedCount={data.counts.stopped}
        empty={
          data.counts.all === 0 ? (
            <div className="rounded-lg border border-dashed border-zinc-300 bg-white p-10 text-center dark:border-zinc-700 dark:bg-zinc-900">
              <h2 className="text-base font-semibold">No processes recorded yet</h2>
              <p className="mx-auto mt-2 max-w-xl text-sm text-zinc-600 dark:text-zinc-400">
                Processes started through Process Monitor or the AYON launcher appear here with their output. Start one from the{" "}
                <Link href="/launch" className="font-medium text-indigo-700 underline dark:text-indigo-300">
                  launch form
                </Link>
                , or from a terminal:
              </p>
              <pre className="mx-auto mt-3 w-fit rounded bg-zinc-100 px-3 py-2 text-left text-xs dark:bg-zinc-800">
                npm run cli -- launch --name render -- /path/to/program --its-args
              </pre>
            </div>
          ) : data.total === 0 ? (
            <p className="rounded-lg border border-dashed border-zinc-300 p-6 text-center text-sm text-zinc-500 dark:text-zinc-400 dark:border-zinc-700">
              No records match {query.q ? <>“{query.q}”</> : "this filter"}.{" "}
              <Link href="/" className="text-indigo-700 underline dark:text-indigo-300">
                Show all
              </Link>
            </p>
          ) : null
        }
      />
      {data.pages > 1 && (
        <nav aria-label="Pages" className="flex items-center justify-between text-sm">
          <span className="text-zinc-500 dark:text-zinc-400">
            Page {data.page} of {data.pages} · {data.total} records
          </span>
          <div className="flex gap-2">
            {data.page > 1 && (
              <Link
                href={listHref(query, { page: data.page - 1 })}
                className="rounded-md border border-zinc-300 px-3 py-1 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
              >
                ← Newer
              </Link>
            )}
            {data.page < data.pages && (
              <Link
                href={listHref(query, { page: data.page + 1 })}
                className="rounded-md border border-zinc-300 px-3 py-1 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
              >
                Older →
              </Link>
            )}
          </div>
        </nav>
      )}
      <RetentionNote summary={retention} />
    </div>
  );
}
