import Link from "next/link";
import { AutoRefresh } from "@/components/auto-refresh";
import { ProcessTable } from "@/components/process-table";
import { Pager } from "@/components/pager";
import { SearchBox } from "@/components/search-box";
import { StatusFilter } from "@/components/status-filter";
import { RetentionNote } from "@/components/retention-note";
import { UnavailableNotice } from "@/components/unavailable-notice";
import { getProcessListPage, getRetentionSummary, isUnavailable } from "@/lib/processes/pages";
import { parseListPage } from "@/lib/processes/query-params";
import { currentRole } from "@/lib/auth/role";

export const dynamic = "force-dynamic";

export default async function ProcessListPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const query = parseListPage(await searchParams);
  const [data, retention, role] = await Promise.all([getProcessListPage(query), getRetentionSummary(), currentRole()]);
  if (isUnavailable(data)) return <UnavailableNotice state={data} />;

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
        <StatusFilter query={query} counts={data.counts} />
        <SearchBox query={query} />
      </div>

      <ProcessTable
        rows={data.rows}
        query={query}
        stoppedCount={data.counts.stopped}
        readOnly={role === "viewer"}
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
      <Pager page={data.page} pages={data.pages} total={data.total} query={query} />
      <RetentionNote summary={retention} />
    </div>
  );
}
